"""Helm values of each chart component, generated from the spec, in the chart's own keys.

Each builder returns the values that differ from the chart's defaults, with the
reason in a comment where it is not obvious. Tests check every file against the
chart's values.yaml and values.schema.json (../shared/charts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import hardening
from mlopsgen.platform.model import Cluster, Platform, Service
from mlopsgen.render.feature_store import feast_db_values
from mlopsgen.render.labels import toleration
from mlopsgen.render.logs_values import alloy_values, grafana_data_sources, loki_values
from mlopsgen.render.promotion import WEBHOOK_DELIVERY_ENV, WEBHOOK_KEY_SECRET, webhook_peers
from mlopsgen.render.queue_objects import kueue_values

MLFLOW_DATABASE = "mlflow"
ARTIFACT_CLAIM = "mlflow-artifacts"
PRIVATE_ADDRESS_HOSTS = ("10.*", *(f"172.{n}.*" for n in range(16, 32)), "192.168.*")


@dataclass(frozen=True)
class ValuesContext:
    platform: Platform
    cluster: Cluster

    def service(self, kind: str) -> Service | None:
        return next((s for s in self.platform.services_for(self.cluster.name) if s.kind == kind), None)


def _cert_manager(ctx: ValuesContext) -> dict:
    return {"crds": {"enabled": True}}  # the chart installs its CRDs only when asked (since v1.15)


def _nothing(ctx: ValuesContext) -> dict:
    return {}


# istiod sets its validating webhooks' failurePolicy to Fail once it serves them; rendered as Ignore (the chart's
# default for a first install), Argo CD's self-heal sets it back on every sync, forever (istio/istio#44285).
ISTIO_VALIDATION = {"base": {"validationFailurePolicy": "Fail"}}


def _istio_base(ctx: ValuesContext) -> dict:
    return dict(ISTIO_VALIDATION)


def _istiod(ctx: ValuesContext) -> dict:
    # CNI: pods need no istio-init container with NET_ADMIN/NET_RAW, which Pod Security
    # `restricted` forbids (istio.io "Pod Security Admission"). Native sidecars: the proxy is a
    # Kubernetes sidecar container, so Jobs and workflow steps finish when their main container does.
    # REGISTRY_ONLY: meshed pods reach outside the cluster only the hosts a ServiceEntry declares
    # (the spec's externals and published endpoints).
    return {"cni": {"enabled": True}, "env": {"ENABLE_NATIVE_SIDECARS": "true"},
            "meshConfig": {"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}, **ISTIO_VALIDATION}


def _ingress_gateway(ctx: ValuesContext) -> dict:
    # Named explicitly: the chart otherwise names the workload and ServiceAccount after the
    # release, and the AuthorizationPolicies trust exactly this identity.
    return {"name": C.INGRESS_GATEWAY_RELEASE, "labels": dict(C.INGRESS_GATEWAY_LABELS),
            "serviceAccount": {"name": C.INGRESS_GATEWAY_RELEASE}}


def _kserve(ctx: ValuesContext) -> dict:
    # Standard (formerly RawDeployment) mode: plain Deployments and HPAs, no Knative.
    return {"kserve": {"controller": {"deploymentMode": "Standard"}}}


def _argo_workflows(ctx: ValuesContext) -> dict:
    # The init and wait containers Argo adds to every step take this securityContext; empty by
    # default, which Pod Security `restricted` rejects.
    executor = {**hardening.CONTAINER_SECURITY_CONTEXT, "runAsUser": hardening.RUN_AS,
                "seccompProfile": {"type": "RuntimeDefault"}}
    # crds.full (the default) installs the CRDs from a hook Job that downloads them from GitHub at install time;
    # the chart's own minimal CRDs need no egress. workflowNamespaces defaults to [default], where the chart
    # then writes a Role the platform project does not permit: the team namespaces get their executor's
    # account and RBAC from the tree (teams/<team>/base/workflow-access.yaml) instead.
    # The controller's and server's pods set no seccompProfile, which Pod Security `restricted` (their namespace's
    # level) requires.
    runtime_default = {"seccompProfile": {"type": "RuntimeDefault"}}
    return {"executor": {"securityContext": executor}, "crds": {"full": False},
            "controller": {"workflowNamespaces": [], "podSecurityContext": runtime_default},
            "server": {"podSecurityContext": runtime_default}, "workflow": {"rbac": {"create": False}}}


def _kserve_runtimes(ctx: ValuesContext) -> dict:
    # The chart renders no ServingRuntime at all unless asked: no InferenceService would find one.
    return {"kserve": {"servingruntime": {"enabled": True}}}


def _kube_prometheus_stack(ctx: ValuesContext) -> dict:
    monitoring = ctx.service("monitoring")
    assert monitoring is not None, "installed only where a monitoring service runs"
    return {
        "prometheus": {"prometheusSpec": {
            "retention": "15d",
            "externalLabels": {"cluster": ctx.cluster.name},
            # ServiceMonitors and rules from every namespace, not only this release's.
            "serviceMonitorSelectorNilUsesHelmValues": False,
            "podMonitorSelectorNilUsesHelmValues": False,
            "ruleSelectorNilUsesHelmValues": False,
            # NetworkPolicies in team namespaces admit scrapes from pods with these labels.
            "podMetadata": {"labels": dict(monitoring.pod_labels)},
        }},
        "grafana": {"sidecar": {"dashboards": {
            "enabled": True, "label": C.GRAFANA_DASHBOARD, "labelValue": "1", "searchNamespace": "ALL"}},
            # Otherwise the chart renders a random admin password (and its checksum on the Deployment) on every
            # render: the app never settles and self-heal rotates the password on every sync.
            "admin": {"existingSecret": C.GRAFANA_ADMIN_SECRET},
            **({"additionalDataSources": sources} if (sources := grafana_data_sources(ctx.platform, ctx.cluster)) else {})},
    }


def _mlflow_db(ctx: ValuesContext) -> dict:
    tracking = ctx.service("tracking")
    assert tracking is not None and tracking.database is not None
    return {"fullnameOverride": C.MLFLOW_DB, "type": "postgresql", "mode": "standalone",
            "cluster": {"instances": tracking.database.instances, "storage": {"size": tracking.database.storage},
                        "initdb": {"database": MLFLOW_DATABASE, "owner": MLFLOW_DATABASE}}}


ARTIFACT_VOLUME_PATH = "/mlartifacts"


def _artifact_root(tracking: Service) -> tuple[dict, dict, list[str]]:
    """The chart's artifactRoot, extra env and Secrets for env, from the store's URL."""
    store = tracking.artifact_store
    root: dict = {"proxiedArtifactStorage": True}  # clients upload and download through the server
    if store is None:  # the volume of the mlflow-storage component
        return {**root, "defaultArtifactsDestination": ARTIFACT_VOLUME_PATH}, {}, []
    env: dict = {}
    secrets = [store.credentials_secret] if store.credentials_secret else []
    location = store.url.split("://", 1)[1]
    if store.scheme == "wasbs":
        container_account, _, path = location.partition("/")
        container, account = container_account.split("@", 1)
        root["azureBlob"] = {"enabled": True, "container": container, "storageAccount": account.split(".", 1)[0], "path": path}
    else:
        bucket, _, path = location.partition("/")
        root["s3" if store.scheme == "s3" else "gcs"] = {"enabled": True, "bucket": bucket, "path": path}
        if store.endpoint:
            env["MLFLOW_S3_ENDPOINT_URL"] = store.endpoint
    return root, env, secrets


def _mlflow(ctx: ValuesContext) -> dict:
    tracking = ctx.service("tracking")
    assert tracking is not None
    root, env, secrets = _artifact_root(tracking)
    name, namespace = tracking.service_name, tracking.namespace
    # MLflow 3.5+ answers 403 "Invalid Host header" to any Host not listed: every in-cluster name.
    hosts = [f"{host}{port}" for host in (tracking.host, f"{name}.{namespace}.svc", f"{name}.{namespace}", name)
             for port in ("", f":{tracking.port}")]
    if tracking.published:  # other clusters' workloads come in through the gateway under this name
        hosts.append(tracking.published.host)
    # Prometheus scrapes the pod by its address, so the Host header is an IP literal: MLflow's default admits
    # private addresses, a list replaces the default (mlflow.org "Security Configuration"). An IP literal cannot
    # carry a DNS rebinding, which is what the list guards against.
    hosts += list(PRIVATE_ADDRESS_HOSTS)
    # NetworkPolicies in team namespaces select these; the chart sets its own name label already, and a key
    # given twice in one mapping is refused by strict YAML readers.
    extra_labels = {k: v for k, v in tracking.pod_labels.items() if (k, v) != (C.APP_NAME, "mlflow")}
    values: dict = {
        "fullnameOverride": name,
        "service": {"type": "ClusterIP", "port": tracking.port},
        "telemetry": {"enabled": False},
        # The chart's pod securityContext with the RuntimeDefault seccomp profile Pod Security `restricted` requires.
        "podSecurityContext": {"fsGroup": 1001, "fsGroupChangePolicy": "OnRootMismatch",
                               "seccompProfile": {"type": "RuntimeDefault"}},
        # Read only by MLflow's basic-auth app, which the tree does not run; left empty, the chart renders a random
        # key on every render (a hook Secret replaced on every sync). Enabling auth needs a secret key of your own.
        "flaskServerSecretKey": "unused-without-mlflow-auth",
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
        "backendStore": {
            "databaseMigration": True, "databaseConnectionCheck": True,
            "postgres": {"enabled": True, "host": f"{C.MLFLOW_DB}-rw", "port": C.POSTGRES_PORT, "database": MLFLOW_DATABASE,
                         "driver": "psycopg2"},
            "existingDatabaseSecret": {"name": f"{C.MLFLOW_DB}-app"},
        },
        "artifactRoot": root,
        "serverAllowedHosts": hosts,
    }
    if extra_labels:
        values["extraPodLabels"] = extra_labels
    if webhook_peers(ctx.platform, ctx.cluster.name):  # registry promotions are delivered to the teams' webhooks
        env = {**env, **WEBHOOK_DELIVERY_ENV}
        secrets = [*secrets, WEBHOOK_KEY_SECRET]
    if env:
        values["extraEnvVars"] = env
    if secrets:
        values["extraSecretNamesForEnvFrom"] = secrets
    if tracking.artifact_store is None:
        values["extraVolumes"] = [{"name": "artifacts", "persistentVolumeClaim": {"claimName": ARTIFACT_CLAIM}}]
        values["extraVolumeMounts"] = [{"name": "artifacts", "mountPath": ARTIFACT_VOLUME_PATH}]
        # A ReadWriteOnce volume: the new pod starts once the old one has released it.
        values["strategy"] = {"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": 1}}
    monitoring = ctx.service("monitoring")
    # The Service's port is named `http`; the container's port is not, so scrape through the Service's. The
    # ServiceMonitor lives in MLflow's own namespace (the chart puts it in `monitoring`), like the teams' own: the
    # platform project permits it whether the cluster's Prometheus is the tree's (which selects every namespace)
    # or provided (whose namespace the tree does not own).
    values["serviceMonitor"] = ({"enabled": True, "useServicePort": True, "namespace": tracking.namespace}
                                if monitoring else {"enabled": False})
    return values


def _seldon(ctx: ValuesContext) -> dict:
    # istio: routing through the mesh, as the models' VirtualServices expect. certManager: otherwise the chart
    # generates the webhook's CA and certificate on every render (genCA), so the app never settles.
    return {"istio": {"enabled": True}, "certManager": {"enabled": True}}


def _on_gpu_pools(ctx: ValuesContext) -> dict:
    """Tolerations and node affinity that put a DaemonSet on every node of the cluster's GPU pools, and only there."""
    pools = [p for p in ctx.platform.gpu_pools if p.cluster == ctx.cluster.name]
    taints = {(t.key, t.value, t.effect): t for p in pools for t in p.taints}
    # The chart's default affinity requires node-feature-discovery labels nothing installs: the DaemonSet would
    # run nowhere and no node would advertise nvidia.com/gpu. The pools' own labels say where the GPUs are.
    terms = [{"matchExpressions": [{"key": k, "operator": "In", "values": [v]} for k, v in sorted(p.node_labels.items())]}
             for p in pools if p.node_labels]
    values: dict = {"tolerations": [toleration(t) for _, t in sorted(taints.items())]}
    if terms:
        values["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}
    return values


def _device_plugin(ctx: ValuesContext) -> dict:
    return _on_gpu_pools(ctx)


def _dcgm_exporter(ctx: ValuesContext) -> dict:
    # The chart's own toleration (control-plane nodes) is replaced by the pools': GPUs are only there. The exporter
    # labels each series with the namespace and pod holding the GPU; honoring them keeps `namespace` the workload's
    # (else Prometheus renames them exported_namespace and exported_pod, and sets its own target's).
    return {**_on_gpu_pools(ctx), "serviceMonitor": {"enabled": True, "honorLabels": True}}


def _argo_events(ctx: ValuesContext) -> dict:
    # The chart sets no securityContext (values.yaml: global.securityContext and controller.containerSecurityContext
    # are {}): held to restricted here. Its validating webhook stays off (webhook.enabled: false), so nothing calls in.
    return {"global": {"securityContext": hardening.POD_SECURITY_CONTEXT},
            "controller": {"containerSecurityContext": hardening.CONTAINER_SECURITY_CONTEXT}}


VALUES: dict[str, Callable[[ValuesContext], dict]] = {
    "cert-manager": _cert_manager,
    "istio-base": _istio_base,
    "istio-cni": _nothing,
    "istiod": _istiod,
    "istio-ingressgateway": _ingress_gateway,
    "kserve-crd": _nothing,
    "kserve": _kserve,
    "kserve-runtimes": _kserve_runtimes,
    "argo-workflows": _argo_workflows,
    "kube-prometheus-stack": _kube_prometheus_stack,
    "cloudnative-pg": _nothing,
    "mlflow-db": _mlflow_db,
    "feast-db": lambda ctx: feast_db_values(ctx.platform, ctx.cluster),
    "mlflow": _mlflow,
    "seldon-core-operator": _seldon,
    "nvidia-device-plugin": _device_plugin,
    "dcgm-exporter": _dcgm_exporter,
    "argo-events": _argo_events,
    "loki": lambda ctx: loki_values(ctx.platform, ctx.cluster),
    "alloy": lambda ctx: alloy_values(ctx.platform, ctx.cluster),
    "kueue": lambda ctx: kueue_values(ctx.platform, ctx.cluster),
}
