"""What the charts' own objects must do for the platform to work: a runtime for every model, the DaemonSets the
platform needs on the nodes they must run on (the device plugin on every GPU pool, the CNI node agent and
node-exporter everywhere), ServiceMonitors that find their port.

Upstream facts:
- KServe picks a ServingRuntime or ClusterServingRuntime whose `supportedModelFormats` lists the predictor's
  `modelFormat.name` with `autoSelect: true`, or the one `model.runtime` names; with none, the
  InferenceService never becomes ready (kserve.github.io "Serving Runtimes");
- a DaemonSet's pods run on the nodes its nodeSelector and required node affinity match and whose taints
  its tolerations tolerate (NoSchedule, NoExecute); the nodes known here are the spec's GPU pools and
  ordinary nodes labelled only with the well-known kubernetes.io/os and arch labels; the device plugin
  must run on every GPU pool, or its nodes never advertise nvidia.com/gpu (a DaemonSet that matches no
  node is healthy to Argo CD and, for a feature's daemon such as the device plugin's MPS daemon, meant);
- a ServiceMonitor endpoint's `port` is the name of a port of the Services it selects (in its namespace
  unless namespaceSelector says otherwise); a name no Service has gives Prometheus no target.
"""

from __future__ import annotations

from mlopsgen.kube.selectors import selects
from mlopsgen.verify.context import Context
from mlopsgen.verify.result import Finding, finding

ORDINARY_NODE = {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}


def runtimes(ctx: Context, stats: dict) -> list[Finding]:
    findings = []
    for view in ctx.views:
        app = view.components.get("kserve-runtimes")
        if app is None or not all(c.rendered for c in app.charts):
            continue  # provided by the cluster, or not seen (UNKNOWN)
        offered = [o for kind in ("ClusterServingRuntime", "ServingRuntime") for o in view.of_kind(kind)]
        for isvc in view.of_kind("InferenceService"):
            model = (isvc.spec.get("predictor") or {}).get("model") or {}
            wanted, named = str((model.get("modelFormat") or {}).get("name", "")), model.get("runtime")
            if not wanted:
                continue
            fits = [r for r in offered if (r.name == named if named else True) and any(
                isinstance(f, dict) and f.get("name") == wanted and (named or f.get("autoSelect") is True)
                for f in r.spec.get("supportedModelFormats") or [])]
            if not fits:
                findings.append(finding("serving", f"{isvc.ref} serves model format '{wanted}', which no ServingRuntime "
                                                   f"on cluster {view.name} supports{' under the name ' + named if named else ''}: "
                                                   "it never becomes ready", isvc.locate("spec", "predictor", "model"),
                                        hint="install a runtime for the format (kserve-runtime-configs with "
                                             "kserve.servingruntime.enabled)"))
    return findings


def _matches_term(term: dict, labels: dict) -> bool:
    return selects({"matchExpressions": term.get("matchExpressions") or []}, labels)


def _placeable(podspec: dict, labels: dict, taints) -> bool:
    if not all(labels.get(k) == str(v) for k, v in (podspec.get("nodeSelector") or {}).items()):
        return False
    required = (((podspec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms")
    if required and not any(isinstance(t, dict) and _matches_term(t, labels) for t in required):
        return False
    tolerations = podspec.get("tolerations") or []
    return all(t.effect == "PreferNoSchedule" or any(_tolerates(tol, t) for tol in tolerations) for t in taints)


def _tolerates(toleration: dict, taint) -> bool:
    if toleration.get("effect") not in (None, "", taint.effect):
        return False
    if toleration.get("operator") == "Exists":
        return toleration.get("key") in (None, "", taint.key)
    return toleration.get("key") == taint.key and str(toleration.get("value", "")) == taint.value


def placement(ctx: Context, stats: dict) -> list[Finding]:
    """Each DaemonSet the catalog says must run on every node (or every GPU pool) fits each of those nodes."""
    from mlopsgen.catalog.components import COMPONENTS, GPU_POOLS

    findings = []
    for view in ctx.views:
        pools = [p for p in ctx.platform.gpu_pools if p.cluster == view.name]
        gpu_nodes = [(f"GPU pool {p.name}", {**ORDINARY_NODE, **p.node_labels}, p.taints) for p in pools]
        for name, app in view.components.items():
            if not app.charts or not all(c.rendered for c in app.charts):
                continue  # provided by the cluster, manifests of the tree, or not seen (UNKNOWN)
            for suffix, where in COMPONENTS[name].daemons:
                nodes = gpu_nodes if where == GPU_POOLS else [*gpu_nodes, ("ordinary nodes", ORDINARY_NODE, ())]
                daemons = [o for o in app.objects if o.kind == "DaemonSet" and o.name.endswith(suffix)]
                if not daemons:
                    findings.append(finding("admission", f"{app.name} renders no DaemonSet {suffix}, which must run on {where}",
                                            app.obj.locate(*app.charts[0].path()), hint="enable it in the chart's values"))
                for ds in daemons:
                    podspec = (ds.spec.get("template") or {}).get("spec") or {}
                    missed = [label for label, labels, taints in nodes if not _placeable(podspec, labels, taints)]
                    if missed:
                        findings.append(finding("admission", f"{ds.ref} does not run on {', '.join(missed)} (its node selector, "
                                                             f"affinity or tolerations do not fit): it must run on {where}"
                                                             + (", or those nodes never advertise nvidia.com/gpu" if where == GPU_POOLS else ""),
                                                ds.locate(), hint="select the pools' nodeLabels and tolerate their taints"))
    return findings
def scrapes(ctx: Context, stats: dict) -> list[Finding]:
    findings = []
    for view in ctx.views:
        services = view.of_kind("Service")
        for monitor in view.of_kind("ServiceMonitor"):
            spec = monitor.spec
            selected = monitored_services(monitor, services)
            if not selected:
                continue  # its Services may be made by an operator at run time: not judged
            ports = {str(p.get("name")) for s in selected for p in s.spec.get("ports") or [] if isinstance(p, dict)}
            pod_ports = _container_port_names(ctx, view, selected)
            for i, endpoint in enumerate(spec.get("endpoints") or []):
                endpoint = endpoint if isinstance(endpoint, dict) else {}
                port, target = endpoint.get("port"), endpoint.get("targetPort")
                if port and str(port) not in ports:
                    missing, known, where = str(port), ports, "the Services it selects"
                elif isinstance(target, str) and pod_ports is not None and target not in pod_ports:
                    missing, known, where = target, pod_ports, "the containers behind the Services it selects"
                else:
                    continue
                findings.append(finding("monitoring", f"{monitor.ref} scrapes port '{missing}', which none of {where} "
                                                      f"({', '.join(sorted(s.ref for s in selected))}) names: Prometheus "
                                                      "gets no target", monitor.locate("spec", "endpoints", i),
                                        hint=f"name one of theirs: {', '.join(sorted(known)) or 'none named'}"))
    return findings


def monitored_services(monitor, services: list) -> list:
    """The Services a ServiceMonitor selects: by labels, in its own namespace unless namespaceSelector names others
    (matchNames) or any."""
    chosen = monitor.spec.get("namespaceSelector") or {}
    names = chosen.get("matchNames") or [monitor.namespace]
    return [s for s in services if (chosen.get("any") is True or s.namespace in names)
            and selects(monitor.spec.get("selector") or {}, s.labels)]


def backends(service, pods: list) -> list:
    """The pods a Service sends to: its namespace's pods its selector matches (a Service without one has none)."""
    selector = service.spec.get("selector")
    return [p for p in pods if p.namespace == service.namespace and selector and selects({"matchLabels": selector}, p.labels)]


def _container_port_names(ctx: Context, view, services) -> set[str] | None:
    """The named container ports of the pods behind the Services, injected containers' included (None: no pod
    the tree or its charts make is behind them)."""
    behind = [p for s in services for p in backends(s, ctx.pods[view.name] + ctx.chart_pods[view.name])]
    if not behind:
        return None
    return {str(port.get("name")) for pod in behind for c in pod.containers for port in c.ports if port.get("name")}
