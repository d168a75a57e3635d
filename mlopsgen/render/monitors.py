"""A model's monitors in one environment: Deployments of the team's image, their Services and ServiceMonitors,
and the PrometheusRule that turns drift into the ModelDriftDetected alert.

A monitor serves its last result on /metrics between comparisons, so it is a long-running Deployment whatever
its schedule: a Job would be gone before Prometheus scrapes it. In a meshed mode Prometheus (outside the mesh)
cannot scrape the app's port through mutual TLS; the pod's `prometheus.io` annotations make the Istio agent
merge the app's metrics into its own endpoint (port 15020, /stats/prometheus; Istio's metrics merging, on by
default), as the model servers are scraped.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import hardening, promql
from mlopsgen.catalog.modes import MODES
from mlopsgen.catalog.monitors import MONITOR_MODULES, MONITOR_RESOURCES, monitor_name
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.platform.model_monitoring import Monitor
from mlopsgen.platform.model_serving import Model
from mlopsgen.render import labels as L
from mlopsgen.render.payloads import logged_at

CREDENTIALS_DIR = "/var/run/secrets/mlopsgen/payload-store"  # the store's Secret, one file per key
# A UID above the host's range (checkov CKV_K8S_40), the rest as every rendered pod.
MONITOR_POD_SECURITY = {**hardening.POD_SECURITY_CONTEXT, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001}


def scrape_port(env: Environment) -> tuple[int, str]:
    """(port, path) Prometheus scrapes a monitor of `env` at."""
    if MODES[env.mode("monitoring")].sidecar:
        return C.ISTIO_METRICS_PORT, "/stats/prometheus"
    return C.MONITOR_METRICS_PORT, "/metrics"


def _environment(model: Model, monitor: Monitor, env: Environment, tracking: list[dict]) -> list[dict]:
    assert model.payloads is not None, "validation requires payloads for monitors"
    values = {"MLOPSGEN_MODEL": model.name, "MLOPSGEN_PAYLOADS_URL": logged_at(model.payloads, env.name),
              "MLOPSGEN_SOURCE_URL": monitor.source, "MLOPSGEN_METRIC": monitor.metric,
              "MLOPSGEN_METRICS_PORT": str(C.MONITOR_METRICS_PORT)}
    if monitor.kind == "drift":
        values["MLOPSGEN_THRESHOLD"] = f"{monitor.threshold:g}"
    values.update({"MLOPSGEN_SCHEDULE": monitor.schedule} if monitor.schedule else {"MLOPSGEN_STREAMING": "true"})
    return [{"name": k, "value": v} for k, v in values.items()] + tracking


def _deployment(platform: Platform, model: Model, monitor: Monitor, env: Environment, namespace: str, labels: dict) -> dict:
    name = monitor_name(model.name, monitor.kind)
    mode = env.mode("monitoring")
    pod_labels = {**L.pod_labels(platform, model.team, "monitoring", mode), C.MONITOR: name}
    access = L.tracking_access(platform, env.cluster)
    annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(C.MONITOR_METRICS_PORT),
                   "prometheus.io/path": "/metrics"} if MODES[mode].sidecar else {}
    probe = {"httpGet": {"path": "/metrics", "port": C.MONITOR_METRICS_PORT}, "periodSeconds": 30}
    container = {
        "name": "monitor", "image": monitor.image, "imagePullPolicy": "Always",
        "command": ["python", "-m", MONITOR_MODULES[monitor.kind]],
        "env": [*_environment(model, monitor, env, access.env), {"name": "MLOPSGEN_STORE_CREDENTIALS", "value": CREDENTIALS_DIR}],
        "ports": [{"name": "metrics", "containerPort": C.MONITOR_METRICS_PORT, "protocol": "TCP"}],
        "readinessProbe": probe, "livenessProbe": {**probe, "failureThreshold": 6},
        "resources": MONITOR_RESOURCES, "securityContext": hardening.CONTAINER_SECURITY_CONTEXT,
        "volumeMounts": [hardening.SCRATCH_MOUNT, {"name": "store", "mountPath": CREDENTIALS_DIR, "readOnly": True},
                         *access.mounts],
    }
    # The store's credentials, as files: the Secret KServe's agent writes with (the platform engineer provides it).
    store = {"name": "store", "secret": {"secretName": C.PAYLOAD_STORE_SECRET, "optional": True}}
    template = {"metadata": {"labels": pod_labels, **({"annotations": annotations} if annotations else {})},
                "spec": {"serviceAccountName": "monitoring", "automountServiceAccountToken": False,
                         "securityContext": MONITOR_POD_SECURITY, "containers": [container],
                         "volumes": [hardening.SCRATCH_VOLUME, store, *access.volumes]}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"replicas": 1, "selector": {"matchLabels": {C.MONITOR: name}}, "template": template}}


def _service(name: str, env: Environment, namespace: str, labels: dict) -> dict:
    port, _ = scrape_port(env)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "labels": {**labels, C.MONITOR: name}},
            "spec": {"type": "ClusterIP", "selector": {C.MONITOR: name},
                     "ports": [{"name": "http-metrics", "port": port, "targetPort": port, "protocol": "TCP"}]}}


def _service_monitor(name: str, env: Environment, namespace: str, labels: dict) -> dict:
    _, path = scrape_port(env)
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"selector": {"matchLabels": {C.MONITOR: name}},
                     "endpoints": [{"port": "http-metrics", "path": path, "interval": "30s"}]}}


def drift_rule(model: Model, namespace: str, labels: dict) -> dict:
    """ModelDriftDetected with labels model, namespace and severity: what a drift trigger listens for."""
    drift = model.monitors.drift if model.monitors else None
    assert drift is not None
    alert = {"alert": promql.DRIFT_ALERT, "expr": f"{promql.drift_score(namespace, model.name)} > {drift.threshold:g}",
             "for": "15m", "labels": {"model": model.name, "namespace": namespace, "severity": "warning"},
             "annotations": {"summary": f"{model.name}: {drift.metric} drift above {drift.threshold:g} in {namespace}"}}
    name = f"{model.name}-drift"
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"groups": [{"name": name, "rules": [alert]}]}}


def monitor_objects(platform: Platform, team: Team, model: Model, env: Environment, labels: dict) -> list[dict]:
    if not model.monitors:
        return []
    objects = []
    namespace = team.namespace(env.name)  # written out, as the overlay sets it: checkov reads the file alone
    for monitor in model.monitors.each():
        name = monitor_name(model.name, monitor.kind)
        objects += [_deployment(platform, model, monitor, env, namespace, labels), _service(name, env, namespace, labels),
                    _service_monitor(name, env, namespace, labels)]
    if model.monitors.drift:
        objects.append(drift_rule(model, team.namespace(env.name), labels))
    return objects
