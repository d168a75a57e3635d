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
from mlopsgen.render.labels import toleration

MLFLOW_DB = "mlflow-db"  # CloudNativePG names the Service <cluster>-rw and the owner's Secret <cluster>-app
MLFLOW_DATABASE = "mlflow"
ARTIFACT_CLAIM = "mlflow-artifacts"


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


def _istiod(ctx: ValuesContext) -> dict:
    # CNI: pods need no istio-init container with NET_ADMIN/NET_RAW, which Pod Security
    # `restricted` forbids (istio.io "Pod Security Admission"). Native sidecars: the proxy is a
    # Kubernetes sidecar container, so Jobs and workflow steps finish when their main container does.
    # REGISTRY_ONLY: meshed pods reach outside the cluster only the hosts a ServiceEntry declares
    # (the spec's externals and published endpoints).
    return {"cni": {"enabled": True}, "env": {"ENABLE_NATIVE_SIDECARS": "true"},
            "meshConfig": {"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}}


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
    return {"executor": {"securityContext": executor}}


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
            "enabled": True, "label": C.GRAFANA_DASHBOARD, "labelValue": "1", "searchNamespace": "ALL"}}},
    }


def _mlflow_db(ctx: ValuesContext) -> dict:
    tracking = ctx.service("tracking")
    assert tracking is not None and tracking.database is not None
    return {"fullnameOverride": MLFLOW_DB, "type": "postgresql", "mode": "standalone",
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
    values: dict = {
        "fullnameOverride": name,
        "service": {"type": "ClusterIP", "port": tracking.port},
        "extraPodLabels": dict(tracking.pod_labels),  # NetworkPolicies in team namespaces select these
        "telemetry": {"enabled": False},
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
        "backendStore": {
            "databaseMigration": True, "databaseConnectionCheck": True,
            "postgres": {"enabled": True, "host": f"{MLFLOW_DB}-rw", "port": 5432, "database": MLFLOW_DATABASE,
                         "driver": "psycopg2"},
            "existingDatabaseSecret": {"name": f"{MLFLOW_DB}-app"},
        },
        "artifactRoot": root,
        "serverAllowedHosts": hosts,
    }
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
    values["serviceMonitor"] = {"enabled": True, "namespace": monitoring.namespace,
                                "labels": {"release": "kube-prometheus-stack"}} if monitoring else {"enabled": False}
    return values


def _seldon(ctx: ValuesContext) -> dict:
    return {"istio": {"enabled": True}}  # routing through the mesh, as the models' VirtualServices expect


def _device_plugin(ctx: ValuesContext) -> dict:
    taints = {(t.key, t.value, t.effect): t for p in ctx.platform.gpu_pools if p.cluster == ctx.cluster.name for t in p.taints}
    return {"tolerations": [toleration(t) for _, t in sorted(taints.items())]}  # it must run where the GPUs are


VALUES: dict[str, Callable[[ValuesContext], dict]] = {
    "cert-manager": _cert_manager,
    "istio-base": _nothing,
    "istio-cni": _nothing,
    "istiod": _istiod,
    "istio-ingressgateway": _ingress_gateway,
    "kserve-crd": _nothing,
    "kserve": _kserve,
    "kserve-runtimes": _nothing,
    "argo-workflows": _argo_workflows,
    "kube-prometheus-stack": _kube_prometheus_stack,
    "cloudnative-pg": _nothing,
    "mlflow-db": _mlflow_db,
    "mlflow": _mlflow,
    "seldon-core-operator": _seldon,
    "nvidia-device-plugin": _device_plugin,
}
