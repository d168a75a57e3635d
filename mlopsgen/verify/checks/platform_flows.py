"""Journey 6 in the platform's own namespaces: the flows the charts' objects say their pods need, derived from
the rendered charts (not from the tree's policies), and a default deny over every pod there.

Where each flow comes from:
- webhooks: every webhook configuration's `clientConfig.service`, CRD conversion webhook and APIService's
  `service` names a Service and port (443 by default);
  its targetPort on the pods the Service selects must admit the API server, whose source addresses (the
  control plane's) the spec does not declare: the address verify gives an undeclared control plane stands for them;
- the API server: every pod whose service account a (Cluster)RoleBinding of its chart binds talks to it;
- DNS: every pod;
- scrapes: every ServiceMonitor's endpoint on the Services it selects, from Prometheus' pods;
- MLflow to its PostgreSQL (CloudNativePG names the Service <cluster>-rw and labels its pods cnpg.io/cluster).
Only namespaces the tree declares (a Namespace of its own, or one it patches) are judged: elsewhere the cluster owns the policy.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.kube import ports as P
from mlopsgen.kube.selectors import selects
from mlopsgen.verify.checks.chart_objects import backends, monitored_services
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import API_SERVER_UNDECLARED, Endpoint, external_endpoint, pod_endpoint
from mlopsgen.verify.network import ClusterNetwork
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.result import Finding, finding

SLUG = "connectivity"


class Required:
    """One cluster's required platform flows, each decided by the cluster's network (NetworkPolicies and Istio
    together, as every other flow), counted, and reported where denied."""

    def __init__(self, network: ClusterNetwork, findings: list[Finding], stats: dict):
        self.network, self.findings, self.stats = network, findings, stats

    def __call__(self, src: Endpoint, dst: Endpoint, port: int, why: str, where, protocol: str = "TCP") -> None:
        self.stats["required"] = self.stats.get("required", 0) + 1
        if not self.network.decide(src, dst, protocol, port).allowed:
            self.findings.append(finding(SLUG, f"required flow denied ({why}): {src.label} -> {dst.label} {protocol}/{port}",
                                         where, hint="allow it in the namespace's policies (platform-namespaces)"))

    def role(self, role: str) -> Endpoint:
        return next(e for e in self.network.endpoints if e.role == role)


def _port(target, pods: list[Pod]) -> int | None:
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return int(target)
    for pod in pods:
        found = P.named_port([p for c in pod.containers for p in c.ports], str(target), "TCP")
        if found:
            return found
    return None


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for view in ctx.views:
        # The tree's own, or an upstream one its kustomization patches (the Feast operator's, made restricted).
        declared = {o.name for o in view.of_kind("Namespace") if not o.origin or o.patched_by}
        pods = [p for p in ctx.chart_pods[view.name] if p.namespace in declared and not p.host_network]
        if not pods:
            continue
        network = ctx.networks[view.name]
        require = Required(network, findings, stats)
        dns = require.role("dns")
        for pod in pods:
            where = pod.origin.locate()
            if not network.netpol.selecting(pod_endpoint(pod), "Ingress") or not network.netpol.selecting(pod_endpoint(pod), "Egress"):
                findings.append(finding(SLUG, f"no default deny selects {pod.id} ({pod.origin.origin}) in both directions: "
                                              "what is not allowed is not denied", where,
                                        hint="a default-deny NetworkPolicy in every platform namespace"))
            require(pod_endpoint(pod), dns, 53, "DNS", where, "UDP")
        _api_server(ctx, view, pods, require)
        _webhooks(view, pods, require)
        _scrapes(ctx, view, pods, require)
        _tracking_database(ctx, view, pods, require)
    return findings


def _api_server(ctx: Context, view, pods: list[Pod], require: Required) -> None:
    declared = ctx.platform.cluster(view.name).api_server
    if declared is None:  # validate refuses that where environments run
        return
    bound = {(str(s.get("namespace") or b.namespace or ""), str(s.get("name"))) for kind in ("RoleBinding", "ClusterRoleBinding")
             for b in view.of_kind(kind) if b.origin for s in b.data.get("subjects") or [] if isinstance(s, dict)
             and s.get("kind") == "ServiceAccount"}
    api = require.role("apiserver")
    for pod in pods:
        if (pod.namespace, pod.service_account) in bound:
            require(pod_endpoint(pod), api, declared.port, "to the API server", pod.origin.locate())


def _callees(view) -> list[tuple]:
    """(object, service reference, why) of everything the API server calls: webhook configurations, CRDs'
    conversion webhooks (spec.conversion.webhook.clientConfig.service) and aggregated APIs (an APIService's
    spec.service); a reference's port is 443 unless it says."""
    out = []
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        for config in view.of_kind(kind):
            for hook in config.data.get("webhooks") or []:
                ref = ((hook if isinstance(hook, dict) else {}).get("clientConfig") or {}).get("service") or {}
                out.append((config, ref, f"the API server calls {config.name}"))
    for crd in view.of_kind("CustomResourceDefinition"):
        ref = (((crd.spec.get("conversion") or {}).get("webhook") or {}).get("clientConfig") or {}).get("service")
        if ref:
            out.append((crd, ref, f"the API server converts {crd.name}"))
    for api in view.of_kind("APIService"):
        if api.spec.get("service"):
            out.append((api, api.spec["service"], f"the API server serves {api.name} through it"))
    return out


def _webhooks(view, pods: list[Pod], require: Required) -> None:
    services = {(s.namespace, s.name): s for s in view.of_kind("Service")}
    control_plane = external_endpoint(view.name, "apiserver", "the API server (control plane)", API_SERVER_UNDECLARED)
    for config, ref, why in _callees(view):
        service = services.get((ref.get("namespace"), ref.get("name")))
        if service is None:
            continue
        behind = backends(service, pods)
        entry = next((p for p in service.spec.get("ports") or [] if p.get("port") == ref.get("port", 443)), None)
        port = _port(entry.get("targetPort", entry.get("port")), behind) if entry else None
        for pod in behind:
            if port:
                require(control_plane, pod_endpoint(pod), port, why, config.locate())


def _scrapes(ctx: Context, view, pods: list[Pod], require: Required) -> None:
    monitoring = next((s for s in ctx.platform.services_for(view.name) if s.kind == "monitoring"), None)
    if monitoring is None:
        return
    prometheus = require.network.by_id[f"{monitoring.namespace}/{monitoring.name}@{view.name}"]
    services = [s for s in view.of_kind("Service") if s.namespace in {p.namespace for p in pods}]
    for monitor in view.of_kind("ServiceMonitor"):
        for service in monitored_services(monitor, services):
            behind = backends(service, pods)
            for endpoint in monitor.spec.get("endpoints") or []:
                endpoint = endpoint if isinstance(endpoint, dict) else {}
                entry = next((p for p in service.spec.get("ports") or [] if p.get("name") == endpoint.get("port")), None)
                target = entry.get("targetPort", entry.get("port")) if entry else endpoint.get("targetPort")
                port = _port(target, behind) if target is not None else None
                for pod in behind:
                    if port:
                        require(prometheus, pod_endpoint(pod), port, f"Prometheus scrapes {service.ref}", monitor.locate())


def _tracking_database(ctx: Context, view, pods: list[Pod], require: Required) -> None:
    tracking = next((s for s in ctx.platform.services_for(view.name) if s.kind == "tracking"), None)
    if tracking is None or "mlflow-db" not in view.components:
        return
    database = Endpoint(f"{tracking.namespace}/{C.MLFLOW_DB}@{view.name}", view.name, "service", tracking.namespace,
                        {C.CNPG_INSTANCE: C.MLFLOW_DB}, ports=[{"containerPort": C.POSTGRES_PORT, "protocol": "TCP"}])
    for pod in pods:
        if pod.namespace == tracking.namespace and selects({"matchLabels": dict(tracking.pod_labels)}, pod.labels):
            require(pod_endpoint(pod), database, C.POSTGRES_PORT, "MLflow to its database", pod.origin.locate())
