"""A model's environment-independent serving objects: teams/<team>/models/<model>/.

The runtime's object(s) (catalog/runtimes.py), the routing Service (one name
across stable and canary pods), the DestinationRule with a subset per track,
the in-mesh canary VirtualService, the ServiceMonitor and, for models with
`auth`, the RequestAuthentication. What depends on the environment is in
serving_overlay.py.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import hardening
from mlopsgen.catalog.runtimes import (
    MLSERVER_MLFLOW_RUNTIME,
    MLSERVER_SCRATCH_ENV,
    MODEL_DIR,
    REGISTRY_MODEL_FORMAT,
    SELDON_MLSERVER_IMAGE,
    runtime_of,
    tracks,
)
from mlopsgen.platform.model import Platform
from mlopsgen.platform.model_serving import Model
from mlopsgen.render import labels as L
from mlopsgen.render.feature_store_access import feature_store_env
from mlopsgen.render.jinja import render_template
from mlopsgen.render.model_download import downloader
from mlopsgen.render.payloads import kserve_logger


def model_labels(platform: Platform, model: Model) -> dict:
    return {**L.common(platform, model.team), C.MODEL: model.name}


def serving_pod_labels(platform: Platform, model: Model, track: str) -> dict:
    # Models serve only where the inference mode serves models (a spec rule): the mesh's mode.
    return {**L.pod_labels(platform, model.team, "inference", "internal"), C.MODEL: model.name, C.TRACK: track}


def route(model: Model, host: str, weight: int) -> list[dict]:
    """HTTP route destinations in track order; canary patches address them by that index."""
    share = {"stable": 100 - weight, "canary": weight} if model.canary else {"stable": 100}
    port = {"number": C.ROUTING_SERVICE_PORT}
    return [{"destination": {"host": host, "subset": t, "port": port}, "weight": share[t]} for t in tracks(model)]


def _cluster_of(platform: Platform, model: Model) -> str:
    """The cluster a model's base serves on (validation keeps a model's environments on one cluster)."""
    return platform.environment(next(iter(model.environments))).cluster


def _scheduling(platform: Platform, model: Model) -> dict | None:
    if not model.gpu_pool:
        return None
    pool = platform.gpu_pool(model.gpu_pool)
    return {"node_selector": dict(pool.node_labels), "tolerations": [L.toleration(t) for t in pool.taints]}


MODEL_VOLUME = {"name": "model", "emptyDir": {}}


def _runtime_objects(platform: Platform, model: Model, common: dict) -> str:
    """The runtime's template, given what any runtime's objects need: per track, the object's name, the
    model version, its traffic share, its pod labels and the init container that downloads it; the model
    server's image, environment and volume. A template takes what its kind needs, so a new runtime is a
    catalog entry and a template, no code here."""
    runtime = runtime_of(model)
    sources = {"stable": model.source, "canary": model.canary.source if model.canary else None}
    weight = model.canary.weight if model.canary else 0
    traffic = {"stable": 100 - weight, "canary": weight}
    fetch = downloader(platform, _cluster_of(platform, model), name="model-download")
    mount = {"name": MODEL_VOLUME["name"], "mountPath": MODEL_DIR}
    names = runtime.object_names(model)  # one object per track (KServe), or one for all (Seldon)
    per_track = [{"track": t, "name": names[min(i, len(names) - 1)], "source": sources[t], "traffic": traffic[t],
                  "pod_labels": serving_pod_labels(platform, model, t),
                  "downloader": {**fetch, "args": [sources[t], MODEL_DIR], "volumeMounts": [mount]}}
                 for i, t in enumerate(tracks(model))]
    # KServe names the served model after its InferenceService; both tracks answer as the model,
    # so a request reaches /v2/models/<model> whichever track the mesh picks. Seldon sets the server's
    # name (the container's, which is the model's) and its ports, and reads the model where it is fetched.
    served_as = [{"name": "MLSERVER_MODEL_NAME", "value": model.name}, *MLSERVER_SCRATCH_ENV]
    server_env = [{"name": "MLSERVER_MODEL_IMPLEMENTATION", "value": MLSERVER_MLFLOW_RUNTIME},
                  {"name": "MLSERVER_MODEL_URI", "value": MODEL_DIR}, *MLSERVER_SCRATCH_ENV,
                  *feature_store_env(platform, _cluster_of(platform, model))]
    return render_template(runtime.template, services=per_track, predictors=per_track, model_format=REGISTRY_MODEL_FORMAT,
                           image=SELDON_MLSERVER_IMAGE, server_env=server_env, model_volume=MODEL_VOLUME,
                           model_mount={**mount, "readOnly": True}, logger=kserve_logger(model), **{**common, "env": common["env"] + served_as})



def render_model_base(platform: Platform, model: Model, header: str) -> dict[str, str]:
    base = C.model_dir(model.team, model.name)
    runtime = runtime_of(model)
    labels = model_labels(platform, model)
    common = dict(
        header=header, model=model, labels=labels, pod_security=hardening.POD_SECURITY_CONTEXT,
        container_security=hardening.CONTAINER_SECURITY_CONTEXT, scratch_volume=hardening.SCRATCH_VOLUME,
        scratch_mount=hardening.SCRATCH_MOUNT, resources=hardening.guaranteed(model.cpu, model.memory, model.gpus),
        scheduling=_scheduling(platform, model), probes=runtime.probes, env=L.tracking_env(platform, _cluster_of(platform, model))
        + feature_store_env(platform, _cluster_of(platform, model)))
    service = C.routing_service(model.name)
    selector = {C.MODEL: model.name}
    files = {f"{base}/{runtime.kind.lower()}.yaml": _runtime_objects(platform, model, common)}
    files[f"{base}/service.yaml"] = render_template(
        "model/service.yaml.j2", header=header, name=service, labels=labels, selector=selector,
        port=C.ROUTING_SERVICE_PORT, serving_port=runtime.serving_port, metrics_port=C.ISTIO_METRICS_PORT,
        annotations=C.BASE_NAMESPACE_SKIP)
    files[f"{base}/destinationrule.yaml"] = render_template(
        "model/destinationrule.yaml.j2", header=header, name=service, labels=labels,
        host=service, subsets=[{"name": t, "labels": {C.TRACK: t}} for t in tracks(model)])
    if model.canary:
        files[f"{base}/virtualservice.yaml"] = render_template(
            "model/virtualservice.yaml.j2", header=header, name=service, labels=labels,
            hosts=[service], gateways=["mesh"], route_name="canary", match=None, rewrite=None,
            route=route(model, service, model.canary.weight))
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
