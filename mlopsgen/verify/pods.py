"""The pods a cluster would create from the tree, with the containers controllers inject.

Upstream facts each injection follows:
- Argo Workflows (emissary executor) adds an `init` container and a `wait`
  sidecar to every container/script step; their securityContext and resources
  are the workflow-controller's `executor.securityContext` / `executor.resources`
  (chart values), empty by default. A resource step is one pod whose `main`
  container is the executor itself, creating the manifest through the API; a
  Job it creates runs its own pod. Every workflow pod carries the label
  `workflows.argoproj.io/workflow`.
- KServe adds a `storage-initializer` init container when `storageUri` is set:
  the container of a ClusterStorageContainer whose supportedUriFormats match the
  URI, else the inferenceservice-config default (no securityContext).
- Seldon Core v1 adds the `seldon-container-engine` (runAsUser `executor.user`,
  nothing else) and, for a prepackaged server with a modelUri, an initializer.
- Istio adds `istio-proxy` (non-root, no escalation, all capabilities dropped) to
  pods of injected namespaces that do not opt out, never to hostNetwork pods,
  and an `istio-init` that needs NET_ADMIN and NET_RAW as root, unless the
  Istio CNI plugin replaces it.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.verify.cluster import ClusterView, get
from mlopsgen.verify.tree import Obj

ISTIO_PROXY_SECURITY = {"allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True,
                        "runAsNonRoot": True, "runAsUser": 1337, "runAsGroup": 1337, "capabilities": {"drop": ["ALL"]}}
ISTIO_INIT_SECURITY = {"allowPrivilegeEscalation": False, "privileged": False, "runAsNonRoot": False, "runAsUser": 0,
                       "runAsGroup": 0, "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]}}
ARGO_WORKFLOW = "workflows.argoproj.io/workflow"
ISTIO_PROXY_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}
SELDON_ENGINE = "seldon-container-engine"
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.I)


@dataclass
class Container:
    name: str
    security: dict
    resources: dict
    injected_by: str = ""  # "" for containers the tree writes
    init: bool = False
    ports: list[dict] = field(default_factory=list)


@dataclass
class Pod:
    cluster: str
    namespace: str
    workload: str  # stable name within the namespace
    kind: str  # "workflow" or "model"
    origin: Obj
    origin_path: tuple
    labels: dict
    service_account: str
    automount: bool
    host_network: bool
    security: dict  # pod securityContext
    containers: list[Container]
    volumes: list[dict]
    node_selector: dict
    tolerations: list[dict]
    meshed: bool = False
    executor_account: str = ""
    storage_uri: str = ""
    urls: list[tuple[str, tuple]] = field(default_factory=list)  # (url, path in origin)
    address: str | None = None  # from a Calico IPPool selected by the namespace
    orchestrates: bool = False  # an Argo resource step: the executor alone, talking to the API server

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.workload}"

    def gpus(self) -> int:
        total = 0
        for c in self.containers:
            value = (c.resources.get("limits") or {}).get("nvidia.com/gpu") or (c.resources.get("requests") or {}).get("nvidia.com/gpu")
            total += int(str(value)) if value else 0
        return total


def _urls(node, path: tuple) -> list[tuple[str, tuple]]:
    found: list[tuple[str, tuple]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _urls(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _urls(v, path + (i,))
    elif isinstance(node, str):
        found += [(m.group(0), path) for m in URL.finditer(node) if "{{" not in m.group(0)]
    return found


def _meshed(view: ClusterView, namespace: str, labels: dict, host_network: bool) -> bool:
    if host_network:
        return False
    ns = view.namespace_labels(namespace)
    choice = str(labels.get(C.SIDECAR_INJECT, "")).lower()
    if ns.get("istio-injection") == "disabled":
        return False
    if ns.get("istio-injection") == "enabled" or "istio.io/rev" in ns:
        return choice != "false"
    return choice == "true"


def _inject_mesh(view: ClusterView, pod: Pod) -> None:
    pod.meshed = _meshed(view, pod.namespace, pod.labels, pod.host_network)
    if not pod.meshed:
        return
    proxy = dict(ISTIO_PROXY_SECURITY)
    seccomp = get(view.values("istiod"), "global.proxy.seccompProfile")  # Istio sets it on its containers only if given
    if seccomp:
        proxy["seccompProfile"] = seccomp
    if view.istio_cni:
        pod.containers.append(Container("istio-validation", dict(proxy), {}, "Istio CNI", init=True))
    else:
        why = "the cluster's Istio: nothing says it runs the CNI plugin" if "istiod" in view.provided else "Istio without its CNI plugin"
        pod.containers.append(Container("istio-init", dict(ISTIO_INIT_SECURITY), {}, why, init=True))
    pod.containers.append(Container("istio-proxy", proxy, ISTIO_PROXY_RESOURCES, "Istio",
                                    init=view.native_sidecars, ports=[{"name": "http-envoy-prom", "containerPort": 15090}]))


def _container(spec: dict, name: str = "") -> Container:
    return Container(spec.get("name") or name, spec.get("securityContext") or {}, spec.get("resources") or {},
                     ports=list(spec.get("ports") or []))


def _address(view: ClusterView, namespace: str, salt: str) -> str | None:
    ns = view.namespace_object(namespace)
    pools = ns.annotations.get(C.CALICO_IPV4_POOLS) if ns else None
    if not pools:
        return None
    import ipaddress

    names = json.loads(pools) if str(pools).startswith("[") else [pools]
    pool = next((p for p in view.of_kind("IPPool") if p.name in names), None)
    if pool is None:
        return None
    network = ipaddress.ip_network(str(pool.spec.get("cidr")), strict=False)
    offset = 10 + sum(map(ord, salt)) % max(1, min(network.num_addresses - 20, 60000))
    return str(network.network_address + offset)


def workflow_pods(view: ClusterView, obj: Obj) -> list[Pod]:
    spec, prefix = (obj.spec.get("workflowSpec") or {}, ("spec", "workflowSpec")) if obj.kind == "CronWorkflow" else (obj.spec, ("spec",))
    executor = get(view.values("argo-workflows"), "executor", {}) or {}
    pods = []
    for i, template in enumerate(spec.get("templates") or []):
        main = template.get("container") or template.get("script")
        resource = template.get("resource")
        if not main and not resource:
            continue
        if resource:
            pods += _created_pods(view, obj, prefix + ("templates", i), template, resource)
            main = {"name": "main", "securityContext": executor.get("securityContext") or {},
                    "resources": executor.get("resources") or {}}
        patch: dict = {}
        for raw in (spec.get("podSpecPatch"), template.get("podSpecPatch")):
            if raw:
                with contextlib.suppress(ValueError):
                    patch.update(json.loads(raw) if isinstance(raw, str) and raw.strip().startswith("{") else {})
        labels = {**((spec.get("podMetadata") or {}).get("labels") or {}), **((template.get("metadata") or {}).get("labels") or {}),
                  ARGO_WORKFLOW: obj.name, "workflows.argoproj.io/completed": "false"}
        account = template.get("serviceAccountName") or spec.get("serviceAccountName") or "default"
        automount = template.get("automountServiceAccountToken", spec.get("automountServiceAccountToken", True))
        host = bool(patch.get("hostNetwork", template.get("hostNetwork", spec.get("hostNetwork", False))))
        containers = [_container(main, "main")]
        if resource:
            containers[0].injected_by = "Argo Workflows executor (resource step)"
        else:
            containers += [Container("init", dict(executor.get("securityContext") or {}), dict(executor.get("resources") or {}),
                                     "Argo Workflows executor", init=True),
                           Container("wait", dict(executor.get("securityContext") or {}), dict(executor.get("resources") or {}),
                                     "Argo Workflows executor")]
        name = template.get("name", str(i))
        workload = name if obj.kind == "WorkflowTemplate" else f"{obj.name}/{name}"
        pod = Pod(view.name, obj.namespace or "", workload, "workflow", obj, prefix + ("templates", i), labels, account,
                  automount is not False, host, template.get("securityContext") or spec.get("securityContext") or {},
                  containers, list(template.get("volumes") or []) + list(spec.get("volumes") or []),
                  template.get("nodeSelector") or spec.get("nodeSelector") or {},
                  list(template.get("tolerations") or spec.get("tolerations") or []),
                  executor_account=(spec.get("executor") or {}).get("serviceAccountName") or account,
                  urls=[(u, prefix + ("templates", i) + p) for u, p in _urls(main, ())], orchestrates=bool(resource))
        pod.address = _address(view, pod.namespace, pod.workload)
        _inject_mesh(view, pod)
        pods.append(pod)
    return pods


def _created_pods(view: ClusterView, obj: Obj, path: tuple, template: dict, resource: dict) -> list[Pod]:
    """The pod of a Job (or the Pod) a resource step creates."""
    import yaml

    if resource.get("action", "create") not in ("create", "apply"):
        return []
    try:
        manifest = yaml.load(str(resource.get("manifest", "")), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    if not isinstance(manifest, dict):
        return []
    if manifest.get("kind") == "Job":
        podtemplate = (manifest.get("spec") or {}).get("template") or {}
    elif manifest.get("kind") == "Pod":
        podtemplate = manifest
    else:
        return []
    podspec = podtemplate.get("spec") or {}
    labels = dict((podtemplate.get("metadata") or {}).get("labels") or {})
    name = template.get("name", "resource")
    workload = f"{name}-job" if obj.kind == "WorkflowTemplate" else f"{obj.name}/{name}-job"
    pod = _pod_from(view, obj, workload, path + ("resource", "manifest"), podspec, labels,
                    [_container(c) for c in podspec.get("containers") or []], "", _urls(podspec, ()))
    pod.kind = "job"
    return [pod]


def _storage_container(view: ClusterView, uri: str) -> Container:
    for csc in view.of_kind("ClusterStorageContainer"):
        for fmt in csc.spec.get("supportedUriFormats") or []:
            prefix, regex = fmt.get("prefix"), fmt.get("regex")
            if (prefix and uri.startswith(prefix)) or (regex and re.search(regex, uri)):
                c = _container(csc.spec.get("container") or {}, "storage-initializer")
                c.name, c.injected_by, c.init = "storage-initializer", f"KServe ({csc.ref})", True
                return c
    return Container("storage-initializer", {}, {}, "KServe default storage initializer", init=True)


def model_pods(view: ClusterView, obj: Obj) -> list[Pod]:
    pods = []
    if obj.kind == "InferenceService":
        predictor = obj.spec.get("predictor") or {}
        model = predictor.get("model") or {}
        main = _container(model, "kserve-container")
        main.name = "kserve-container"
        main.ports = main.ports or [{"containerPort": RUNTIMES["kserve"].serving_port, "protocol": "TCP"}]
        containers = [main] + [_container(c) for c in predictor.get("containers") or []]
        uri = str(model.get("storageUri", ""))
        if uri:
            containers.append(_storage_container(view, uri))
        labels = {**(predictor.get("labels") or {}), "serving.kserve.io/inferenceservice": obj.name, "component": "predictor"}
        pods.append(_pod_from(view, obj, obj.name, ("spec", "predictor"), predictor, labels, containers, uri,
                              _urls(model, ())))
    elif obj.kind == "SeldonDeployment":
        executor = get(view.values("seldon-core-operator"), "executor", {}) or {}
        for i, predictor in enumerate(obj.spec.get("predictors") or []):
            for j, component in enumerate(predictor.get("componentSpecs") or []):
                podspec = component.get("spec") or {}
                containers = [_container(c) for c in podspec.get("containers") or []]
                engine = Container(SELDON_ENGINE, {"runAsUser": int(executor.get("user", 8888))}, {
                    "requests": {"cpu": get(executor, "resources.cpuRequest", "500m"), "memory": get(executor, "resources.memoryRequest", "512Mi")},
                    "limits": {"cpu": get(executor, "resources.cpuLimit", "500m"), "memory": get(executor, "resources.memoryLimit", "512Mi")},
                }, "Seldon Core operator", ports=[{"name": "http", "containerPort": int(executor.get("port", 8000))}])
                containers.append(engine)
                uri = str((predictor.get("graph") or {}).get("modelUri", ""))
                if uri:
                    containers.append(Container(f"{(predictor.get('graph') or {}).get('name', 'model')}-model-initializer",
                                                {}, {}, "Seldon Core storage initializer", init=True))
                labels = {**((component.get("metadata") or {}).get("labels") or {}),
                          "seldon-deployment-id": obj.name, "seldon-app": f"{obj.name}-{predictor.get('name', i)}"}
                pods.append(_pod_from(view, obj, f"{obj.name}/{predictor.get('name', i)}",
                                      ("spec", "predictors", i, "componentSpecs", j, "spec"), podspec, labels, containers, uri,
                                      _urls(podspec, ())))
    return pods


def _pod_from(view: ClusterView, obj: Obj, workload: str, path: tuple, podspec: dict, labels: dict,
              containers: list[Container], uri: str, urls: list) -> Pod:
    pod = Pod(view.name, obj.namespace or "", workload, "model", obj, path, labels,
              podspec.get("serviceAccountName") or "default", podspec.get("automountServiceAccountToken", True) is not False,
              bool(podspec.get("hostNetwork")), podspec.get("securityContext") or {}, containers,
              list(podspec.get("volumes") or []), podspec.get("nodeSelector") or {}, list(podspec.get("tolerations") or []),
              storage_uri=uri, urls=[(u, path + p) for u, p in urls])
    pod.address = _address(view, pod.namespace, pod.workload)
    _inject_mesh(view, pod)
    return pod


POD_SOURCES = {"WorkflowTemplate": workflow_pods, "CronWorkflow": workflow_pods,
               "InferenceService": model_pods, "SeldonDeployment": model_pods}


def cluster_pods(view: ClusterView) -> list[Pod]:
    pods = [p for o in view.objects if o.kind in POD_SOURCES for p in POD_SOURCES[o.kind](view, o)]
    return sorted(pods, key=lambda p: p.id)

