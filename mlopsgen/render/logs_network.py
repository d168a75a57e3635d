"""The flows of logs, beside each namespace's default deny (render/platform_network.py): Alloy pushes to Loki,
Grafana queries it, Prometheus scrapes both, and Loki talks to itself (memberlist, the querier's gRPC to the
compactor). Nothing else reaches Loki's port: a team that could would name any tenant in its own header. Alloy
reaches the API server through the namespace's API server policy (its ClusterRoleBinding says it does)."""

from __future__ import annotations

from collections.abc import Callable

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Cluster, Platform

EVERY_NAMESPACE: list[dict] = [{"namespaceSelector": {}}]


def logs_policies(platform: Platform, cluster: Cluster, namespace: str, components: set[str],
                  policy: Callable[[str, str, str, dict], dict], internet: list[dict]) -> list[dict]:
    service = next((s for s in platform.services_for(cluster.name) if s.kind == "logs"), None)
    if service is None:
        return []
    monitoring = next((s for s in platform.services_for(cluster.name) if s.kind == "monitoring"), None)
    # A Prometheus the cluster provides is not described by the spec: then any namespace may scrape; none, nothing.
    scrapers = ([C.peer(monitoring.namespace, monitoring.pod_labels)] if monitoring
                else EVERY_NAMESPACE if cluster.provides("prometheus") else [])
    loki = C.peer(service.namespace, service.pod_labels)
    alloy = C.peer(C.ALLOY_NAMESPACE, C.ALLOY_LABELS)
    policies = []
    if "loki" in components and namespace == service.namespace:
        grafana = monitoring is not None and not cluster.provides("prometheus")  # kube-prometheus-stack's
        readers = [alloy] + ([C.peer(monitoring.namespace, C.GRAFANA_LABELS)] if grafana and monitoring else [])
        own = {"podSelector": {"matchLabels": dict(service.pod_labels)}}
        policies += [
            policy("allow-logs-push-and-query", namespace, "Alloy pushes logs, Grafana queries them, Prometheus scrapes "
                   "Loki (one HTTP port for all three)", {**own, "policyTypes": ["Ingress"],
                                                          "ingress": [{"from": readers + scrapers, "ports": C.tcp(service.port)}]}),
            policy("allow-loki-to-itself", namespace, "Loki's ring (memberlist) and its querier's gRPC to the compactor", {
                **own, "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [own], "ports": C.tcp(C.LOKI_GRPC_PORT, C.LOKI_MEMBERLIST_PORT)}],
                "egress": [{"to": [own], "ports": C.tcp(C.LOKI_GRPC_PORT, C.LOKI_MEMBERLIST_PORT)}]}),
        ]
        if service.artifact_store is not None:
            policies.append(policy("allow-log-store", namespace, "Loki keeps chunks and index in the object store", {
                **own, "policyTypes": ["Egress"], "egress": [{"to": internet, "ports": C.tcp(443)}]}))
    if "alloy" in components and namespace == C.ALLOY_NAMESPACE:
        own = {"podSelector": {"matchLabels": dict(C.ALLOY_LABELS)}}
        policies.append(policy("allow-logs-push", namespace, "Alloy pushes each tenant's logs to Loki", {
            **own, "policyTypes": ["Egress"], "egress": [{"to": [loki], "ports": C.tcp(service.port)}]}))
        if scrapers:
            policies.append(policy("allow-alloy-scrapes", namespace, "Prometheus scrapes Alloy", {
                **own, "policyTypes": ["Ingress"], "ingress": [{"from": scrapers, "ports": C.tcp(C.ALLOY_PORT)}]}))
    if "kube-prometheus-stack" in components and monitoring is not None and namespace == monitoring.namespace:
        policies.append(policy("allow-grafana-logs", namespace, "Grafana queries Loki, one data source per tenant", {
            "podSelector": {"matchLabels": dict(C.GRAFANA_LABELS)}, "policyTypes": ["Egress"],
            "egress": [{"to": [loki], "ports": C.tcp(service.port)}]}))
    return policies
