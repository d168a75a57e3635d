"""SLO alerts and the team dashboard, on the metrics the model's sidecar exports."""

from __future__ import annotations

import json

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import promql
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.platform.model_serving import Model
from mlopsgen.render import labels as L
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
    if slos.min_accuracy is not None and slos.accuracy_metric:
        accuracy = promql.scraped_minimum(slos.accuracy_metric, namespace, service)
        rules.append(alert("ModelAccuracyLow", f"{accuracy} < {slos.min_accuracy:g}",
                           "30m", "critical", f"online accuracy below {slos.min_accuracy:g}"))
    return rules


def render_dashboard(platform: Platform, team: Team, env: Environment, models: list[Model], header: str) -> str:
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
    dashboard = {"uid": C.dashboard_uid(team.name, env.name), "title": f"{team.name} models ({env.name})",
                 "schemaVersion": 39, "tags": ["mlopsgen", team.name, env.name], "panels": panels}
    return render_template(
        "model/dashboard.yaml.j2", header=header, name=f"{team.name}-models-dashboard", namespace=namespace,
        labels={**L.common(platform, team.name, env.name), C.GRAFANA_DASHBOARD: "1"},
        filename=f"{namespace}.json", dashboard=json.dumps(dashboard, indent=2, sort_keys=True))
