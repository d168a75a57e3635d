"""The containers controllers inject into pods, as the rendered configuration sets them.

Upstream facts each injection follows (Argo's executor containers are added where
pods.py derives the workflow pod, since they depend on the step's kind):
- Argo Workflows (emissary executor) adds an `init` container and a `wait`
  sidecar to every container/script step; their securityContext and resources
  are the workflow-controller's `executor.securityContext` / `executor.resources`
  (chart values), empty by default. A resource step is one pod whose `main`
  container is the executor itself, creating the manifest through the API; a
  Job it creates runs its own pod. Every workflow pod carries the label
  `workflows.argoproj.io/workflow`.
- KServe adds a `storage-initializer` init container when `storageUri` is set:
  the container of a ClusterStorageContainer whose supportedUriFormats match the
  URI, else the inferenceservice-config default (no securityContext); and, beside a
  predictor with a `logger`, its `agent` (verify/kserve_agent.py).
- Seldon Core v1 adds the `seldon-container-engine` (runAsUser `executor.user`,
  nothing else) and, for a prepackaged server with a modelUri, an initializer.
- Istio adds `istio-proxy` (non-root, no escalation, all capabilities dropped) to
  pods of injected namespaces that do not opt out, never to hostNetwork pods,
  and an `istio-init` that needs NET_ADMIN and NET_RAW as root, unless the
  Istio CNI plugin replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mlopsgen.catalog import conventions as C
from mlopsgen.kube.model_pods import ModelPod
from mlopsgen.kube.walk import get, mapping
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.configured import istio_cni, native_sidecars, proxy_seccomp, seldon_engine
from mlopsgen.verify.kserve_agent import kserve_agent
from mlopsgen.verify.podspec import Container, Pod, container_of
from mlopsgen.verify.tree import Obj

ISTIO_PROXY_SECURITY = {"allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True,
                        "runAsNonRoot": True, "runAsUser": 1337, "runAsGroup": 1337, "capabilities": {"drop": ["ALL"]}}
ISTIO_INIT_SECURITY = {"allowPrivilegeEscalation": False, "privileged": False, "runAsNonRoot": False, "runAsUser": 0,
                       "runAsGroup": 0, "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]}}
SELDON_ENGINE = "seldon-container-engine"


def meshed(view: ClusterView, namespace: str, labels: dict, host_network: bool) -> bool:
    if host_network:
        return False
    ns = view.namespace_labels(namespace)
    choice = str(labels.get(C.SIDECAR_INJECT, "")).lower()
    if ns.get("istio-injection") == "disabled":
        return False
    if ns.get("istio-injection") == "enabled" or "istio.io/rev" in ns:
        return choice != "false"
    return choice == "true"


def inject_mesh(view: ClusterView, pod: Pod) -> None:
    pod.meshed = meshed(view, pod.namespace, pod.labels, pod.host_network)
    if not pod.meshed:
        return
    proxy = dict(ISTIO_PROXY_SECURITY)
    seccomp = proxy_seccomp(view)  # Istio sets it on its containers only if given
    if seccomp:
        proxy["seccompProfile"] = seccomp
    if istio_cni(view):
        pod.containers.append(Container("istio-validation", dict(proxy), {}, "Istio CNI", init=True))
    else:
        why = "the cluster's Istio: nothing says it runs the CNI plugin" if "istiod" in view.provided else "Istio without its CNI plugin"
        pod.containers.append(Container("istio-init", dict(ISTIO_INIT_SECURITY), {}, why, init=True))
    native = native_sidecars(view)
    pod.containers.append(Container("istio-proxy", proxy, C.MESH_PROXY_RESOURCES, "Istio", init=native, sidecar=native,
                                    ports=[{"name": "http-envoy-prom", "containerPort": 15090}]))


def _kserve_storage_initializer(view: ClusterView, obj: Obj, model: ModelPod) -> Container | None:
    uri = model.model_uri
    if not uri:
        return None
    for csc in view.of_kind("ClusterStorageContainer"):
        for fmt in csc.spec.get("supportedUriFormats") or []:
            prefix, regex = fmt.get("prefix"), fmt.get("regex")
            if (prefix and uri.startswith(prefix)) or (regex and re.search(regex, uri)):
                c = container_of(csc.spec.get("container") or {}, "storage-initializer")
                c.name, c.injected_by, c.init = "storage-initializer", f"KServe ({csc.ref})", True
                return c
    default = Container("storage-initializer", {}, {}, "KServe default storage initializer", init=True)
    if uri.startswith("models:/"):  # the default initializer knows object stores and HTTP, not the registry
        default.refuses = (f"no ClusterStorageContainer supports {uri}: KServe's storage initializer fails with "
                           "'Cannot recognize storage type'",
                           "install a ClusterStorageContainer with supportedUriFormats for models:/")
    return default


def _predictor(obj: Obj, model: ModelPod) -> dict:
    return mapping(get(obj.data, *model.template_path[:-2]))  # a componentSpec's predictor


def _seldon_engine(view: ClusterView, obj: Obj, model: ModelPod) -> Container | None:
    if str(get(_predictor(obj, model), "annotations", "seldon.io/no-engine", default="")).lower() == "true":
        return None  # seldon.io/no-engine: the operator adds no service orchestrator
    engine = seldon_engine(view)
    return Container(SELDON_ENGINE, {"runAsUser": int(engine["user"])}, {
        "requests": {"cpu": engine["cpu_request"], "memory": engine["memory_request"]},
        "limits": {"cpu": engine["cpu_limit"], "memory": engine["memory_limit"]},
    }, "Seldon Core operator", ports=[{"name": "http", "containerPort": int(engine["port"])}])


def _seldon_model_initializer(view: ClusterView, obj: Obj, model: ModelPod) -> Container | None:
    if not model.model_uri:
        return None
    graph = mapping(_predictor(obj, model).get("graph"))
    c = Container(f"{graph.get('name', 'model')}-model-initializer", {}, {}, "Seldon Core storage initializer", init=True)
    if model.model_uri.startswith("models:/"):
        c.refuses = (f"Seldon Core's storage initializer (rclone) does not know {model.model_uri}",
                     "fetch the model with an init container of the predictor, not modelUri")
    return c


# What a serving runtime's controller adds to a model's pods, by the names the catalog's ModelPods.injects use.
INJECTORS: dict[str, Callable[[ClusterView, Obj, ModelPod], Container | None]] = {
    "kserve-storage-initializer": _kserve_storage_initializer,
    "seldon-engine": _seldon_engine,
    "seldon-model-initializer": _seldon_model_initializer,
    "kserve-agent": kserve_agent,
}
