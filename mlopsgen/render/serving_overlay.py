"""What a team's models add to one environment overlay.

overlays/<env>/models/<model>/  ingress route, SLO alerts, PodDisruptionBudget,
                                retraining WorkflowTemplate and CronWorkflow,
                                promotion WorkflowTemplate and webhook Job
overlays/<env>/                 the AuthorizationPolicies of the namespace, the
                                team's dashboard, and patches for replicas and
                                canary weights
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.runtimes import SERVED_PATH, Patch, runtime_of, tracks
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.platform.model_serving import Model
from mlopsgen.render import labels as L
from mlopsgen.render.jinja import render_template
from mlopsgen.render.monitoring import alert_rules, gpu_alert_rules, gpu_metrics_on, render_dashboard
from mlopsgen.render.monitors import monitor_objects
from mlopsgen.render.payloads import logger_path_patch, payload_logger_account
from mlopsgen.render.promotion import promote_template, registration_job
from mlopsgen.render.retraining import cron_workflow, retrain_template
from mlopsgen.render.retraining_triggers import trigger_objects
from mlopsgen.render.serving import model_labels, route


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
        _patches(model, env, header, part)
        policies += _authorization(platform, model, env)
        here = f"models/{model.name}"
        labels = {**model_labels(platform, model), C.ENVIRONMENT: env.name}
        selector = {C.MODEL: model.name}
        external = model.host_in(env.name)
        if model.exposure and external:
            host = f"{C.routing_service(model.name)}.{namespace}.svc.cluster.local"
            gateway = f"{platform.cluster(env.cluster).ingress_gateway.namespace}/{C.gateway_name(env.name)}"
            part.files[f"{here}/ingress.yaml"] = render_template(
                "model/virtualservice.yaml.j2", header=header, name=f"{model.name}-ingress", labels=labels,
                hosts=[external], gateways=[gateway], route_name="ingress",
                match=[{"uri": {"prefix": p}} for p in model.exposure.paths],
                rewrite=_rewrite(model),
                route=route(model, host, model.canary_weight(env.name)))
        rules = alert_rules(model, namespace)
        if rules:
            part.files[f"{here}/prometheusrule.yaml"] = render_template(
                "model/prometheusrule.yaml.j2", header=header, name=f"{model.name}-slos", model=model.name,
                namespace=namespace, labels=labels, rules=rules)
        if model.environments[env.name].replicas > 1:
            part.files[f"{here}/poddisruptionbudget.yaml"] = render_template(
                "model/poddisruptionbudget.yaml.j2", header=header, name=model.name, labels=labels, selector=selector)
        monitors = monitor_objects(platform, team, model, env, L.common(platform, team.name, env.name))
        if monitors:
            part.files[f"{here}/monitors.yaml"] = render_template(
                "team/objects.yaml.j2", header=header, objects=monitors,
                comment=f"Monitors of {model.name}'s logged payloads: drift and accuracy, scraped, with the drift alert.")
        if model.retraining and model.retraining.environment == env.name:
            part.files[f"{here}/retrain.yaml"] = render_template(
                "team/objects.yaml.j2", header=header, objects=[retrain_template(platform, model, env, labels)],
                comment=f"Retraining of {model.name}: drift check, data validation, training, offline validation, "
                        "promotion, rollout.")
            if model.retraining.schedule:
                part.files[f"{here}/cronworkflow.yaml"] = render_template(
                    "team/objects.yaml.j2", header=header, objects=[cron_workflow(model, labels)],
                    comment=f"Retraining of {model.name} on its schedule.")
        if model.promotion:
            part.files[f"{here}/promote.yaml"] = render_template(
                "team/objects.yaml.j2", header=header, objects=[promote_template(platform, model, env, labels),
                                                                registration_job(platform, model, env, namespace, labels)],
                comment=f"A registry promotion of {model.name}'s served alias rolls it out: the signature check and the "
                        "rollout, and the Job that registers the webhook in MLflow.")
    part.files["authorizationpolicies.yaml"] = render_template(
        "mesh/authorizationpolicies.yaml.j2", header=header, labels=L.common(platform, team.name, env.name),
        policies=policies)
    triggers = trigger_objects(platform, team, env)
    if triggers:
        part.files["retraining-triggers.yaml"] = render_template(
            "team/objects.yaml.j2", header=header, objects=triggers,
            comment="Alerts start retraining, promotions roll models out: the webhook EventSource, the EventBus, the Sensor.")
    if any(m.payloads and m.payloads.in_object_store for m in models):
        part.files["payload-logger.yaml"] = render_template(
            "team/objects.yaml.j2", header=header, objects=[payload_logger_account(namespace, L.common(platform, team.name, env.name))],
            comment=f"KServe's logger writes payloads with the credentials of Secret {C.PAYLOAD_STORE_SECRET}, "
                    "which the platform engineer provides.")
    gpus = gpu_metrics_on(platform, team, env)
    if gpus:
        part.files["gpu-alerts.yaml"] = render_template(
            "team/gpu-alerts.yaml.j2", header=header, name="gpu-idle", namespace=namespace,
            labels=L.common(platform, team.name, env.name), rules=gpu_alert_rules(team, env))
    if models or gpus:
        part.files["dashboard.yaml"] = render_dashboard(platform, team, env, models, header, gpus)
    return part


def _rewrite(model: Model) -> dict | None:
    """Exposed prefixes such as /v1/defects become the path the model server answers; "/" stays."""
    assert model.exposure is not None
    if all(p == "/" for p in model.exposure.paths):
        return None
    return {"uri": SERVED_PATH.format(model=model.name)}


def _patches(model: Model, env: Environment, header: str, part: OverlayPart) -> None:
    placement = model.environments[env.name]
    weight = model.canary_weight(env.name)
    comments = [f"{model.name} in {env.name}: {placement.replicas} to {placement.max_replicas} replicas"
                + (f", canary {weight}%." if model.canary else ".")]
    runtime = runtime_of(model)
    logged = logger_path_patch(runtime, model, env.name)  # each environment's payloads under their own folder
    patches = [Patch(p.group, p.version, p.kind, p.name, [*p.operations, *(logged if p.kind == runtime.kind else [])])
               for p in runtime.placement_patches(runtime, model, placement, weight)]
    if model.canary:  # the in-mesh split: route destinations are in track order (serving.route)
        share = {"stable": 100 - weight, "canary": weight}
        patches.append(Patch("networking.istio.io", "v1", "VirtualService", C.routing_service(model.name), [
            {"op": "replace", "path": f"/spec/http/0/route/{i}/weight", "value": share[t]}
            for i, t in enumerate(tracks(model))]))
    for patch in patches:
        path = f"patches/{patch.kind.lower()}-{patch.name}.yaml"
        if path not in part.files:
            part.files[path] = render_template(
                "team/json6902-patch.yaml.j2", header=header, operations=patch.operations, comments=comments)
            part.patches.append({"path": path, "target": {
                "group": patch.group, "version": patch.version, "kind": patch.kind, "name": patch.name}})


def _authorization(platform: Platform, model: Model, env: Environment) -> list[dict]:
    selector = {"matchLabels": {C.MODEL: model.name}}
    port = [{"operation": {"ports": [str(runtime_of(model).serving_port)]}}]
    policies = []
    if model.exposure:
        # The identity of the gateway this cluster runs: installed by the tree, or the one the spec declares.
        source = {"principals": [platform.cluster(env.cluster).ingress_gateway.principal]}
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
