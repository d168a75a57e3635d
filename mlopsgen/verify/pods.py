"""The pods a cluster would create from the tree: from WorkflowTemplates, CronWorkflows, the Jobs
resource steps create and every serving runtime's resources; injection.py adds what controllers inject.
"""

from __future__ import annotations

import contextlib
import json

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.kube.model_pods import model_pods as kube_model_pods
from mlopsgen.kube.walk import get, mapping
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.configured import argo_executor
from mlopsgen.verify.injection import INJECTORS, inject_mesh
from mlopsgen.verify.podspec import Container, Pod, container_of, urls_in
from mlopsgen.verify.resource_steps import resource_step
from mlopsgen.verify.tree import Obj

ARGO_WORKFLOW = "workflows.argoproj.io/workflow"  # Argo labels every pod of a workflow with its name


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
    executor = argo_executor(view)
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
        containers = [container_of(main, "main")]
        if resource:
            containers[0].injected_by = "Argo Workflows executor (resource step)"
        else:
            containers += [Container("init", dict(executor.get("securityContext") or {}), dict(executor.get("resources") or {}),
                                     "Argo Workflows executor", init=True),
                           Container("wait", dict(executor.get("securityContext") or {}), dict(executor.get("resources") or {}),
                                     "Argo Workflows executor")]
        name = template.get("name", str(i))
        # A team's shared templates (training, validation) name pods by template; a model's own pipeline by both.
        shared = obj.kind == "WorkflowTemplate" and C.MODEL not in obj.labels
        workload = name if shared else f"{obj.name}/{name}"
        pod = Pod(view.name, obj.namespace or "", workload, "workflow", obj, prefix + ("templates", i), labels, account,
                  automount is not False, host, template.get("securityContext") or spec.get("securityContext") or {},
                  containers, list(template.get("volumes") or []) + list(spec.get("volumes") or []),
                  template.get("nodeSelector") or spec.get("nodeSelector") or {},
                  list(template.get("tolerations") or spec.get("tolerations") or []),
                  executor_account=(spec.get("executor") or {}).get("serviceAccountName") or account,
                  urls=[(u, prefix + ("templates", i) + p) for u, p in urls_in(main, ())], orchestrates=bool(resource), resource_step=resource_step(template))
        pod.address = _address(view, pod.namespace, pod.workload)
        inject_mesh(view, pod)
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
                    _containers(podspec), "", urls_in(podspec, ()))
    pod.kind = "job"
    return [pod]


def _containers(podspec: dict) -> list[Container]:
    return ([container_of(c) for c in podspec.get("containers") or []]
            + [container_of(c, init=True) for c in podspec.get("initContainers") or []])


def model_pods(view: ClusterView, obj: Obj) -> list[Pod]:
    """A model's pods, as its runtime's controller makes them (catalog ModelPods) with what it injects."""
    runtime = RUNTIME_OF_KIND[obj.kind]
    shape = runtime.pods
    pods = []
    for model in kube_model_pods(obj.data, shape):
        containers = []
        if shape.main:
            main = container_of(mapping(get(model.spec, *shape.main)), shape.main_name)
            main.name = main.name or shape.main_name
            main.ports = main.ports or [{"containerPort": runtime.serving_port, "protocol": "TCP"}]
            containers.append(main)
        containers += _containers(model.spec)
        containers += [c for name in shape.injects if (c := INJECTORS[name](view, obj, model)) is not None]
        pod = _pod_from(view, obj, model.workload, model.path, model.spec, model.labels, containers, model.model_uri,
                        urls_in(model.spec, ()))
        pod.runtime, pod.model_format, pod.replicas = runtime, model.model_format, model.replicas
        pods.append(pod)
    return pods


def _pod_from(view: ClusterView, obj: Obj, workload: str, path: tuple, podspec: dict, labels: dict,
              containers: list[Container], uri: str, urls: list) -> Pod:
    pod = Pod(view.name, obj.namespace or "", workload, "model", obj, path, labels,
              podspec.get("serviceAccountName") or "default", podspec.get("automountServiceAccountToken", True) is not False,
              bool(podspec.get("hostNetwork")), podspec.get("securityContext") or {}, containers,
              list(podspec.get("volumes") or []), podspec.get("nodeSelector") or {}, list(podspec.get("tolerations") or []),
              storage_uri=uri, urls=[(u, path + p) for u, p in urls])
    pod.address = _address(view, pod.namespace, pod.workload)
    inject_mesh(view, pod)
    return pod


def monitor_pods(view: ClusterView, obj: Obj) -> list[Pod]:
    """A model monitor's pods: the tree's own Deployments (the charts' are platform pods, chart_pods)."""
    if obj.origin:
        return []
    template = obj.spec.get("template") or {}
    podspec = template.get("spec") or {}
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    pod = _pod_from(view, obj, obj.name, ("spec", "template", "spec"), podspec, labels, _containers(podspec), "",
                    urls_in(podspec, ()))
    pod.kind, pod.replicas = "monitor", int(obj.spec.get("replicas", 1) or 1)
    return [pod]


def job_pods(view: ClusterView, obj: Obj) -> list[Pod]:
    """The pod of one of the tree's own Jobs (a promotion's webhook registration, render/promotion.py); the charts'
    are platform pods (chart_pods)."""
    pods = monitor_pods(view, obj)
    for pod in pods:
        pod.kind, pod.replicas = "job", 1
    return pods


RUNTIME_OF_KIND = {runtime.kind: runtime for runtime in RUNTIMES.values()}
POD_SOURCES = {"WorkflowTemplate": workflow_pods, "CronWorkflow": workflow_pods, "Deployment": monitor_pods, "Job": job_pods,
               **{runtime.kind: model_pods for runtime in RUNTIMES.values()}}


def chart_pods(view: ClusterView) -> list[Pod]:
    """The pods the charts' workloads would create (Deployments, DaemonSets, StatefulSets, Jobs, hooks included),
    as their pod templates say: judged for admission and scheduling; the network model holds the tree's own."""
    from mlopsgen.kube.workloads import pod_templates

    pods = []
    for o in view.objects:
        if not o.origin:
            continue
        for template in pod_templates(o.data):
            spec = template.spec
            pods.append(Pod(view.name, o.namespace or "", f"{o.kind.lower()}/{o.name}", "platform", o, template.path,
                            dict(template.labels), spec.get("serviceAccountName") or "default",
                            spec.get("automountServiceAccountToken", True) is not False, bool(spec.get("hostNetwork")),
                            spec.get("securityContext") or {}, _containers(spec), list(spec.get("volumes") or []),
                            spec.get("nodeSelector") or {}, list(spec.get("tolerations") or [])))
    return sorted(pods, key=lambda p: p.id)


def cluster_pods(view: ClusterView) -> list[Pod]:
    pods = [p for o in view.objects if o.kind in POD_SOURCES for p in POD_SOURCES[o.kind](view, o)]
    return sorted(pods, key=lambda p: p.id)

