"""What the installed charts configure, read from their rendered objects, where the checks need it.

Each fact is read from the object the component itself reads at run time: Argo's executor from the
workflow-controller ConfigMap, Istio's injection settings from the sidecar injector's ConfigMap and istiod's
environment, the gateway's identity from its Deployment, Seldon's engine from the operator's environment,
MLflow's backend, artifact serving and allowed hosts from its arguments and environment. Where the chart
was not rendered, the values the app passes stand in (the journeys that judge them are UNKNOWN then).
"""

from __future__ import annotations

import json
from typing import Any

from mlopsgen.verify.cluster import ClusterView, get
from mlopsgen.verify.tree import Obj


def rendered(view: ClusterView, component: str, kind: str) -> list[Obj] | None:
    """The objects of `kind` the component's chart renders; None when it is not installed by the tree or its
    chart was not rendered."""
    app = view.components.get(component)
    if app is None or not app.charts or not all(c.rendered for c in app.charts):
        return None
    return [o for o in app.objects if o.origin and o.kind == kind]


def _containers(deployments: list[Obj]) -> list[dict]:
    return [c for d in deployments for c in ((d.spec.get("template") or {}).get("spec") or {}).get("containers") or []
            if isinstance(c, dict)]


def _env(deployments: list[Obj]) -> dict[str, str]:
    return {str(e.get("name")): str(e.get("value", "")) for c in _containers(deployments) for e in c.get("env") or []
            if isinstance(e, dict) and "value" in e}


def argo_executor(view: ClusterView) -> dict:
    """The executor settings the workflow controller gives every step's init and wait containers."""
    maps = rendered(view, "argo-workflows", "ConfigMap")
    if maps is None:
        return get(view.values("argo-workflows"), "executor", {}) or {}
    import yaml

    for cm in maps:
        config = (cm.data.get("data") or {}).get("config")
        if cm.name.endswith("workflow-controller-configmap") and isinstance(config, str):
            loaded = yaml.safe_load(config) or {}
            return (loaded.get("executor") or {}) if isinstance(loaded, dict) else {}
    return {}


def _injector_values(view: ClusterView) -> dict | None:
    maps = rendered(view, "istiod", "ConfigMap")
    if maps is None:
        return None
    cm = next((m for m in maps if m.name.startswith("istio-sidecar-injector")), None)
    try:
        values = json.loads((cm.data.get("data") or {}).get("values", "{}")) if cm else {}
    except ValueError:
        values = {}
    return values if isinstance(values, dict) else {}


def istio_cni(view: ClusterView) -> bool:
    """Whether meshed pods get the CNI plugin's validation, not istio-init: as the spec declares a provided mesh;
    for the tree's istiod, when its injector is told so and the CNI agent runs."""
    if view.provided_mesh is not None:  # a mesh the cluster provides: only the spec can say
        return view.provided_mesh[0]
    values = _injector_values(view)
    if values is None:
        model = view.values("istiod")
        enabled: Any = get(model, "cni.enabled", get(model, "pilot.cni.enabled", False))
    else:
        enabled = get(values, "pilot.cni.enabled", False)
    return bool(enabled) and view.has("istio-cni")


def native_sidecars(view: ClusterView) -> bool:
    if view.provided_mesh is not None:
        return view.provided_mesh[1]
    deployments = rendered(view, "istiod", "Deployment")
    if deployments is None:
        model = view.values("istiod")
        value = get(model, "env.ENABLE_NATIVE_SIDECARS", get(model, "pilot.env.ENABLE_NATIVE_SIDECARS", False))
    else:
        value = _env(deployments).get("ENABLE_NATIVE_SIDECARS", "false")
    return str(value).lower() == "true"


def proxy_seccomp(view: ClusterView) -> dict | None:
    values = _injector_values(view)
    found = get(values if values is not None else view.values("istiod"), "global.proxy.seccompProfile")
    return found if isinstance(found, dict) and found else None


def trust_domain(view: ClusterView, declared: str) -> str:
    """The mesh's trust domain, the first part of every workload identity: istiod's mesh config (the `istio`
    ConfigMap's `mesh`, which the chart writes from meshConfig) where the tree installs it, else `declared`
    (the spec's, for a provided mesh)."""
    maps = rendered(view, "istiod", "ConfigMap")
    if maps is None:
        configured = get(view.values("istiod"), "meshConfig.trustDomain")
        return str(configured) if configured and "istiod" in view.components else declared
    import yaml

    for cm in maps:
        mesh = (cm.data.get("data") or {}).get("mesh")
        if cm.name.split("-")[0] == "istio" and isinstance(mesh, str):
            try:
                loaded = yaml.safe_load(mesh)
            except yaml.YAMLError:
                continue
            if isinstance(loaded, dict) and loaded.get("trustDomain"):
                return str(loaded["trustDomain"])
    return declared


def gateway_identity(view: ClusterView) -> tuple[str, dict] | None:
    """(service account, pod labels) of the ingress gateway the tree installs, as its Deployment runs it."""
    deployments = rendered(view, "istio-ingressgateway", "Deployment")
    if not deployments:
        return None
    template = deployments[0].spec.get("template") or {}
    return (str((template.get("spec") or {}).get("serviceAccountName") or "default"),
            dict((template.get("metadata") or {}).get("labels") or {}))


def seldon_engine(view: ClusterView) -> dict:
    """The engine container Seldon's operator adds: its user, port and resources, from the operator's environment."""
    deployments = rendered(view, "seldon-core-operator", "Deployment")
    if deployments is None:
        executor = get(view.values("seldon-core-operator"), "executor", {}) or {}
        return {"user": executor.get("user", 8888), "port": executor.get("port", 8000),
                "cpu_request": get(executor, "resources.cpuRequest", "500m"), "memory_request": get(executor, "resources.memoryRequest", "512Mi"),
                "cpu_limit": get(executor, "resources.cpuLimit", "500m"), "memory_limit": get(executor, "resources.memoryLimit", "512Mi")}
    env = _env(deployments)
    return {"user": env.get("EXECUTOR_CONTAINER_USER", "8888"), "port": env.get("EXECUTOR_SERVER_PORT", "8000"),
            "cpu_request": env.get("EXECUTOR_DEFAULT_CPU_REQUEST", "500m"), "memory_request": env.get("EXECUTOR_DEFAULT_MEMORY_REQUEST", "512Mi"),
            "cpu_limit": env.get("EXECUTOR_DEFAULT_CPU_LIMIT", "500m"), "memory_limit": env.get("EXECUTOR_DEFAULT_MEMORY_LIMIT", "512Mi")}


def mlflow_server(view: ClusterView) -> dict:
    """How the tracking server runs: a database backend, artifacts served, the Host headers it admits."""
    deployments = rendered(view, "mlflow", "Deployment")
    if deployments is None:
        values = view.values("mlflow")
        return {"database": bool(get(values, "backendStore.postgres.enabled") or get(values, "backendStore.databaseUri")),
                "serves_artifacts": bool(get(values, "artifactRoot.proxiedArtifactStorage")),
                "allowed_hosts": [str(h) for h in get(values, "serverAllowedHosts", []) or []]}
    args = [str(a) for c in _containers(deployments) for a in [*(c.get("command") or []), *(c.get("args") or [])]]
    backend = next((a.split("=", 1)[1] for a in args if a.startswith("--backend-store-uri=")), "")
    env = {**{k: v for cm in rendered(view, "mlflow", "ConfigMap") or [] for k, v in (cm.data.get("data") or {}).items()},
           **_env(deployments)}
    hosts = env.get("MLFLOW_SERVER_ALLOWED_HOSTS", "")
    return {"database": bool(backend) and not backend.startswith("sqlite"), "serves_artifacts": "--serve-artifacts" in args,
            "allowed_hosts": [h for h in hosts.split(",") if h]}


def gpu_metrics(view: ClusterView) -> set[str]:
    """The metrics the DCGM exporter serves and Prometheus scrapes: the counters file its chart renders (the
    `metrics` of its ConfigMap, one `NAME, type, help` a line), where a ServiceMonitor selects it. A provided
    exporter, or one whose chart was not rendered (the journey is UNKNOWN then), is taken at its defaults."""
    from mlopsgen.catalog.promql import GPU_METRICS

    if "dcgm-exporter" in view.provided:
        return set(GPU_METRICS)
    maps = rendered(view, "dcgm-exporter", "ConfigMap")
    if maps is None:
        return set(GPU_METRICS) if "dcgm-exporter" in view.components else set()
    if not rendered(view, "dcgm-exporter", "ServiceMonitor"):
        return set()  # served, but nothing scrapes it
    lines = [line for cm in maps for line in str((cm.data.get("data") or {}).get("metrics", "")).splitlines()]
    return {line.split(",")[0].strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}


def kueue_config(view: ClusterView) -> dict | None:
    """Kueue's controller configuration: the ConfigMap its chart renders (controller_manager_config.yaml), or
    the values it is given where the chart was not rendered (the journey is UNKNOWN then); None where the tree
    installs no Kueue."""
    import yaml

    if "kueue" not in view.components:
        return None
    maps = rendered(view, "kueue", "ConfigMap")
    if maps is None:
        text = str(get(view.values("kueue"), "managerConfig.controllerManagerConfigYaml", "") or "")
    else:
        text = next((str((cm.data.get("data") or {}).get("controller_manager_config.yaml", "")) for cm in maps
                     if "controller_manager_config.yaml" in (cm.data.get("data") or {})), "")
    try:
        config = yaml.safe_load(text) if text else {}
    except yaml.YAMLError:
        return {}
    return config if isinstance(config, dict) else {}
