"""SLO alerts and the team dashboard, on the metrics the model's sidecar exports."""

from __future__ import annotations

import json

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import promql
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.platform.model_serving import Model
from mlopsgen.render import labels as L
from mlopsgen.render.installed import needed_components, provided_components
from mlopsgen.render.jinja import render_template


def alert_rules(model: Model, namespace: str) -> list[dict]:
    """One alert per SLO: latency warns, errors and accuracy page."""
    if not model.slos:
        return []
    service = C.routing_service(model.name)
    slos = model.slos

    def alert(name: str, expr: str, wait: str, severity: str, summary: str) -> dict:
        return {"alert": name, "expr": expr, "for": wait,
                "labels": {"model": model.name, "namespace": namespace, "severity": severity},
                "annotations": {"summary": f"{model.name}: {summary} in {namespace}"}}

    rules = []
    if slos.p95_latency_ms is not None:
        rules.append(alert("ModelLatencyP95High", f"{promql.p95_latency_ms(namespace, service)} > {slos.p95_latency_ms:g}",
                           "10m", "warning", f"p95 latency above {slos.p95_latency_ms:g} ms"))
    if slos.error_rate is not None:
        rules.append(alert("ModelErrorRateHigh", f"{promql.error_ratio(namespace, service)} > {slos.error_rate:g}",
                           "5m", "critical", f"error rate above {slos.error_rate:g}"))
    monitored = model.monitors is not None and model.monitors.accuracy is not None
    if slos.min_accuracy is not None and (slos.accuracy_metric or monitored):
        # From delayed labels (the accuracy monitor), else a metric the model server exports itself.
        accuracy = (promql.monitored_accuracy(namespace, model.name) if monitored
                    else promql.scraped_minimum(str(slos.accuracy_metric), namespace, service))
        rules.append(alert("ModelAccuracyLow", f"{accuracy} < {slos.min_accuracy:g}",
                           "30m", "critical", f"online accuracy below {slos.min_accuracy:g}"))
    return rules


def gpu_metrics_on(platform: Platform, team: Team, env: Environment) -> bool:
    """Whether the team's GPUs in `env` are measured and alerted on: it has a GPU pool on the cluster, a Prometheus
    runs there (the PrometheusRule's CRD with it) and so does the DCGM exporter (installed beside it, or provided)."""
    cluster = platform.cluster(env.cluster)
    prometheus = cluster.provides("prometheus") or any(s.kind == "monitoring" for s in platform.services_for(cluster.name))
    exporter = "dcgm-exporter" in needed_components(platform, cluster) | provided_components(cluster)
    return prometheus and exporter and bool(platform.team_pools_on(team, env.cluster))


def gpu_alert_rules(team: Team, env: Environment) -> list[dict]:
    namespace = team.namespace(env.name)
    return [{"alert": "GpuAllocatedButIdle", "expr": promql.idle_gpus(namespace), "for": "15m",
             "labels": {"namespace": namespace, "severity": "warning"},
             "annotations": {"summary": f"{{{{ $labels.pod }}}} holds GPU {{{{ $labels.gpu }}}} in {namespace} and ran "
                                        f"nothing on it for {promql.IDLE_WINDOW}: release it to the pool"}}]


def _gpu_panels(namespace: str, first_id: int, y: int) -> list[dict]:
    return [{"id": first_id + j, "type": "timeseries", "title": title, "gridPos": {"h": 8, "w": 8, "x": 8 * j, "y": y},
             "targets": [{"expr": expr, "refId": "A"}]}
            for j, (title, expr) in enumerate([("GPU utilisation (%) by pod", promql.gpu_utilisation(namespace)),
                                               ("GPU memory used (MiB) by pod", promql.gpu_memory_used(namespace)),
                                               (f"GPUs idle for {promql.IDLE_WINDOW}", f"count({promql.idle_gpus(namespace)})")])]


def render_dashboard(platform: Platform, team: Team, env: Environment, models: list[Model], header: str,
                     gpus: bool = False) -> str:
    namespace = team.namespace(env.name)
    panels = []
    for i, model in enumerate(models):
        service = C.routing_service(model.name)
        for j, (title, expr) in enumerate([
            ("requests/s", promql.request_rate(namespace, service)),
            ("p95 latency (ms)", promql.p95_latency_ms(namespace, service)),
            ("5xx ratio", promql.error_ratio(namespace, service)),
        ]):
            panels.append({"id": i * 3 + j + 1, "type": "timeseries", "title": f"{model.name}: {title}",
                           "gridPos": {"h": 8, "w": 8, "x": 8 * j, "y": 8 * i},
                           "targets": [{"expr": expr, "refId": "A"}]})
    if gpus:
        panels += _gpu_panels(namespace, len(panels) + 1, 8 * len(models))
    dashboard = {"uid": C.dashboard_uid(team.name, env.name), "title": f"{team.name} models ({env.name})",
                 "schemaVersion": 39, "tags": ["mlopsgen", team.name, env.name], "panels": panels}
    return render_template(
        "model/dashboard.yaml.j2", header=header, name=f"{team.name}-models-dashboard", namespace=namespace,
        labels={**L.common(platform, team.name, env.name), C.GRAFANA_DASHBOARD: "1"},
        filename=f"{namespace}.json", dashboard=json.dumps(dashboard, indent=2, sort_keys=True))
