"""Shared conventions: label keys, ports, well-known peers, and derived names.

Every name mlopsgen derives from a spec name is computed here, so render,
lint and validation agree on it (and a collision check has one place to ask).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

# --- the tree --------------------------------------------------------------
MARKER = ".mlopsgen.json"  # lists the files mlopsgen owns in a rendered tree
STAGING = ".mlopsgen-staging-"  # f".{tree}{STAGING}{random}": a render being assembled, or an old tree being removed
PREVIOUS = ".mlopsgen-previous-"  # the old tree during the two-rename swap of systems without RENAME_EXCHANGE
LOCK = ".mlopsgen.lock"


LEFTOVER_TOKEN = 12  # hex digits of the random part of a staging or previous folder's name


def is_leftover(name: str, tree: str) -> bool:
    """Whether `name`, beside the tree `tree`, is named as a staging or previous folder of its render."""
    return leftover_tree(name) == tree


def leftover_tree(name: str) -> str | None:
    """The tree whose staging or previous folder `name` would be (`.{tree}{STAGING}{token}`), else None.
    The name alone proves nothing: lint skips such a folder only where a render left it."""
    for infix in (STAGING, PREVIOUS):
        tree, found, token = name.rpartition(infix)
        if (found and tree.startswith(".") and len(tree) > 1 and len(token) == LEFTOVER_TOKEN
                and all(c in "0123456789abcdef" for c in token)):
            return tree[1:]
    return None


WORKLOAD_CLASSES = ("training", "inference", "validation", "monitoring")

# --- label and annotation keys ----------------------------------------------
MANAGED_BY = "app.kubernetes.io/managed-by"
PLATFORM = "mlopsgen.dev/platform"
TEAM = "mlopsgen.dev/team"
ENVIRONMENT = "mlopsgen.dev/environment"
WORKLOAD_CLASS = "mlopsgen.dev/workload-class"
NETWORK_MODE = "mlopsgen.dev/network-mode"
MODEL = "mlopsgen.dev/model"
TRACK = "mlopsgen.dev/track"
MONITOR = "mlopsgen.dev/monitor"  # a model monitor's pods: <model>-<drift|accuracy>; policies and its Service select on it
MODEL_VERSION = "mlopsgen.dev/model-version"  # pod annotation a retraining rollout sets to the promoted version
GPU_POOL = "mlopsgen.dev/gpu-pool"  # default node label of a GPU pool
NETWORK_NOTE = "mlopsgen.dev/network-note"
HOST_JUSTIFICATION = "mlopsgen.dev/host-network-justification"
SIDECAR_INJECT = "sidecar.istio.io/inject"
ARGO_WORKFLOW_LABEL = "workflows.argoproj.io/workflow"  # Argo sets it on every pod of a workflow
NAMESPACE_NAME = "kubernetes.io/metadata.name"  # set by the API server on every namespace
GRAFANA_DASHBOARD = "grafana_dashboard"  # kube-prometheus-stack's Grafana sidecar looks for it
# Grafana's admin credentials (keys admin-user, admin-password), created once by the platform team in the
# monitoring namespace: a chart-generated password would change on every render.
GRAFANA_ADMIN_SECRET = "grafana-admin"
APP_NAME = "app.kubernetes.io/name"
POD_SECURITY_ENFORCE = "pod-security.kubernetes.io/enforce"
POD_SECURITY_WARN = "pod-security.kubernetes.io/warn"
POD_SECURITY_REASON = "mlopsgen.dev/pod-security-reason"
ARGOCD_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
POLICY_PURPOSE = "mlopsgen.dev/purpose"
# The tracking server's PostgreSQL, a CloudNativePG Cluster: the operator names its Service <cluster>-rw and the
# owner's Secret <cluster>-app, labels each instance's pod cnpg.io/cluster, and polls each on its status port.
MLFLOW_DB = "mlflow-db"
CNPG_INSTANCE = "cnpg.io/cluster"
CNPG_STATUS_PORT = 8000
POSTGRES_PORT = 5432  # what a platform namespace's NetworkPolicy lets through, and for whom
CALICO_IPV4_POOLS = "cni.projectcalico.org/ipv4pools"
# The Feast operator (v0.66.0, infra/feast-operator/internal/controller/services) names a FeatureStore's online
# Service feast-<name>-online, serving on port 80 (HTTP) from the feature server's container port 6566, and labels
# its pods feast.dev/name and feast.dev/service-type: a NetworkPolicy sees the pod's port, clients dial the Service's.
FEAST_NAME = "feast.dev/name"
FEAST_SERVICE_TYPE = "feast.dev/service-type"
FEAST_ONLINE_SERVICE_PORT = 80
FEAST_ONLINE_POD_PORT = 6566
FEAST_DB = "feast-db"  # the feature store's PostgreSQL (CloudNativePG Cluster), beside it
FEAST_URL_ENV = "FEAST_FEATURE_SERVER_URL"  # where training and inference find the online feature server

# checkov (CKV_K8S_21) reads a missing namespace as "default". Base objects carry
# none on purpose: every overlay that includes the base sets its own. The README
# lists each skip; a test counts them.
BASE_NAMESPACE_SKIP = {"checkov.io/skip1": "CKV_K8S_21=namespace is set by each Kustomize overlay that includes this base"}

MLFLOW_IMAGE = "ghcr.io/mlflow/mlflow:v3.15.1"  # the tracking chart's appVersion: client and server agree

# --- ports -----------------------------------------------------------------
DNS_PORT = 53
ISTIOD_XDS_PORT = 15012  # xDS and certificates for the sidecars
ISTIO_METRICS_PORT = 15020  # the Istio agent's merged metrics (app + proxy), outside mTLS
ROUTING_SERVICE_PORT = 80  # the port clients use on a model's routing Service


# --- well-known peers (where cluster components run) ------------------------
def namespace_selector(namespace: str) -> dict:
    return {"matchLabels": {NAMESPACE_NAME: namespace}}


def peer(namespace: str, labels: Mapping[str, str]) -> dict:
    """A NetworkPolicy peer: pods with `labels` in `namespace`."""
    return {"namespaceSelector": namespace_selector(namespace), "podSelector": {"matchLabels": dict(labels)}}


MESH_NAMESPACE = "istio-system"  # istiod and the gateways the tree installs
# The ingress gateway the tree installs: Istio's `gateway` chart names the ServiceAccount after
# the release and labels the pods `istio: <release without "istio-">` (manifests/charts/gateway).
INGRESS_GATEWAY_RELEASE = "istio-ingressgateway"
INGRESS_GATEWAY_LABELS = {"istio": "ingressgateway"}
DEFAULT_TRUST_DOMAIN = "cluster.local"
# Argo Events, where alerts start retraining (render/retraining_triggers.py): the webhook EventSource's port, the
# JetStream EventBus' client and cluster ports (nats-server's defaults, which Argo Events' JetStream bus keeps), the
# label the tree gives their pods, and the labels prometheus-operator gives Alertmanager's pods.
RETRAINING_WEBHOOK_PORT = 12000
PROMOTION_WEBHOOK_PORT = 12001  # the same EventSource's webhook for MLflow's registry deliveries (render/promotion.py)
EVENTBUS_CLIENT_PORT, EVENTBUS_CLUSTER_PORT = 4222, 6222
RETRAINING_TRIGGER = "mlopsgen.dev/retraining-trigger"  # eventsource, sensor or eventbus
ALERTMANAGER_POD_LABELS = {"app.kubernetes.io/name": "alertmanager"}
MONITOR_METRICS_PORT = 9102  # where a model monitor serves /metrics (its image contract)
PAYLOAD_LOGGER = "payload-logger"  # the service account whose Secret gives KServe's agent (and the monitors) the store
PAYLOAD_STORE_SECRET = "payload-store"  # that Secret: the platform engineer provides it in each namespace that logs
DCGM_EXPORTER_PORT = 9400  # the DCGM exporter's metrics (its chart's service.port)
# Logs (render/logs_values.py): Loki's gRPC and memberlist ports (its chart's loki.server.grpc_listen_port and
# memberlist service), Alloy's HTTP server (its chart's alloy.listenPort, which its ServiceMonitor scrapes), the
# tenant of every namespace no team owns, and the header that names a tenant on every push and query.
LOKI_GRPC_PORT, LOKI_MEMBERLIST_PORT = 9095, 7946
ALLOY_PORT = 12345
ALLOY_NAMESPACE = "alloy"
ALLOY_LABELS = {"app.kubernetes.io/name": "alloy"}
GRAFANA_LABELS = {"app.kubernetes.io/name": "grafana"}  # kube-prometheus-stack's Grafana pods
PLATFORM_TENANT = "platform"
TENANT_HEADER = "X-Scope-OrgID"
LOKI_VOLUME = "50Gi"  # Loki's volume where no object store is given
# Kueue's controller: its webhooks (mutating pods to gate them, CRD conversion) listen on 9443 and its metrics on
# 8443 (the kueue chart's webhookService targetPort and metricsService port).
KUEUE_WEBHOOK_PORT = 9443
KUEUE_METRICS_PORT = 8443
KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"  # the LocalQueue a pod waits in (Kueue's pod integration)
# Istio's proxy resources (the istiod chart's values.global.proxy.resources, which the tree does not change).
MESH_PROXY_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}
# The team LimitRange's Container defaults: containers that state no resources (injected ones too) still count.
CONTAINER_DEFAULTS = {"defaultRequest": {"cpu": "100m", "memory": "128Mi"}, "default": {"cpu": "1", "memory": "1Gi"}}
DNS_PEER = peer("kube-system", {"k8s-app": "kube-dns"})
ISTIOD_PEER = peer(MESH_NAMESPACE, {"app": "istiod"})
DNS_PORTS = ({"port": DNS_PORT, "protocol": "UDP"}, {"port": DNS_PORT, "protocol": "TCP"})


def tcp(*ports: int) -> list[dict]:
    return [{"port": p, "protocol": "TCP"} for p in sorted(set(ports))]


# --- names derived from spec names ------------------------------------------
def namespace(team: str, environment: str) -> str:
    return f"{team}-{environment}"


def team_base_dir(team: str) -> str:
    return f"teams/{team}/base"


def team_overlay_dir(team: str, environment: str) -> str:
    return f"teams/{team}/overlays/{environment}"


def model_dir(team: str, model: str) -> str:
    return f"teams/{team}/models/{model}"


def routing_service(model: str) -> str:
    """One in-cluster name for a model across its stable and canary pods."""
    return f"{model}-serving"


def gateway_name(environment: str) -> str:
    return f"{environment}-gateway"


def gateway_credential(environment: str) -> str:
    return f"{gateway_name(environment)}-tls"


def published_name(service: str) -> str:
    """The Gateway, route and server certificate (its Secret too) of a service published to other clusters."""
    return f"published-{service}"


def feast_online_service(store: str) -> str:
    return f"feast-{store}-online"


def feast_online_labels(store: str) -> dict[str, str]:
    return {FEAST_NAME: store, FEAST_SERVICE_TYPE: "online"}


def client_certificate(service: str) -> str:
    """The Certificate (and its Secret) a namespace presents to another cluster's published service."""
    return f"{service}-client"


CLIENT_CERT_DIR = "/var/run/secrets/mlopsgen/tracking-client"  # where pods mount the tracking client certificate
CLIENT_CERT_VOLUME = "tracking-client"


def cluster_queue_name(team: str, pool: str) -> str:
    return f"{team}-{pool}"  # Kueue's ClusterQueue of a team on a queued GPU pool; its LocalQueues are named `pool`


def ippool_name(environment: str) -> str:
    return f"segment-{environment}"


def cut(name: str, limit: int) -> str:
    """`name` within `limit` characters, unique by construction: a longer one keeps its start and ends with a
    digest of the whole, so two names that differ only past the cut stay apart."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-')}-{digest}"


def dashboard_uid(team: str, environment: str) -> str:
    return cut(f"mlopsgen-{namespace(team, environment)}", 40)  # Grafana caps uids at 40 characters


PLATFORM_PROJECT = "platform"  # the AppProject of platform components and roots


def team_project(team: str) -> str:
    return team


def team_application(team: str, environment: str) -> str:
    return namespace(team, environment)


def platform_application(cluster: str, component: str) -> str:
    return f"{cluster}-{component}"


ROOT_APPLICATION = "mlopsgen-root"  # the app-of-apps the bootstrap applies


def logs_data_source_uid(tenant: str) -> str:
    """Grafana's uid of a tenant's Loki data source (Grafana caps uids at 40 characters)."""
    return cut(f"logs-{tenant}", 40)
