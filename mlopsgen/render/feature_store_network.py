"""The feature store's flows, beside the default deny of its namespace (render/platform_network.py): clients to the
feature server's pods on 6566 (the port a NetworkPolicy sees; the Service's 80 is translated before it), the
feature server to its PostgreSQL, the replicas to each other, and CloudNativePG's operator to each instance."""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Cluster, Platform
from mlopsgen.render.feature_store import feature_store

FEAST_PODS = {"matchExpressions": [{"key": C.FEAST_NAME, "operator": "Exists"}]}  # every pod the operator runs for it
OPERATOR = {"app.kubernetes.io/name": "cloudnative-pg"}


def client_namespaces(platform: Platform, cluster: Cluster) -> list[str]:
    """The team namespaces on the cluster, and the gateway's where the store is published to other clusters."""
    store = feature_store(platform, cluster.name)
    namespaces = {t.namespace(e.name) for t in platform.teams for e in platform.team_environments(t) if e.cluster == cluster.name}
    if store is not None and store.published and store.cluster == cluster.name:
        namespaces.add(cluster.ingress_gateway.namespace)
    return sorted(namespaces)


def feature_store_policies(platform: Platform, cluster: Cluster, namespace: str, components: set[str], policy) -> list[dict]:
    store = feature_store(platform, cluster.name)
    if store is None or "feast-db" not in components or store.namespace != namespace:
        return []
    database = {"matchLabels": {C.CNPG_INSTANCE: C.FEAST_DB}}
    clients = [{"namespaceSelector": {"matchExpressions": [
        {"key": C.NAMESPACE_NAME, "operator": "In", "values": client_namespaces(platform, cluster)}]}}]
    return [
        # Team namespaces' own egress policies narrow this to their training and inference pods.
        policy("allow-feature-store-clients", namespace, "training and inference read features from the online store", {
            "podSelector": {"matchLabels": dict(store.pod_labels)}, "policyTypes": ["Ingress"],
            "ingress": [{"from": clients, "ports": C.tcp(store.pod_port)}]}),
        policy("allow-feature-store-database", namespace, "Feast keeps its registry and online store in PostgreSQL", {
            "podSelector": FEAST_PODS, "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": database}], "ports": C.tcp(C.POSTGRES_PORT)}]}),
        policy("allow-feature-store-db", namespace, "Feast and the replicas reach PostgreSQL; the operator polls each instance", {
            "podSelector": database, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": FEAST_PODS}, {"podSelector": database}], "ports": C.tcp(C.POSTGRES_PORT)},
                        {"from": [C.peer("cnpg-system", OPERATOR)], "ports": C.tcp(C.CNPG_STATUS_PORT)}],
            "egress": [{"to": [{"podSelector": database}], "ports": C.tcp(C.POSTGRES_PORT)}]}),
    ]


def feature_store_operator_policies(platform: Platform, cluster: Cluster, namespace: str, components: set[str], policy) -> list[dict]:
    """CloudNativePG's operator polls the feature store's instances (the tracking server's have their own policy)."""
    store = feature_store(platform, cluster.name)
    if "cloudnative-pg" not in components or store is None:
        return []
    return [policy("allow-feature-store-instance-status", namespace, "the operator polls each instance of the feature store's PostgreSQL", {
        "podSelector": {"matchLabels": OPERATOR}, "policyTypes": ["Egress"],
        "egress": [{"to": [C.peer(store.namespace, {C.CNPG_INSTANCE: C.FEAST_DB})], "ports": C.tcp(C.CNPG_STATUS_PORT)}]})]
