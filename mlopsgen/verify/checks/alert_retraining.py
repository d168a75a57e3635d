"""Journey 10: an alert starts retraining.

For every model whose retraining has an alert trigger, each alert that should start it (the drift monitor's
`ModelDriftDetected`, the model's SLO alerts in the tree's PrometheusRules), with the labels it carries
(alertname, model, namespace, severity), must be followed link by link:
- an AlertmanagerConfig of the alert's namespace that Alertmanager selects (the Alertmanager its chart renders:
  alertmanagerConfigSelector and alertmanagerConfigNamespaceSelector; a nil selector selects nothing, a nil
  namespace selector only Alertmanager's own namespace, prometheus-operator's API) matches it, and its receiver
  posts to a webhook URL;
- that URL is `<name>-eventsource-svc.<namespace>` (the Service Argo Events creates for an EventSource) on a port
  whose target is a webhook of the EventSource at the URL's path;
- a Sensor of that namespace depends on that webhook with filters the alert's body passes (Alertmanager's webhook
  body: `status` firing, `commonLabels` of the route's groupBy), and its trigger creates a Workflow from the
  model's WorkflowTemplate `<model>-retrain`, which exists; the EventBus both name exists;
- the Sensor's service account may create Workflows there;
- the pods the controller makes from the EventSource, the Sensor and the EventBus pass the namespace's Pod Security;
- the flows are allowed (NetworkPolicies and Istio): Alertmanager to the webhook, the EventSource and the Sensor
  to the bus, the bus' replicas to each other, the Sensor to the API server.
A break names the link. A Prometheus the cluster provides is taken to select every AlertmanagerConfig of the
namespace (the operator's defaults), and its Alertmanager's namespace is not known: that flow is not judged.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.events import SERVICE_SUFFIX
from mlopsgen.catalog.promql import DRIFT_ALERT
from mlopsgen.kube.selectors import selects
from mlopsgen.kube.workloads import pod_templates
from mlopsgen.verify import rbac
from mlopsgen.verify.checks.admission import level_of, rejected
from mlopsgen.verify.configured import rendered
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import Endpoint
from mlopsgen.verify.event_pods import pods_of
from mlopsgen.verify.result import Finding, finding
from mlopsgen.verify.tree import Obj

SLUG = "alert-retraining"
ALERTMANAGER_POSTS, WEBHOOK_PUBLISHES = "Alertmanager posts the alert to the webhook", "the webhook publishes on the bus"
SENSOR_READS, SENSOR_CREATES = "the Sensor reads the bus", "the Sensor creates the Workflow through the API server"
BUS_PEERS = "the bus' replicas form a cluster"


def alerts_to_follow(view, model, namespace: str) -> list[tuple[dict, Obj | None]]:
    """The alerts that should start the model's retraining, with their labels and the rule defining each (none for
    the drift monitor's, which lives elsewhere)."""
    triggers = model.retraining.alert_triggers
    out: list[tuple[dict, Obj | None]] = []
    if "drift" in triggers:
        out.append(({"alertname": DRIFT_ALERT, "model": model.name, "namespace": namespace, "severity": "warning"}, None))
    if "slo" in triggers:
        for rule in (r for r in view.of_kind("PrometheusRule") if r.namespace == namespace and not r.origin):
            for group in rule.spec.get("groups") or []:
                for alert in group.get("rules") or []:
                    labels = alert.get("labels") or {}
                    if alert.get("alert") and labels.get("model") == model.name:
                        out.append(({"namespace": namespace, **labels, "alertname": alert["alert"]}, rule))
    return out


def _matches(matchers, labels: dict) -> bool:
    import re

    for m in matchers or []:
        kind = m.get("matchType") or ("=~" if m.get("regex") else "=")
        value, actual = str(m.get("value", "")), str(labels.get(m.get("name"), ""))
        hit = actual == value if kind in ("=", "!=") else re.fullmatch(value, actual) is not None
        if hit == kind.startswith("!"):
            return False
    return True


def alertmanager_selects(view, config: Obj) -> bool:
    """Whether Alertmanager reads the AlertmanagerConfig (one the cluster provides: at the operator's defaults)."""
    if "kube-prometheus-stack" in view.provided:
        return True
    for am in rendered(view, "kube-prometheus-stack", "Alertmanager") or []:
        selector, namespaces = am.spec.get("alertmanagerConfigSelector"), am.spec.get("alertmanagerConfigNamespaceSelector")
        in_namespace = config.namespace == am.namespace if namespaces is None else \
            selects(namespaces, view.namespace_labels(config.namespace or ""))
        if selector is not None and selects(selector, config.labels) and in_namespace:
            return True
    return False


def route_of(view, alert: dict) -> tuple[Obj, str] | None:
    """The AlertmanagerConfig routing the alert and the webhook URL it posts to (None: none)."""
    for config in (c for c in view.of_kind("AlertmanagerConfig") if c.namespace == alert["namespace"]):
        selected = alertmanager_selects(view, config)
        route = config.spec.get("route") or {}
        if not selected or not _matches(route.get("matchers"), alert):
            continue
        receiver: dict = next((r for r in config.spec.get("receivers") or [] if r.get("name") == route.get("receiver")), {})
        urls = [str(w.get("url")) for w in receiver.get("webhookConfigs") or [] if w.get("url")]
        if urls:
            return config, urls[0]
    return None


def _endpoint(view, obj: Obj, role: str) -> Endpoint:
    templates = pod_templates(obj.data)
    labels = dict(templates[0].labels) if templates else {}
    ports = [p for t in templates for _, c in t.containers() for p in c.get("ports") or []]
    ns_labels = view.namespace_labels(obj.namespace or "")
    injected = ns_labels.get("istio-injection") == "enabled" or "istio.io/rev" in ns_labels
    return Endpoint(f"{obj.namespace}/{role}-{obj.name}@{view.name}", view.name, "team", obj.namespace, labels,
                    ports=ports, meshed=injected and labels.get(C.SIDECAR_INJECT) != "false")


def _passes(dependency: dict, body: dict) -> bool:
    for f in (dependency.get("filters") or {}).get("data") or []:
        node: object = body
        for part in str(f.get("path", "")).split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None or str(node) not in [str(v) for v in f.get("value") or []]:
            return False
    return True


def _creates(trigger: dict, dependency: str, template: str) -> bool:
    spec = trigger.get("template") or {}
    conditions = str(spec.get("conditions") or dependency)
    action = spec.get("k8s") or spec.get("argoWorkflow") or {}
    resource = (action.get("source") or {}).get("resource") or {}
    return (dependency in conditions.replace("&&", " ").replace("||", " ").split() and resource.get("kind") == "Workflow"
            and ((resource.get("spec") or {}).get("workflowTemplateRef") or {}).get("name") == template
            and action.get("operation", "create") in ("create", "submit"))


def webhook_of(view, url: str) -> tuple[Obj | None, str | None, str | None]:
    """The EventSource whose Service serves the URL, the name of its webhook at the URL's port and path, and that
    webhook's port (None where nothing serves it)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").split(".")
    service, ns = host[0], host[1] if len(host) > 1 else ""
    source = next((o for o in view.of_kind("EventSource") if service == o.name + SERVICE_SUFFIX and o.namespace == ns), None)
    port = parts.port or 80
    entry = next((p for p in ((source.spec.get("service") or {}).get("ports") or []) if p.get("port") == port), None) if source else None
    target = str(entry.get("targetPort", port)) if entry else None
    hook = next((k for k, w in ((source.spec.get("webhook") or {}).items() if source else [])
                 if str(w.get("port")) == target and w.get("endpoint") == (parts.path or "/")), None)
    return source, hook, target


def sensor_for(view, source: Obj, hook: str, alert: dict, template: str) -> Obj | None:
    """The Sensor of the EventSource's namespace that takes the alert from its webhook (its filters pass the alert's
    body) and creates a Workflow from the template."""
    body = {"body": {"status": "firing", "commonLabels": alert}}  # the event as Sensor filters address it
    sensors = [o for o in view.of_kind("Sensor") if o.namespace == source.namespace]
    return next((s for s in sensors for d in s.spec.get("dependencies") or []
                 if d.get("eventSourceName") == source.name and d.get("eventName") == hook and _passes(d, body)
                 and any(_creates(t, d.get("name"), template) for t in s.spec.get("triggers") or [])), None)


def bus_of(view, obj: Obj) -> Obj | None:
    """The EventBus an EventSource or a Sensor uses: the one it names (else `default`) in its own namespace."""
    name = obj.spec.get("eventBusName") or "default"
    return next((b for b in view.of_kind("EventBus") if b.namespace == obj.namespace and b.name == name), None)


def sensor_account(sensor: Obj) -> str:
    return (sensor.spec.get("template") or {}).get("serviceAccountName") or "default"


class _Journey:
    def __init__(self, ctx: Context, findings: list[Finding]):
        self.ctx, self.findings = ctx, findings

    def fail(self, message: str, where, hint: str, spec=None) -> None:
        self.findings.append(finding(SLUG, message, where, hint=hint, spec=spec))

    def follow(self, view, model, alert: dict, rule: Obj | None, access: rbac.Rbac) -> None:
        namespace, name = alert["namespace"], alert["alertname"]
        spec = self.ctx.model_spec(model.name, "retraining", "triggers")
        template = f"{model.name}-retrain"
        wt = next((o for o in view.of_kind("WorkflowTemplate") if o.namespace == namespace and o.name == template), None)
        anchor = rule.locate() if rule else wt.locate() if wt else None
        what = f"alert {name} of {model.name} in {namespace}"
        if "kube-prometheus-stack" not in view.provided and rendered(view, "kube-prometheus-stack", "Alertmanager") is None:
            return  # Alertmanager's chart was not rendered: the journey is UNKNOWN
        routed = route_of(view, alert)
        if routed is None:
            if anchor is not None:
                self.fail(f"{what} is routed nowhere: no AlertmanagerConfig of {namespace} that Alertmanager selects "
                          "matches it, so no retraining starts", anchor, "route the model's retraining alerts to the "
                          "namespace's webhook EventSource with an AlertmanagerConfig", spec)
            return
        config, url = routed
        source, hook, target = webhook_of(view, url)
        if source is None or hook is None:
            self.fail(f"{what}: AlertmanagerConfig {config.namespace}/{config.name} posts to {url}, which is no webhook "
                      "of an EventSource (its Service <name>-eventsource-svc, port and path)", config.locate("spec", "receivers"),
                      "point the receiver at the EventSource's Service, webhook port and endpoint", spec)
            return
        sensor = sensor_for(view, source, hook, alert, template)
        if sensor is None or wt is None:
            missing = "" if wt is not None else f" (there is no WorkflowTemplate {template})"
            self.fail(f"{what}: no Sensor of {source.namespace} takes it from EventSource {source.name} ({hook}) and "
                      f"creates a Workflow from WorkflowTemplate {template}{missing}", source.locate(),
                      f"a Sensor dependency on {source.name}/{hook} whose filters pass the alert, triggering a Workflow "
                      f"with workflowTemplateRef {template}", spec)
            return
        self.bus(view, source, sensor, what, spec)
        account = sensor_account(sensor)
        if not access.allowed(sensor.namespace or "", account, "argoproj.io", "workflows", "create"):
            self.fail(f"{what}: Sensor {sensor.namespace}/{sensor.name} runs as {account}, which may not create "
                      "workflows (argoproj.io): the trigger fails", sensor.locate("spec", "template"),
                      "bind a Role granting create on workflows to the Sensor's service account", spec)
        self.flows(view, source, sensor, int(target or 0), what, spec)
        buses = [b for b in view.of_kind("EventBus") if b.namespace == source.namespace]
        for obj in (source, sensor, *buses):
            self.admitted(view, obj, what, spec)

    def admitted(self, view, obj: Obj, what: str, spec) -> None:
        level = level_of(view, obj.namespace or "")
        for pod in pods_of(view, obj):
            for _, who, problems in rejected(pod, level):
                self.fail(f"{what}: the pods of {obj.kind} {obj.namespace}/{obj.name}: Pod Security '{level}' rejects "
                          f"{who}: {'; '.join(problems)}", obj.locate(*pod.origin_path),
                          "set the pod template's securityContext and its containers' (restricted)", spec)

    def bus(self, view, source: Obj, sensor: Obj, what: str, spec) -> None:
        for obj in (source, sensor):
            name = obj.spec.get("eventBusName") or "default"
            if bus_of(view, obj) is None:
                self.fail(f"{what}: {obj.kind} {obj.namespace}/{obj.name} uses EventBus {name}, which is not in "
                          f"{obj.namespace}", obj.locate("spec"), "deliver the EventBus with the overlay", spec)

    def flows(self, view, source: Obj, sensor: Obj, port: int, what: str, spec) -> None:
        network = self.ctx.networks[view.name]
        for a, b, p, why, obj in needed_flows(self.ctx, view, source, sensor, port):
            if not network.decide(a, b, "TCP", p).allowed:
                self.fail(f"{what}: flow denied ({why}): {a.label} -> {b.label} TCP/{p}", obj.locate(),
                          "allow the flow in the namespaces' NetworkPolicies (retraining-triggers.yaml, platform-namespaces)",
                          spec)


def needed_flows(ctx: Context, view, source: Obj, sensor: Obj, port: int) -> list[tuple[Endpoint, Endpoint, int, str, Obj]]:
    """The flows an alert takes from Alertmanager to the Workflow: (from, to, port, why, the object it concerns)."""
    network = ctx.networks[view.name]
    bus = bus_of(view, source)
    needed: list[tuple[Endpoint, Endpoint, int, str, Obj]] = []
    src, snk = _endpoint(view, source, "eventsource"), _endpoint(view, sensor, "sensor")
    monitoring = next((s for s in ctx.platform.services_for(view.name) if s.kind == "monitoring"), None)
    if monitoring is not None and "kube-prometheus-stack" not in view.provided:
        alertmanager = Endpoint(f"{monitoring.namespace}/alertmanager@{view.name}", view.name, "service",
                                monitoring.namespace, dict(C.ALERTMANAGER_POD_LABELS))
        needed.append((alertmanager, src, port, ALERTMANAGER_POSTS, source))
    if bus is not None:
        pods = _endpoint(view, bus, "eventbus")
        needed += [(src, pods, C.EVENTBUS_CLIENT_PORT, WEBHOOK_PUBLISHES, source),
                   (snk, pods, C.EVENTBUS_CLIENT_PORT, SENSOR_READS, sensor),
                   (pods, pods, C.EVENTBUS_CLUSTER_PORT, BUS_PEERS, bus)]
    api = next((e for e in network.endpoints if e.role == "apiserver"), None)
    declared = ctx.platform.cluster(view.name).api_server
    if api is not None and declared is not None:
        needed.append((snk, api, declared.port, SENSOR_CREATES, sensor))
    return needed


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    journey = _Journey(ctx, findings)
    for model in ctx.platform.models:
        if not model.retraining or not model.retraining.alert_triggers:
            continue
        env = ctx.platform.environment(model.retraining.environment)
        view = ctx.view(env.cluster)
        access = rbac.Rbac([o for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding") for o in view.of_kind(k)])
        namespace = ctx.platform.team(model.team).namespace(env.name)
        for alert, rule in alerts_to_follow(view, model, namespace):
            stats["alerts"] = stats.get("alerts", 0) + 1
            journey.follow(view, model, alert, rule, access)
    return findings
