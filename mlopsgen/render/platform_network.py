"""The NetworkPolicies of the platform's own namespaces: default deny, then exactly what its components need.

Every platform namespace the tree declares gets: deny in both directions; DNS; the API server (controllers,
operators, hook Jobs and Grafana's sidecar all talk to it; the addresses the spec declares); and per
component the flows its upstream charts need. The ports and pod labels are the pinned charts' (verify
derives the same flows from the rendered charts: webhooks from their configurations, scrapes from
ServiceMonitors, and checks both directions). The API server calls webhooks from the control plane's
addresses, which the spec does not declare (on managed clusters they are the provider's): webhook ports
admit any source, and nothing else does.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Cluster, Platform
from mlopsgen.render.feature_store_network import feature_store_operator_policies, feature_store_policies
from mlopsgen.render.logs_network import logs_policies
from mlopsgen.render.promotion import webhook_peers

EVERY_NAMESPACE: list[dict] = [{"namespaceSelector": {}}]
EVERY_POD: list[dict] = [{"namespaceSelector": {}, "podSelector": {}}]
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# The internet: every address but the private ranges clusters and their nodes use.
INTERNET: list[dict] = [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}]
NODE_SCRAPE_PORTS = (9100, 10250)  # node-exporter on the host network, the kubelet

# (component, pod labels, ports, why): webhooks and listeners that admit any source.
LISTENERS = (
    ("cert-manager", {"app.kubernetes.io/component": "webhook"}, (10250,), "the API server calls cert-manager's webhook"),
    ("istiod", {"app": "istiod"}, (15010, 15012, 15014, 15017),
     "sidecars and gateways of every namespace fetch configuration and certificates (15010, 15012), the API server "
     "calls the injection and validation webhooks (15017), Prometheus scrapes it (15014)"),
    ("istio-ingressgateway", dict(C.INGRESS_GATEWAY_LABELS), (80, 443, 8080, 8443, 15021), "clients outside the cluster"),
    ("kserve", {"control-plane": "kserve-controller-manager"}, (9443,), "the API server calls KServe's webhooks"),
    ("cloudnative-pg", {"app.kubernetes.io/name": "cloudnative-pg"}, (9443,), "the API server calls CloudNativePG's webhooks"),
    ("seldon-core-operator", {"control-plane": "seldon-controller-manager"}, (4443,), "the API server calls Seldon's webhook"),
    ("kube-prometheus-stack", {"app": "kube-prometheus-stack-operator"}, (10250,),
     "the API server calls the prometheus-operator's webhook"),
    ("kueue", {"control-plane": "controller-manager", "app.kubernetes.io/name": "kueue"}, (8082, C.KUEUE_WEBHOOK_PORT),
     "the API server calls Kueue's webhooks (gating pods, converting its CRDs) and its visibility API (an APIService)"),
)


def _policy(name: str, namespace: str, why: str, spec: dict) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace, "annotations": {C.POLICY_PURPOSE: why}}, "spec": spec}


def namespace_policies(platform: Platform, cluster: Cluster, namespace: str, components: set[str]) -> list[dict]:
    policies = [
        _policy("default-deny", namespace, "nothing in or out but what the policies below allow",
                {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy("allow-dns", namespace, "name resolution", {"podSelector": {}, "policyTypes": ["Egress"],
                                                           "egress": [{"to": [C.DNS_PEER], "ports": list(C.DNS_PORTS)}]}),
    ]
    if cluster.api_server is not None:  # declared wherever environments run (validate refuses it missing)
        policies.append(_policy("allow-api-server", namespace, "controllers, operators and hook Jobs talk to the API server", {
            "podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": c}} for c in cluster.api_server.cidrs], "ports": C.tcp(cluster.api_server.port)}]}))
    for component, labels, ports, why in LISTENERS:
        if component in components:
            policies.append(_policy(f"allow-{component}-listeners", namespace, why, {
                "podSelector": {"matchLabels": dict(labels)}, "policyTypes": ["Ingress"], "ingress": [{"ports": C.tcp(*ports)}]}))
    policies += _gateway(platform, cluster, namespace, components) + _monitoring(platform, cluster, namespace, components)
    policies += _tracking(platform, cluster, namespace, components) + _postgres_operator(platform, cluster, namespace, components)
    policies += _gpu_metrics(platform, cluster, namespace, components) + _retraining_webhooks(platform, cluster, namespace, components)
    policies += _queue_metrics(platform, cluster, namespace, components)
    policies += logs_policies(platform, cluster, namespace, components, _policy, INTERNET)
    policies += feature_store_policies(platform, cluster, namespace, components, _policy)
    policies += feature_store_operator_policies(platform, cluster, namespace, components, _policy)
    return policies


def _retraining_webhooks(platform: Platform, cluster: Cluster, namespace: str, components: set[str]) -> list[dict]:
    """Alertmanager posts the retraining alerts to the webhook EventSource of each team namespace of the cluster
    where an alert starts a model's retraining (render/retraining_triggers.py)."""
    monitoring = next((s for s in platform.services_for(cluster.name) if s.kind == "monitoring"), None)
    if "kube-prometheus-stack" not in components or monitoring is None:
        return []
    env_cluster = {e.name: e.cluster for e in platform.environments}
    namespaces = sorted({platform.team(m.team).namespace(m.retraining.environment) for m in platform.models
                         if m.retraining and m.retraining.alert_triggers and env_cluster[m.retraining.environment] == cluster.name})
    if not namespaces:
        return []
    return [_policy("allow-retraining-webhooks", namespace, "Alertmanager starts retraining through the teams' webhooks", {
        "podSelector": {"matchLabels": dict(C.ALERTMANAGER_POD_LABELS)}, "policyTypes": ["Egress"],
        "egress": [{"to": [C.peer(ns, {C.RETRAINING_TRIGGER: "eventsource"}) for ns in namespaces],
                    "ports": C.tcp(C.RETRAINING_WEBHOOK_PORT)}]})]


def _queue_metrics(platform: Platform, cluster: Cluster, namespace: str, components: set[str]) -> list[dict]:
    """Prometheus scrapes Kueue's controller (its metrics Service's port 8443, the chart's) where a Prometheus runs."""
    monitoring = next((s for s in platform.services_for(cluster.name) if s.kind == "monitoring"), None)
    if "kueue" not in components or not (monitoring or cluster.provides("prometheus")):
        return []
    sources = [C.peer(monitoring.namespace, monitoring.pod_labels)] if monitoring else EVERY_NAMESPACE
    return [_policy("allow-queue-metrics-scrapes", namespace, "Prometheus scrapes Kueue's queue metrics", {
        "podSelector": {"matchLabels": {"control-plane": "controller-manager", "app.kubernetes.io/name": "kueue"}},
        "policyTypes": ["Ingress"], "ingress": [{"from": sources, "ports": C.tcp(C.KUEUE_METRICS_PORT)}]})]


def _gpu_metrics(platform: Platform, cluster: Cluster, namespace: str, components: set[str]) -> list[dict]:
    """Prometheus scrapes the DCGM exporter (its Service's port 9400, the chart's); a Prometheus the cluster provides
    is not described by the spec, so then any namespace may."""
    if "dcgm-exporter" not in components:
        return []
    monitoring = next((s for s in platform.services_for(cluster.name) if s.kind == "monitoring"), None)
    sources = [C.peer(monitoring.namespace, monitoring.pod_labels)] if monitoring else EVERY_NAMESPACE
    return [_policy("allow-gpu-metrics-scrapes", namespace, "Prometheus scrapes the GPUs' metrics", {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "dcgm-exporter"}}, "policyTypes": ["Ingress"],
        "ingress": [{"from": sources, "ports": C.tcp(C.DCGM_EXPORTER_PORT)}]})]


def _gateway(platform: Platform, cluster: Cluster, namespace: str, components: set[str]) -> list[dict]:
    """The gateway forwards to the exposed models' namespaces and the published services' (their own policies
    admit exactly the gateway on the serving ports)."""
    if "istio-ingressgateway" not in components:
        return []
    targets = {C.namespace(m.team, env) for m in platform.models for env in m.environments
               if m.host_in(env) and platform.environment(env).cluster == cluster.name}
    targets |= {s.namespace for s in platform.services_for(cluster.name) if s.published and s.cluster == cluster.name}
    if not targets:
        return []
    return [_policy("allow-gateway-routes", namespace, "the gateway forwards to the exposed models and published services", {
        "podSelector": {"matchLabels": dict(C.INGRESS_GATEWAY_LABELS)}, "policyTypes": ["Egress"],
        "egress": [{"to": [{"namespaceSelector": {"matchExpressions": [
            {"key": C.NAMESPACE_NAME, "operator": "In", "values": sorted(targets)}]}}]}]})]


def _monitoring(platform: Platform, cluster: Cluster, namespace: str, components: set[str]) -> list[dict]:
    monitoring = next((s for s in platform.services_for(cluster.name) if s.kind == "monitoring"), None)
    if "kube-prometheus-stack" not in components or monitoring is None:
        return []
    return [
        _policy("allow-prometheus-scrapes", namespace, "Prometheus scrapes pods in every namespace and the nodes "
                "(kubelet, node-exporter on the host network, at private addresses the spec does not declare)", {
                    "podSelector": {"matchLabels": dict(monitoring.pod_labels)}, "policyTypes": ["Egress"],
                    "egress": [{"to": EVERY_POD},
                               {"to": [{"ipBlock": {"cidr": c}} for c in PRIVATE_RANGES], "ports": C.tcp(*NODE_SCRAPE_PORTS)}]}),
        _policy("allow-within-namespace", namespace, "Grafana reads Prometheus, Prometheus scrapes the stack and "
                "sends to Alertmanager", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                                          "ingress": [{"from": [{"podSelector": {}}]}], "egress": [{"to": [{"podSelector": {}}]}]}),
    ]


def _tracking(platform: Platform, cluster: Cluster, namespace: str, components: set[str]) -> list[dict]:
    tracking = next((s for s in platform.services_for(cluster.name) if s.kind == "tracking" and s.namespace == namespace), None)
    if tracking is None or "mlflow" not in components:
        return []
    server = {"matchLabels": dict(tracking.pod_labels)}
    database = {"matchLabels": {C.CNPG_INSTANCE: C.MLFLOW_DB}}
    operator = C.peer("cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"})
    policies = [
        # Team namespaces' own egress policies narrow this to the workloads the spec says use tracking.
        _policy("allow-tracking-clients", namespace, "training, serving and the gateway of any namespace use MLflow", {
            "podSelector": server, "policyTypes": ["Ingress"], "ingress": [{"from": EVERY_NAMESPACE, "ports": C.tcp(tracking.port)}]}),
        _policy("allow-tracking-database", namespace, "MLflow keeps runs and the registry in PostgreSQL", {
            "podSelector": server, "policyTypes": ["Egress"], "egress": [{"to": [{"podSelector": database}], "ports": C.tcp(C.POSTGRES_PORT)}]}),
        _policy("allow-database", namespace, "MLflow and the replicas reach PostgreSQL; the operator polls each instance", {
            "podSelector": database, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": server}, {"podSelector": database}], "ports": C.tcp(C.POSTGRES_PORT)},
                        {"from": [operator], "ports": C.tcp(C.CNPG_STATUS_PORT)}],
            "egress": [{"to": [{"podSelector": database}], "ports": C.tcp(C.POSTGRES_PORT)}]}),
    ]
    if webhooks := webhook_peers(platform, cluster.name):  # registry promotions reach the teams' webhooks
        policies.append(_policy("allow-promotion-webhooks", namespace, "MLflow delivers the registry's promotions", {
            "podSelector": server, "policyTypes": ["Egress"], "egress": [{"to": webhooks, "ports": C.tcp(C.PROMOTION_WEBHOOK_PORT)}]}))
    if tracking.artifact_store is not None:  # an object store outside the cluster, by HTTPS
        policies.append(_policy("allow-artifact-store", namespace, "MLflow proxies artifacts to and from the object store", {
            "podSelector": server, "policyTypes": ["Egress"],
            "egress": [{"to": INTERNET, "ports": C.tcp(443)}]}))
    return policies


def _postgres_operator(platform: Platform, cluster: Cluster, namespace: str, components: set[str]) -> list[dict]:
    tracking = next((s for s in platform.services_for(cluster.name) if s.kind == "tracking"), None)
    if "cloudnative-pg" not in components or tracking is None:
        return []
    return [_policy("allow-instance-status", namespace, "the operator polls each PostgreSQL instance's status", {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "cloudnative-pg"}}, "policyTypes": ["Egress"],
        "egress": [{"to": [C.peer(tracking.namespace, {C.CNPG_INSTANCE: C.MLFLOW_DB})], "ports": C.tcp(C.CNPG_STATUS_PORT)}]})]
