"""Journey 6 in the platform's own namespaces: the flows the charts' objects say their pods need, derived from
the rendered charts (not from the tree's policies), and a default deny over every pod there.

Where each flow comes from:
- webhooks: every webhook configuration's `clientConfig.service` names a Service and port (443 by default);
  its targetPort on the pods the Service selects must admit the API server, whose source addresses (the
  control plane's) the spec does not declare: a documentation address (203.0.113.10) stands for them;
- the API server: every pod whose service account a (Cluster)RoleBinding of its chart binds talks to it;
- DNS: every pod;
- scrapes: every ServiceMonitor's endpoint on the Services it selects, from Prometheus' pods;
- MLflow to its PostgreSQL (CloudNativePG names the Service <cluster>-rw and labels its pods cnpg.io/cluster).
Only namespaces the tree declares (a Namespace of its own) are judged: elsewhere the cluster owns the policy.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from mlopsgen.kube import ports as P
from mlopsgen.kube.netpol import NetworkPolicies
from mlopsgen.kube.selectors import selects
from mlopsgen.verify.context import Context
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.result import Finding, finding

SLUG = "connectivity"
CONTROL_PLANE = "203.0.113.10"  # RFC 5737: an address outside any cluster, for the undeclared control plane


@dataclass
class Peer:
    id: str
    namespace: str | None
    labels: dict[str, str]
    address: str | None = None
    ports: list[dict] = field(default_factory=list)
    host_network: bool = False


@dataclass
class Required:
    """Checks one required flow against the cluster's NetworkPolicies, counting it and reporting a denial."""

    policies: NetworkPolicies
    findings: list[Finding]
    stats: dict

    def __call__(self, src: Peer, dst: Peer, port: int, why: str, where, protocol: str = "TCP") -> None:
        self.stats["required"] = self.stats.get("required", 0) + 1
        if not P.contains(self.policies.connection(src, dst), protocol, port):
            self.findings.append(finding(SLUG, f"required flow denied ({why}): {src.id} -> {dst.id} {protocol}/{port}", where,
                                         hint="allow it in the namespace's policies (platform-namespaces)"))


def _peer(pod: Pod) -> Peer:
    ports = [p for c in pod.containers for p in c.ports]
    return Peer(pod.id, pod.namespace, pod.labels, None, ports, pod.host_network)


def _port(target, pods: list[Pod]) -> int | None:
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return int(target)
    for pod in pods:
        found = P.named_port([p for c in pod.containers for p in c.ports], str(target), "TCP")
        if found:
            return found
    return None


def run(ctx: Context, stats: dict) -> list[Finding]:
    from mlopsgen.verify.pods import chart_pods

    findings: list[Finding] = []
    for view in ctx.views:
        declared = {o.name for o in view.of_kind("Namespace") if not o.origin}
        pods = [p for p in chart_pods(view) if p.namespace in declared and not p.host_network]
        if not pods:
            continue
        policies = NetworkPolicies(view.of_kind("NetworkPolicy"), view.namespace_labels)
        require = Required(policies, findings, stats)

        for pod in pods:
            where = pod.origin.locate()
            if not policies.selecting(_peer(pod), "Ingress") or not policies.selecting(_peer(pod), "Egress"):
                findings.append(finding(SLUG, f"no default deny selects {pod.id} ({pod.origin.origin}) in both directions: "
                                              "what is not allowed is not denied", where,
                                        hint="a default-deny NetworkPolicy in every platform namespace"))
            dns = Peer("kube-system/kube-dns", "kube-system", {"k8s-app": "kube-dns"}, ports=[{"containerPort": 53, "protocol": "UDP"}])
            require(_peer(pod), dns, 53, "DNS", where, "UDP")
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
    network = ipaddress.ip_network(declared.cidrs[0], strict=False)
    api = Peer("api-server", None, {}, str(next(iter(network.hosts()), network.network_address)))
    for pod in pods:
        if (pod.namespace, pod.service_account) in bound:
            require(_peer(pod), api, declared.port, "to the API server", pod.origin.locate())


def _service_pods(pods: list[Pod], service) -> list[Pod]:
    selector = service.spec.get("selector")
    return [p for p in pods if p.namespace == service.namespace and selector and selects({"matchLabels": selector}, p.labels)]


def _webhooks(view, pods: list[Pod], require: Required) -> None:
    services = {(s.namespace, s.name): s for s in view.of_kind("Service")}
    control_plane = Peer("the API server (control plane)", None, {}, CONTROL_PLANE)
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        for config in view.of_kind(kind):
            for hook in config.data.get("webhooks") or []:
                ref = ((hook if isinstance(hook, dict) else {}).get("clientConfig") or {}).get("service") or {}
                service = services.get((ref.get("namespace"), ref.get("name")))
                if service is None:
                    continue
                backends = _service_pods(pods, service)
                entry = next((p for p in service.spec.get("ports") or [] if p.get("port") == ref.get("port", 443)), None)
                if not backends or entry is None:
                    continue
                port = _port(entry.get("targetPort", entry.get("port")), backends)
                for pod in backends:
                    if port:
                        require(control_plane, _peer(pod), port, f"the API server calls {config.name}", config.locate())


def _scrapes(ctx: Context, view, pods: list[Pod], require: Required) -> None:
    monitoring = next((s for s in ctx.platform.services_for(view.name) if s.kind == "monitoring"), None)
    if monitoring is None:
        return
    prometheus = Peer(f"{monitoring.namespace}/prometheus", monitoring.namespace, dict(monitoring.pod_labels))
    services = [s for s in view.of_kind("Service") if s.namespace in {p.namespace for p in pods}]
    for monitor in view.of_kind("ServiceMonitor"):
        names = (monitor.spec.get("namespaceSelector") or {}).get("matchNames") or [monitor.namespace]
        for service in (s for s in services if s.namespace in names and selects(monitor.spec.get("selector") or {}, s.labels)):
            backends = _service_pods(pods, service)
            for endpoint in monitor.spec.get("endpoints") or []:
                endpoint = endpoint if isinstance(endpoint, dict) else {}
                entry = next((p for p in service.spec.get("ports") or [] if p.get("name") == endpoint.get("port")), None)
                target = entry.get("targetPort", entry.get("port")) if entry else endpoint.get("targetPort")
                port = _port(target, backends) if target is not None else None
                for pod in backends:
                    if port:
                        require(prometheus, _peer(pod), port, f"Prometheus scrapes {service.ref}", monitor.locate())


def _tracking_database(ctx: Context, view, pods: list[Pod], require: Required) -> None:
    tracking = next((s for s in ctx.platform.services_for(view.name) if s.kind == "tracking"), None)
    if tracking is None or "mlflow-db" not in view.components:
        return
    database = Peer(f"{tracking.namespace}/mlflow-db", tracking.namespace, {"cnpg.io/cluster": "mlflow-db"},
                    ports=[{"containerPort": 5432, "protocol": "TCP"}])
    for pod in pods:
        if pod.namespace == tracking.namespace and selects({"matchLabels": dict(tracking.pod_labels)}, pod.labels):
            require(_peer(pod), database, 5432, "MLflow to its database", pod.origin.locate())
