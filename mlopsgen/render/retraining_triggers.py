"""Alerts start retraining: Alertmanager -> webhook EventSource -> EventBus -> Sensor -> Workflow.

In each team environment where a model's retraining has an alert trigger (`drift`, `slo`), the overlay gets:
- an EventBus `default` (NATS JetStream, three replicas: catalog/events.py). Argo Events resolves `eventBusName` in the EventSource's and the Sensor's
  own namespace, and a native JetStream bus keeps its generated credentials in a Secret of that namespace, so the
  bus lives beside them: no team shares a bus, or its subjects, with another;
- a webhook EventSource `retraining` (its Service `retraining-eventsource-svc`, port 12000, path /alerts);
- a Sensor `retraining` with one dependency and one trigger per model: the dependency admits only firing alerts
  of that model and of its triggers' names; the trigger creates a Workflow from `<model>-retrain` with the
  alert's `model` and `alertname` as parameters (a plain Kubernetes `create`: its account may create Workflows
  in the namespace and nothing more);
- an AlertmanagerConfig `<model>-retraining` routing those alerts to the webhook. prometheus-operator adds a
  `namespace` matcher to every AlertmanagerConfig's route (alertmanagerConfigMatcherStrategy OnNamespace, the
  default), so a namespace only ever routes its own alerts;
- NetworkPolicies for exactly the flows: Alertmanager to the webhook, EventSource and Sensor to the bus, the
  bus' peers, the Sensor to the API server, DNS.
Every pod is held to Pod Security restricted and kept out of the mesh (nothing it talks to is meshed).
Where a served model rolls out on a registry promotion, the same EventBus, EventSource, Sensor and account carry
it too (render/promotion.py: a second webhook for MLflow, a dependency and trigger per model); the Alertmanager
pieces only where an alert starts retraining.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import events, hardening, promql
from mlopsgen.platform import loop_events
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.platform.model_serving import Model
from mlopsgen.render import labels as L
from mlopsgen.render import promotion
from mlopsgen.render.monitoring import alert_rules
from mlopsgen.render.retraining import retrain_template_name

EVENT_SOURCE = SENSOR = events.EVENT_SOURCE
WEBHOOK_EVENT, WEBHOOK_PATH = "alertmanager", "/alerts"
EVENT_BUS = "default"  # the name EventSources and Sensors use when they name none
EVENTS_ACCOUNT, SENSOR_ACCOUNT = "retraining-events", "retraining-sensor"
JETSTREAM_VERSION = "2.10.10"  # one of the chart's configs.jetstream.versions
ROLES = ("eventsource", "eventbus", "sensor")
# Restricted, without the read-only root filesystem the tree's own images get: these are upstream's images, and
# nats-server and its config reloader write beside their binaries.
CONTAINER_SECURITY_CONTEXT = {k: v for k, v in hardening.CONTAINER_SECURITY_CONTEXT.items() if k != "readOnlyRootFilesystem"}


def alert_retrained(platform: Platform, team: Team, env: Environment) -> list[Model]:
    """The team's models whose retraining runs in `env` and starts on an alert."""
    return loop_events.alert_retrained(platform, team.name, env.name)


def retraining_alerts(model: Model) -> list[str]:
    """The names of the alerts that start the model's retraining: the drift monitor's, and its SLO alerts."""
    triggers = model.retraining.alert_triggers if model.retraining else ()
    names = [promql.DRIFT_ALERT] if "drift" in triggers else []
    if "slo" in triggers:
        names += [rule["alert"] for rule in alert_rules(model, "")]
    return names


def webhook_url(namespace: str) -> str:
    return (f"http://{EVENT_SOURCE}{events.SERVICE_SUFFIX}.{namespace}.svc.cluster.local:{C.RETRAINING_WEBHOOK_PORT}"
            f"{WEBHOOK_PATH}")


def role_labels(role: str) -> dict[str, str]:
    return {C.RETRAINING_TRIGGER: role, C.SIDECAR_INJECT: "false"}


def _meta(name: str, labels: dict, **extra) -> dict:
    return {"name": name, "labels": labels, **extra}


def _pod_template(role: str, account: str) -> dict:
    return {"metadata": {"labels": role_labels(role)}, "serviceAccountName": account,
            "securityContext": hardening.POD_SECURITY_CONTEXT,
            "container": {"resources": events.TRIGGER_POD_RESOURCES, "securityContext": CONTAINER_SECURITY_CONTEXT}}


def _event_bus(labels: dict) -> dict:
    server = {"resources": events.EVENTBUS_SERVER_RESOURCES, "securityContext": CONTAINER_SECURITY_CONTEXT}
    sidecar = {"resources": events.EVENTBUS_SIDECAR_RESOURCES, "securityContext": CONTAINER_SECURITY_CONTEXT}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus", "metadata": _meta(EVENT_BUS, labels),
            "spec": {"jetstream": {
                "version": JETSTREAM_VERSION, "replicas": events.EVENTBUS_REPLICAS, "serviceAccountName": EVENTS_ACCOUNT,
                "metadata": {"labels": role_labels("eventbus")}, "securityContext": hardening.POD_SECURITY_CONTEXT,
                "containerTemplate": server, "reloaderContainerTemplate": sidecar, "metricsContainerTemplate": sidecar}}}


def _event_source(namespace: str, labels: dict, alerts: bool, promotions: bool) -> dict:
    port = C.RETRAINING_WEBHOOK_PORT
    ports, hooks = [], {}
    if alerts:
        ports.append({"name": "webhook", "port": port, "targetPort": port})
        hooks[WEBHOOK_EVENT] = {"port": str(port), "endpoint": WEBHOOK_PATH, "method": "POST",
                                "url": webhook_url(namespace).removesuffix(WEBHOOK_PATH)}
    if promotions:  # MLflow's deliveries, on a port of their own
        name, hook, service_port = promotion.webhook(namespace)
        hooks[name] = hook
        ports.append(service_port)
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "EventSource", "metadata": _meta(EVENT_SOURCE, labels),
            "spec": {"eventBusName": EVENT_BUS, "template": _pod_template("eventsource", EVENTS_ACCOUNT),
                     "service": {"ports": ports}, "webhook": hooks}}


def _workflow(model: Model, labels: dict) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"generateName": f"{retrain_template_name(model)}-", "labels": labels},
            "spec": {"workflowTemplateRef": {"name": retrain_template_name(model)},
                     "arguments": {"parameters": [{"name": "model", "value": model.name},
                                                  {"name": "alertname", "value": ""}]}}}


def _sensor(models: list[Model], promoted: list[Model], labels: dict) -> dict:
    dependencies, triggers = [], []
    for model in models:
        # Alertmanager's webhook body: status, commonLabels (the route groups by alertname and model), alerts.
        dependencies.append({"name": model.name, "eventSourceName": EVENT_SOURCE, "eventName": WEBHOOK_EVENT,
                             "filters": {"data": [
                                 {"path": "body.status", "type": "string", "value": ["firing"]},
                                 {"path": "body.commonLabels.model", "type": "string", "value": [model.name]},
                                 {"path": "body.commonLabels.alertname", "type": "string", "value": retraining_alerts(model)}]}})
        parameters = [{"src": {"dependencyName": model.name, "dataKey": f"body.commonLabels.{label}"},
                       "dest": f"spec.arguments.parameters.{i}.value"} for i, label in enumerate(("model", "alertname"))]
        triggers.append({"template": {"name": retrain_template_name(model), "conditions": model.name, "k8s": {
            "operation": "create", "source": {"resource": _workflow(model, labels)}, "parameters": parameters}}})
    for model in promoted:
        dependency, trigger = promotion.sensor_parts(model, labels)
        dependencies.append(dependency)
        triggers.append(trigger)
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Sensor", "metadata": _meta(SENSOR, labels),
            "spec": {"eventBusName": EVENT_BUS, "template": _pod_template("sensor", SENSOR_ACCOUNT),
                     "dependencies": dependencies, "triggers": triggers}}


def _access(labels: dict) -> list[dict]:
    accounts = [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name, labels),
                 "automountServiceAccountToken": name == SENSOR_ACCOUNT} for name in (EVENTS_ACCOUNT, SENSOR_ACCOUNT)]
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(SENSOR_ACCOUNT, labels),
            "rules": [{"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["create"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": _meta(SENSOR_ACCOUNT, labels),
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": SENSOR_ACCOUNT},
               "subjects": [{"kind": "ServiceAccount", "name": SENSOR_ACCOUNT}]}
    return [*accounts, role, binding]


def _alertmanager_config(model: Model, namespace: str, labels: dict) -> dict:
    names = retraining_alerts(model)
    return {"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
            "metadata": _meta(f"{model.name}-retraining", labels),
            "spec": {"route": {"receiver": "retraining", "groupBy": ["alertname", "model"],
                               "groupWait": "30s", "groupInterval": "5m", "repeatInterval": "12h",
                               # No matchType is equality (the CRD: matchType "takes precedence over Regex if non-empty").
                               "matchers": [{"name": "model", "value": model.name},
                                            {"name": "alertname", "matchType": "=~", "value": "|".join(names)}]},
                     # Resolved alerts start nothing.
                     "receivers": [{"name": "retraining", "webhookConfigs": [
                         {"url": webhook_url(namespace), "sendResolved": False}]}]}}


def _policies(platform: Platform, env: Environment, labels: dict, alerts: bool, promotions: bool) -> list[dict]:
    cluster = platform.cluster(env.cluster)
    monitoring = next((s for s in platform.services_for(cluster.name) if s.kind == "monitoring"), None)
    # A Prometheus the cluster provides is not described by the spec: its Alertmanager may be in any namespace.
    alertmanager = ({"namespaceSelector": C.namespace_selector(monitoring.namespace)} if monitoring
                    else {"namespaceSelector": {}}) | {"podSelector": {"matchLabels": dict(C.ALERTMANAGER_POD_LABELS)}}

    def pods(role: str) -> dict:
        return {"podSelector": {"matchLabels": {C.RETRAINING_TRIGGER: role}}}

    def policy(name: str, why: str, spec: dict) -> dict:
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "labels": labels, "annotations": {C.POLICY_PURPOSE: why}}, "spec": spec}

    clients = C.tcp(C.EVENTBUS_CLIENT_PORT)
    bus, peers = pods("eventbus"), C.tcp(C.EVENTBUS_CLUSTER_PORT)
    triggers = {"podSelector": {"matchExpressions": [{"key": C.RETRAINING_TRIGGER, "operator": "In", "values": list(ROLES)}]}}
    out = [
        policy("allow-retraining-dns", "the retraining webhook, bus and Sensor resolve names", {
            **triggers, "policyTypes": ["Egress"], "egress": [{"to": [C.DNS_PEER], "ports": list(C.DNS_PORTS)}]}),
        policy("allow-retraining-webhook", webhook_why(alerts, promotions), {
            **pods("eventsource"), "policyTypes": ["Ingress", "Egress"],
            "ingress": webhook_ingress(platform, env, alertmanager, alerts, promotions),
            "egress": [{"to": [bus], "ports": clients}]}),
        policy("allow-retraining-eventbus", "the webhook and the Sensor use the bus; its replicas form a cluster", {
            **bus, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [pods("eventsource"), pods("sensor")], "ports": clients}, {"from": [bus], "ports": peers}],
            "egress": [{"to": [bus], "ports": peers}]}),
    ]
    sensor_egress = [{"to": [bus], "ports": clients}]
    if cluster.api_server is not None:
        sensor_egress.append({"to": [{"ipBlock": {"cidr": c}} for c in cluster.api_server.cidrs],
                              "ports": C.tcp(cluster.api_server.port)})
    out.append(policy("allow-retraining-sensor", "the Sensor reads the bus and creates Workflows through the API server", {
        **pods("sensor"), "policyTypes": ["Egress"], "egress": sensor_egress}))
    return out


def webhook_why(alerts: bool, promotions: bool) -> str:
    senders = " and ".join(s for s, on in (("Alertmanager posts the retraining alerts", alerts),
                                           ("MLflow posts the registry's promotions", promotions)) if on)
    return f"{senders}; the webhook publishes them on the bus"


def webhook_ingress(platform: Platform, env: Environment, alertmanager: dict, alerts: bool, promotions: bool) -> list[dict]:
    rules = [{"from": [alertmanager], "ports": C.tcp(C.RETRAINING_WEBHOOK_PORT)}] if alerts else []
    mlflow = promotion.mlflow_peer(platform, env)
    if promotions and mlflow is not None:
        rules.append({"from": [mlflow], "ports": C.tcp(C.PROMOTION_WEBHOOK_PORT)})
    return rules


def trigger_objects(platform: Platform, team: Team, env: Environment) -> list[dict]:
    """Everything an alert needs to start the team's retraining in `env`, and a registry promotion to roll a model
    out (none where neither does)."""
    models = alert_retrained(platform, team, env)
    promoted = loop_events.promoted(platform, team.name, env.name)
    if not models and not promoted:
        return []
    namespace = team.namespace(env.name)
    labels = L.common(platform, team.name, env.name)
    objects = [_event_bus(labels), _event_source(namespace, labels, bool(models), bool(promoted)),
               _sensor(models, promoted, labels), *_access(labels),
               *[_alertmanager_config(m, namespace, labels) for m in models],
               *_policies(platform, env, labels, bool(models), bool(promoted))]
    for obj in objects:  # the overlay's namespace, written out (checkov reads a missing one as `default`)
        obj["metadata"]["namespace"] = namespace
    return objects
