"""Logs: the Helm values of Loki (monolithic, multi-tenant) and Alloy (the collector), and Grafana's data sources.

Tenants: each team is one Loki tenant (its name), for all its namespaces on the cluster; every other namespace's
logs go to the platform's tenant. Alloy names the tenant on every push (`X-Scope-OrgID`, loki.write's
`tenant_id`), Loki refuses a request without one (`auth_enabled`; without it every request is tenant "fake":
grafana.com/docs/loki/latest/operations/multi-tenancy), and Grafana has one data source per tenant,
each sending its tenant's header. Nothing else reaches Loki's port: its namespace admits Alloy, Grafana and
Prometheus only (render/logs_network.py), so a team cannot name another's tenant itself.

Alloy reads pod logs through the API server (`loki.source.kubernetes`): one Deployment, no hostPath, no
privilege, so its namespace stays Pod Security `restricted`. The usual DaemonSet tails /var/log/pods on every
node instead, which needs a hostPath mount and, for it, a `privileged` (or at least `baseline`-exempted)
namespace on every node: more load on the API server is the price of the form used here.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Cluster, Platform, Service
from mlopsgen.render.alloy_config import alloy_config, loki_push_url

# Loki's schema: TSDB index, schema v13, daily index tables (the chart's own test schema, and Loki's documented
# default for new installs: grafana.com/docs/loki/latest/operations/storage/schema).
SCHEMA_FROM = "2024-04-01"
# Loki's storage type and schema object_store for each object store URL scheme (values.yaml loki.storage.type).
STORE_TYPES = {"s3": "s3", "gs": "gcs", "wasbs": "azure"}
# Restricted Pod Security for Alloy: its chart sets no securityContext on the Alloy container (values.yaml
# alloy.securityContext: {}) and none on the pod (global.podSecurityContext: {}). The image has a non-root user,
# `alloy`, UID 473 (grafana.com/docs/alloy, "Run Alloy as a non-root user").
ALLOY_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                   "runAsNonRoot": True, "runAsUser": 473, "runAsGroup": 473, "seccompProfile": {"type": "RuntimeDefault"}}
ALLOY_POD = {"runAsNonRoot": True, "runAsUser": 473, "fsGroup": 473, "seccompProfile": {"type": "RuntimeDefault"}}


def logs_service(platform: Platform, cluster: Cluster) -> Service | None:
    return next((s for s in platform.services_for(cluster.name) if s.kind == "logs"), None)


def prometheus_on(platform: Platform, cluster: Cluster) -> bool:
    """A Prometheus runs (installed for a monitoring service, or provided): ServiceMonitors have their CRD."""
    return cluster.provides("prometheus") or any(s.kind == "monitoring" for s in platform.services_for(cluster.name))


def tenants(platform: Platform, cluster: Cluster) -> dict[str, list[str]]:
    """Each team's tenant and its namespaces on the cluster (teams without one there have none)."""
    found: dict[str, list[str]] = {}
    for team in platform.teams:
        namespaces = sorted(team.namespace(e.name) for e in platform.team_environments(team) if e.cluster == cluster.name)
        if namespaces:
            found[team.name] = namespaces
    return found


def _storage(service: Service) -> tuple[dict, str, dict]:
    """loki.storage, the schema's object_store and the single binary's extra settings."""
    store = service.artifact_store
    if store is None:  # a volume beside Loki: the chart's filesystem storage under /var/loki
        return {"type": "filesystem"}, "filesystem", {"persistence": {"enabled": True, "size": C.LOKI_VOLUME}}
    kind = STORE_TYPES[store.scheme]
    location = store.url.split("://", 1)[1]
    extra: dict = {"persistence": {"enabled": True, "size": "10Gi"}}  # the write-ahead log and index cache only
    if store.credentials_secret:  # keys as env (AWS_*, AZURE_STORAGE_CONNECTION_STRING), never in values
        extra["extraEnvFrom"] = [{"secretRef": {"name": store.credentials_secret}}]
    if kind == "azure":
        container, account = location.partition("/")[0].split("@", 1)
        storage: dict = {"type": kind, "bucketNames": {"chunks": container, "ruler": container},
                         "azure": {"accountName": account.split(".", 1)[0]}}
        if store.credentials_secret:
            storage["azure"]["connectionString"] = "${AZURE_STORAGE_CONNECTION_STRING}"
            extra["extraArgs"] = ["-config.expand-env=true"]
        return storage, kind, extra
    bucket = location.partition("/")[0]
    storage = {"type": kind, "bucketNames": {"chunks": bucket, "ruler": bucket}}
    if kind == "s3" and store.endpoint:
        storage["s3"] = {"endpoint": store.endpoint, "s3ForcePathStyle": True}
    return storage, kind, extra


def loki_values(platform: Platform, cluster: Cluster) -> dict:
    service = logs_service(platform, cluster)
    assert service is not None, "installed only where a logs service runs"
    storage, object_store, single = _storage(service)
    name = service.service_name
    return {
        "deploymentMode": "Monolithic",
        # Named after the spec's host: the Service is <fullname>, the pods app.kubernetes.io/name <name>, which is
        # what the spec's default podLabels and every policy select.
        "nameOverride": name, "fullnameOverride": name,
        "loki": {
            "auth_enabled": True,  # every push and query names its tenant (X-Scope-OrgID); none is refused
            "commonConfig": {"replication_factor": 1},
            "server": {"http_listen_port": service.port},
            "storage": storage,
            "schemaConfig": {"configs": [{"from": SCHEMA_FROM, "store": "tsdb", "object_store": object_store,
                                          "schema": "v13", "index": {"prefix": "index_", "period": "24h"}}]},
        },
        "singleBinary": {"replicas": 1, **single},
        "read": {"replicas": 0}, "write": {"replicas": 0}, "backend": {"replicas": 0},
        # Off: the nginx gateway (Alloy and Grafana name the tenant themselves), the canary DaemonSet (it pushes
        # without a tenant), the memcached caches (a small monolithic install), the rules sidecar (it watches every
        # namespace's ConfigMaps and Secrets through a ClusterRole, for a ruler the tree does not use).
        "gateway": {"enabled": False}, "lokiCanary": {"enabled": False}, "test": {"enabled": False},
        "chunksCache": {"enabled": False}, "resultsCache": {"enabled": False},
        "sidecar": {"rules": {"enabled": False}},
        "monitoring": {"serviceMonitor": {"enabled": prometheus_on(platform, cluster)}},
    }


def alloy_values(platform: Platform, cluster: Cluster) -> dict:
    service = logs_service(platform, cluster)
    assert service is not None, "installed only where a logs service runs"
    # One replica reading through the API server: a Deployment, not the chart's default DaemonSet (which exists to
    # tail each node's files). RBAC: exactly what loki.source.kubernetes and its pod discovery read.
    return {
        "global": {"podSecurityContext": dict(ALLOY_POD)},
        "controller": {"type": "deployment", "replicas": 1},
        "alloy": {"configMap": {"content": alloy_config(tenants(platform, cluster), loki_push_url(service))},
                  "securityContext": dict(ALLOY_CONTAINER), "enableReporting": False},
        # The chart writes rules then clusterRules into one ClusterRole, and breaks on an empty list in either.
        "rbac": {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}],
                 "clusterRules": [{"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get", "list", "watch"]}]},
        "crds": {"create": False},  # the PodLogs CRD, for loki.source.podlogs, which the tree does not use
        "serviceMonitor": {"enabled": prometheus_on(platform, cluster)},
    }


def grafana_data_sources(platform: Platform, cluster: Cluster) -> list[dict]:
    """One Loki data source per tenant, each sending its tenant's header: a team's Grafana access to its logs is
    its data source (see the README, Logs)."""
    service = logs_service(platform, cluster)
    if service is None:
        return []
    return [{"name": f"Logs ({tenant})", "uid": C.logs_data_source_uid(tenant), "type": "loki", "access": "proxy",
             "url": f"http://{service.host}:{service.port}", "editable": False,
             "jsonData": {"httpHeaderName1": C.TENANT_HEADER}, "secureJsonData": {"httpHeaderValue1": tenant}}
            for tenant in [*tenants(platform, cluster), C.PLATFORM_TENANT]]
