"""Models: serving, mesh routing and security, monitoring, retraining.

teams/<team>/models/<model>/   environment-independent: InferenceService(s) or
                               SeldonDeployment, the routing Service,
                               DestinationRule, mesh VirtualService (canary),
                               ServiceMonitor, RequestAuthentication
overlays/<env>/models/<model>/ what depends on the environment: ingress route,
                               authorization, SLO alerts, PodDisruptionBudget,
                               retraining CronWorkflow; plus patches for replicas
                               and canary weights
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from mlopsgen.render import labels as L
from mlopsgen.render.jinja import render_template
from mlopsgen.render.network import SCRAPE_PORT, serving_port
from mlopsgen.render.pods import pod_labels, toleration
from mlopsgen.platform.model import Environment, Model, Platform, Team

INGRESS_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
SELDON_SERVERS = {
    "sklearn": "SKLEARN_SERVER", "xgboost": "XGBOOST_SERVER", "tensorflow": "TENSORFLOW_SERVER",
    "huggingface": "HUGGINGFACE_SERVER", "pytorch": "TRITON_SERVER", "onnx": "TRITON_SERVER",
    "mlflow": "MLFLOW_SERVER", "lightgbm": "MLFLOW_SERVER",
}
POD_SECURITY = {"runAsNonRoot": True, "runAsUser": 1000, "fsGroup": 1000, "seccompProfile": {"type": "RuntimeDefault"}}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True,
    "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
}


def model_dir(model: Model) -> str:
    return f"teams/{model.team}/models/{model.name}"


def routing_service(model: Model) -> str:
    return f"{model.name}-serving"


def gateway_name(env: Environment) -> str:
    return f"{env.name}-gateway"


def tracks(model: Model) -> list[str]:
    return ["stable", "canary"] if model.canary else ["stable"]


def _model_labels(platform: Platform, model: Model) -> dict:
    return {**L.common(platform, model.team), L.MODEL: model.name}


def _pod_labels(platform: Platform, model: Model, track: str) -> dict:
    # Models serve only in environments whose inference mode is internal (a spec rule).
    return {**pod_labels(platform, model.team, "inference", "internal"), L.MODEL: model.name, L.TRACK: track}


def _env_vars(platform: Platform) -> list[dict]:
    tracking = [s for s in platform.services if s.kind == "tracking"]
    return [{"name": "MLFLOW_TRACKING_URI", "value": tracking[0].url}] if tracking else []


def _resources(platform: Platform, model: Model) -> dict:
    amounts = {"cpu": model.cpu, "memory": model.memory}
    if model.gpus:
        amounts["nvidia.com/gpu"] = str(model.gpus)
    return {"requests": amounts, "limits": dict(amounts)}  # guaranteed QoS


def _scheduling(platform: Platform, model: Model) -> dict | None:
    if not model.gpu_pool:
        return None
    pool = platform.gpu_pool(model.gpu_pool)
    return {"node_selector": dict(pool.node_labels), "tolerations": [toleration(t) for t in pool.taints]}


def _probes(model: Model) -> dict:
    port = serving_port(model)
    if model.runtime == "seldon":
        return {"readiness": {"tcpSocket": {"port": 9000}, "periodSeconds": 10},
                "liveness": {"tcpSocket": {"port": 9000}, "periodSeconds": 20, "failureThreshold": 6}}
    return {
        "readiness": {"httpGet": {"path": "/v2/health/ready", "port": port}, "periodSeconds": 10},
        "liveness": {"httpGet": {"path": "/v2/health/live", "port": port}, "periodSeconds": 20, "failureThreshold": 6},
    }


def _route(model: Model, host: str, weight: int) -> list[dict]:
    if not model.canary:
        return [{"destination": {"host": host, "subset": "stable", "port": {"number": 80}}, "weight": 100}]
    return [
        {"destination": {"host": host, "subset": "stable", "port": {"number": 80}}, "weight": 100 - weight},
        {"destination": {"host": host, "subset": "canary", "port": {"number": 80}}, "weight": weight},
    ]


def render_model_base(platform: Platform, model: Model, header: str) -> dict[str, str]:
    base = model_dir(model)
    labels = _model_labels(platform, model)
    common = dict(header=header, model=model, labels=labels, pod_security=POD_SECURITY,
                  container_security=CONTAINER_SECURITY, resources=_resources(platform, model),
                  scheduling=_scheduling(platform, model), probes=_probes(model), env=_env_vars(platform))
    sources = {"stable": model.source, "canary": model.canary.source if model.canary else None}
    if model.runtime == "seldon":
        weight = model.canary.weight if model.canary else 0
        traffic = {"stable": 100 - weight, "canary": weight}
        predictors = [{"track": t, "source": sources[t], "traffic": traffic[t], "pod_labels": _pod_labels(platform, model, t)}
                      for t in tracks(model)]
        files = {f"{base}/seldondeployment.yaml": render_template(
            "model/seldondeployment.yaml.j2", predictors=predictors,
            implementation=SELDON_SERVERS[model.format], **common)}
    else:
        services = [{"name": model.name if t == "stable" else f"{model.name}-canary", "source": sources[t],
                     "pod_labels": _pod_labels(platform, model, t)} for t in tracks(model)]
        files = {f"{base}/inferenceservice.yaml": render_template(
            "model/inferenceservice.yaml.j2", services=services, **common)}
    selector = {L.MODEL: model.name}
    files[f"{base}/service.yaml"] = render_template(
        "model/service.yaml.j2", header=header, name=routing_service(model), labels=labels, selector=selector,
        serving_port=serving_port(model), metrics_port=SCRAPE_PORT, annotations=L.BASE_NAMESPACE_SKIP)
    files[f"{base}/destinationrule.yaml"] = render_template(
        "model/destinationrule.yaml.j2", header=header, name=routing_service(model), labels=labels,
        host=routing_service(model), subsets=[{"name": t, "labels": {L.TRACK: t}} for t in tracks(model)])
    if model.canary:
        weight = model.canary.weight
        files[f"{base}/virtualservice.yaml"] = render_template(
            "model/virtualservice.yaml.j2", header=header, name=routing_service(model), labels=labels,
            hosts=[routing_service(model)], gateways=["mesh"], route_name="canary", match=None,
            route=_route(model, routing_service(model), weight))
    files[f"{base}/servicemonitor.yaml"] = render_template(
        "model/servicemonitor.yaml.j2", header=header, name=model.name, labels=labels, selector=selector)
    if model.auth:
        rule = {"issuer": model.auth.issuer, "forwardOriginalToken": True}
        if model.auth.jwks_uri:
            rule["jwksUri"] = model.auth.jwks_uri
        if model.auth.audiences:
            rule["audiences"] = list(model.auth.audiences)
        files[f"{base}/requestauthentication.yaml"] = render_template(
            "mesh/requestauthentication.yaml.j2", header=header, name=f"{model.name}-jwt", model=model.name,
            labels=labels, selector=selector, jwt_rules=[rule])
    files[f"{base}/kustomization.yaml"] = render_template(
        "kustomize/kustomization.yaml.j2", header=header, namespace=None, patches=[],
        resources=sorted(path.rsplit("/", 1)[1] for path in files))
    return files


@dataclass
class OverlayPart:
    """What the models add to one team overlay."""

    files: dict[str, str] = field(default_factory=dict)  # path relative to the overlay -> text
    model_dirs: list[str] = field(default_factory=list)  # the model bases the overlay includes
    patches: list[dict] = field(default_factory=list)


def render_model_overlays(platform: Platform, team: Team, env: Environment, header: str) -> OverlayPart:
    part = OverlayPart()
    namespace = team.namespace(env.name)
    models = [m for m in platform.models if m.team == team.name and env.name in m.environments]
    policies = [{"name": "allow-same-namespace",
                 "spec": {"action": "ALLOW", "rules": [{"from": [{"source": {"namespaces": [namespace]}}]}]}}]
    for model in models:
        part.model_dirs.append(f"../../models/{model.name}")
        _patches(platform, model, env, header, part)
        policies += _authorization(platform, model, env)
        here = f"models/{model.name}"
        labels = {**_model_labels(platform, model), L.ENVIRONMENT: env.name}
        selector = {L.MODEL: model.name}
        weight = model.canary_weight(env.name)
        if model.exposure:
            host = f"{routing_service(model)}.{namespace}.svc.cluster.local"
            part.files[f"{here}/ingress.yaml"] = render_template(
                "model/virtualservice.yaml.j2", header=header, name=f"{model.name}-ingress", labels=labels,
                hosts=[model.exposure.host], gateways=[f"istio-system/{gateway_name(env)}"], route_name="ingress",
                match=[{"uri": {"prefix": p}} for p in model.exposure.paths], route=_route(model, host, weight))
        rules = _alert_rules(model, namespace)
        if rules:
            part.files[f"{here}/prometheusrule.yaml"] = render_template(
                "model/prometheusrule.yaml.j2", header=header, name=f"{model.name}-slos", model=model.name,
                namespace=namespace, labels=labels, rules=rules)
        if model.environments[env.name].replicas > 1:
            part.files[f"{here}/poddisruptionbudget.yaml"] = render_template(
                "model/poddisruptionbudget.yaml.j2", header=header, name=model.name, labels=labels, selector=selector)
        if model.retraining and model.retraining.environment == env.name:
            part.files[f"{here}/cronworkflow.yaml"] = _cron_workflow(platform, model, env, labels, header)
    part.files["authorizationpolicies.yaml"] = render_template(
        "mesh/authorizationpolicies.yaml.j2", header=header, labels=L.common(platform, team.name, env.name),
        policies=policies)
    if models:
        part.files["dashboard.yaml"] = _dashboard(platform, team, env, models, header)
    return part


def _patches(platform: Platform, model: Model, env: Environment, header: str, part: OverlayPart) -> None:
    placement = model.environments[env.name]
    weight = model.canary_weight(env.name)
    comments = [f"{model.name} in {env.name}: {placement.replicas} to {placement.max_replicas} replicas"
                + (f", canary {weight}%." if model.canary else ".")]
    if model.runtime == "seldon":
        ops = [{"op": "replace", "path": f"/spec/predictors/{i}/replicas", "value": placement.replicas}
               for i, _ in enumerate(tracks(model))]
        if model.canary:
            ops += [{"op": "replace", "path": "/spec/predictors/0/traffic", "value": 100 - weight},
                    {"op": "replace", "path": "/spec/predictors/1/traffic", "value": weight}]
        targets = [("machinelearning.seldon.io", "v1", "SeldonDeployment", model.name, ops)]
    else:
        target = placement.autoscaling.target_utilization if placement.autoscaling else 70
        ops = [{"op": "replace", "path": "/spec/predictor/minReplicas", "value": placement.replicas},
               {"op": "replace", "path": "/spec/predictor/maxReplicas", "value": placement.max_replicas},
               {"op": "replace", "path": "/spec/predictor/scaleTarget", "value": target}]
        targets = [("serving.kserve.io", "v1beta1", "InferenceService", model.name if t == "stable" else f"{model.name}-canary", ops)
                   for t in tracks(model)]
    if model.canary:
        targets.append(("networking.istio.io", "v1", "VirtualService", routing_service(model), [
            {"op": "replace", "path": "/spec/http/0/route/0/weight", "value": 100 - weight},
            {"op": "replace", "path": "/spec/http/0/route/1/weight", "value": weight}]))
    for group, version, kind, name, operations in targets:
        path = f"patches/{kind.lower()}-{name}.yaml"
        if path not in part.files:
            part.files[path] = render_template(
                "team/json6902-patch.yaml.j2", header=header, operations=operations, comments=comments)
            part.patches.append({"path": path, "target": {"group": group, "version": version, "kind": kind, "name": name}})


def _authorization(platform: Platform, model: Model, env: Environment) -> list[dict]:
    selector = {"matchLabels": {L.MODEL: model.name}}
    port = [{"operation": {"ports": [str(serving_port(model))]}}]
    policies = []
    if model.exposure:
        source = {"principals": [INGRESS_PRINCIPAL]}
        name = f"{model.name}-ingress"
        if model.auth:  # only requests carrying a token the RequestAuthentication validated
            source["requestPrincipals"] = [f"{model.auth.issuer}/*"]
            name = f"{model.name}-require-jwt"
        policies.append({"name": name, "spec": {"selector": selector, "action": "ALLOW",
                                                "rules": [{"from": [{"source": source}], "to": port}]}})
    callers = [platform.team(c).namespace(env.name) for c in model.callers if env.name in platform.team(c).quotas]
    if callers:
        policies.append({"name": f"{model.name}-callers", "spec": {
            "selector": selector, "action": "ALLOW",
            "rules": [{"from": [{"source": {"namespaces": sorted(callers)}}], "to": port}]}})
    return policies


def _alert_rules(model: Model, namespace: str) -> list[dict]:
    if not model.slos:
        return []
    match = f'reporter="destination", destination_workload_namespace="{namespace}", destination_service_name="{routing_service(model)}"'
    labels = {"model": model.name, "namespace": namespace}
    rules = []
    slos = model.slos
    if slos.p95_latency_ms is not None:
        rules.append({
            "alert": "ModelLatencyP95High",
            "expr": f"histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{{{match}}}[5m]))) > {slos.p95_latency_ms:g}",
            "for": "10m", "labels": {**labels, "severity": "warning"},
            "annotations": {"summary": f"{model.name}: p95 latency above {slos.p95_latency_ms:g} ms in {namespace}"}})
    if slos.error_rate is not None:
        rules.append({
            "alert": "ModelErrorRateHigh",
            "expr": (f'sum(rate(istio_requests_total{{{match}, response_code=~"5.."}}[5m])) / '
                     f"sum(rate(istio_requests_total{{{match}}}[5m])) > {slos.error_rate:g}"),
            "for": "5m", "labels": {**labels, "severity": "critical"},
            "annotations": {"summary": f"{model.name}: error rate above {slos.error_rate:g} in {namespace}"}})
    if slos.min_accuracy is not None:
        rules.append({
            "alert": "ModelAccuracyLow",
            "expr": f'min_over_time(model_accuracy{{namespace="{namespace}", model="{model.name}"}}[1h]) < {slos.min_accuracy:g}',
            "for": "30m", "labels": {**labels, "severity": "critical"},
            "annotations": {"summary": f"{model.name}: online accuracy below {slos.min_accuracy:g} in {namespace}"}})
    return rules


def _dashboard(platform: Platform, team: Team, env: Environment, models: list[Model], header: str) -> str:
    namespace = team.namespace(env.name)
    panels = []
    for i, model in enumerate(models):
        match = f'destination_workload_namespace="{namespace}", destination_service_name="{routing_service(model)}"'
        for j, (title, expr) in enumerate([
            ("requests/s", f"sum(rate(istio_requests_total{{{match}}}[5m]))"),
            ("p95 latency (ms)", f"histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{{{match}}}[5m])))"),
            ("5xx ratio", f'sum(rate(istio_requests_total{{{match}, response_code=~"5.."}}[5m])) / sum(rate(istio_requests_total{{{match}}}[5m]))'),
        ]):
            panels.append({"id": i * 3 + j + 1, "type": "timeseries", "title": f"{model.name}: {title}",
                           "gridPos": {"h": 8, "w": 8, "x": 8 * j, "y": 8 * i},
                           "targets": [{"expr": expr, "refId": "A"}]})
    dashboard = {"uid": f"mlopsgen-{namespace}"[:40], "title": f"{team.name} models ({env.name})", "schemaVersion": 39,
                 "tags": ["mlopsgen", team.name, env.name], "panels": panels}
    return render_template(
        "model/dashboard.yaml.j2", header=header, name=f"{team.name}-models-dashboard", namespace=namespace,
        labels={**L.common(platform, team.name, env.name), "grafana_dashboard": "1"},
        filename=f"{namespace}.json", dashboard=json.dumps(dashboard, indent=2, sort_keys=True))


def _cron_workflow(platform: Platform, model: Model, env: Environment, labels: dict, header: str) -> str:
    env_vars = _env_vars(platform)
    monitoring = [s for s in platform.services_for(env.cluster) if s.kind == "monitoring"]
    if monitoring:
        env_vars.append({"name": "PROMETHEUS_URL", "value": monitoring[0].url})
    return render_template(
        "model/cronworkflow.yaml.j2", header=header, name=f"{model.name}-retrain", model=model.name, labels=labels,
        schedule=model.retraining.schedule, image=model.retraining.image,
        drift_args=["--model", model.source, "--threshold", f"{model.retraining.drift_threshold:g}", "--output", "/tmp/drift"],
        drift_labels=pod_labels(platform, model.team, "monitoring", env.mode("monitoring")), env=env_vars)
