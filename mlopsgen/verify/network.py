"""One cluster's network: its endpoints, and both layers evaluated for any flow.

A flow is allowed when the NetworkPolicies admit it (source egress and
destination ingress) and, for a destination with a sidecar, Istio authorizes
it. `connections()` finds every allowed connection with a team pod on one side,
looking only at candidates the source's egress rules can name, so a large
tree costs what its policies say, not the square of its pods.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from mlopsgen.catalog import conventions as C
from mlopsgen.kube import ports as P
from mlopsgen.kube.istio import MeshPolicies
from mlopsgen.kube.istio import Verdict as MeshVerdict
from mlopsgen.kube.netpol import NetworkPolicies, RuleRef, in_block
from mlopsgen.platform.model import Platform
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.configured import trust_domain
from mlopsgen.verify.endpoints import (
    API_SERVER_UNDECLARED,
    PUBLIC_PROBE,
    Endpoint,
    external_endpoint,
    peer_endpoint,
    pod_endpoint,
    unlabelled_endpoint,
)
from mlopsgen.verify.podspec import Pod


def api_server(platform: Platform, cluster: str) -> tuple[tuple[str, ...], int | None]:
    """The control plane's addresses and port the spec declares for a cluster (none: unknown to policies)."""
    declared = platform.cluster(cluster).api_server
    return (declared.cidrs, declared.port) if declared else ((), None)


def gateway_identity(platform: Platform, view: ClusterView) -> tuple[str, str, dict]:
    """The ingress gateway's namespace, service account and pod labels.

    Where the tree installs it, as its rendered Deployment runs it; where its chart was not rendered, from the
    release: Istio's gateway chart names the ServiceAccount after the release (unless serviceAccount.name) and
    labels pods `istio: <release without istio->`. Where the cluster provides it, as the spec declares it.
    """
    from mlopsgen.verify.configured import gateway_identity as rendered_identity

    app = view.components.get("istio-ingressgateway")
    found = rendered_identity(view)
    if app and found:
        return app.namespace, found[0], found[1]
    if app and app.charts:
        chart = app.charts[0]
        release = str(chart.values.get("name") or chart.release)
        name = str((chart.values.get("serviceAccount") or {}).get("name") or release)
        labels = dict(chart.values.get("labels") or {}) or {"istio": release.removeprefix("istio-")}
        return app.namespace, name, labels
    declared = platform.cluster(view.name).ingress_gateway
    return declared.namespace, declared.service_account, dict(declared.labels)


def _first_address(cidr: str) -> str:
    import ipaddress

    network = ipaddress.ip_network(cidr, strict=False)
    return str(next(iter(network.hosts()), network.network_address))


def platform_endpoints(platform: Platform, view: ClusterView) -> list[Endpoint]:
    name = view.name
    namespace, account, labels = gateway_identity(platform, view)
    gateway = peer_endpoint(name, "gateway", "ingress-gateway", C.peer(namespace, labels), meshed=True,
                            service_account=account)
    eps = [peer_endpoint(name, "dns", "kube-dns", C.DNS_PEER, ports=[{"containerPort": 53}]),
           peer_endpoint(name, "istiod", "istiod", C.ISTIOD_PEER, ports=[{"containerPort": C.ISTIOD_XDS_PORT}]),
           gateway]
    local = platform.services_for(name)
    for s in platform.services:
        if s not in local and s.published and s.published.cidrs:
            ep = external_endpoint(name, "published", f"{s.name}-published", _first_address(s.published.cidrs[0]), s.kind)
            ep.ports = [{"containerPort": s.published.port}]
            eps.append(ep)
    for s in local:
        eps.append(peer_endpoint(name, "service", s.name, C.peer(s.namespace, s.pod_labels),
                                 ports=[{"containerPort": s.pod_port, "protocol": "TCP"}], note=s.kind))
    server = urlsplit(platform.cluster(name).server)
    cidrs, port = api_server(platform, name)
    import ipaddress

    address = _first_address(cidrs[0]) if cidrs else API_SERVER_UNDECLARED
    api = external_endpoint(name, "apiserver", "api-server", address,
                            "" if cidrs else "the spec declares no API server address for this cluster")
    api.ports = [{"containerPort": port or server.port or 443}]
    eps.append(api)
    eps.append(external_endpoint(name, "internet", "internet", PUBLIC_PROBE))
    for external in platform.externals:  # each declared destination outside, at an address of its ranges
        ep = external_endpoint(name, "external", f"external-{external.name}", _first_address(external.cidrs[0]), external.name)
        ep.ports = [{"containerPort": external.port}]
        eps.append(ep)
    for env in platform.environments:
        if env.cluster == name and env.segment:
            net = ipaddress.ip_network(env.segment.cidr, strict=False)
            eps.append(external_endpoint(name, "segment", f"segment-{env.name}", str(net.network_address + 7), env.segment.cidr))
    return eps


@dataclass
class Decision:
    allowed: bool
    egress: tuple[bool, list[RuleRef], list]  # (admitted, rules, isolating policies)
    ingress: tuple[bool, list[RuleRef], list]
    mesh: MeshVerdict | None  # None: the destination has no sidecar, or the NetworkPolicies already deny


class ClusterNetwork:
    def __init__(self, platform: Platform, view: ClusterView, pods: list[Pod]):
        self.view = view
        team_namespaces = sorted(t.namespace(e.name) for t in platform.teams for e in platform.team_environments(t)
                                 if e.cluster == view.name)
        self.endpoints = ([pod_endpoint(p) for p in pods] + [unlabelled_endpoint(view.name, ns) for ns in team_namespaces]
                          + platform_endpoints(platform, view))
        domain = trust_domain(view, platform.cluster(view.name).ingress_gateway.trust_domain)
        for endpoint in self.endpoints:
            endpoint.trust_domain = domain
        self.by_id = {e.id: e for e in self.endpoints}
        self.netpol = NetworkPolicies([o for o in view.objects if o.kind == "NetworkPolicy"], view.namespace_labels)
        self.mesh = MeshPolicies.of(view.objects)
        self._by_namespace: dict[str | None, list[Endpoint]] = {}
        for e in self.endpoints:
            self._by_namespace.setdefault(e.namespace, []).append(e)
        self._mesh_ports = sorted({int(str(p)) for a in self.mesh.authorization_policies for r in a.spec.get("rules") or []
                                   for t in (r or {}).get("to") or [] for key in ("ports", "notPorts")
                                   for p in (t.get("operation") or {}).get(key) or [] if str(p).isdigit()})

    def decide(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> Decision:
        egress_ports, egress_rules, egress_iso = self.netpol.side(src, dst, "Egress", dst)
        ingress_ports, ingress_rules, ingress_iso = self.netpol.side(dst, src, "Ingress", dst)
        e_ok = P.contains(egress_ports, protocol, port)
        i_ok = P.contains(ingress_ports, protocol, port)
        egress = (e_ok, [r for r in egress_rules if P.contains(_rule_ports(self, r, dst), protocol, port)], egress_iso)
        ingress = (i_ok, [r for r in ingress_rules if P.contains(_rule_ports(self, r, dst), protocol, port)], ingress_iso)
        mesh = None
        if e_ok and i_ok and dst.meshed and protocol == "TCP":
            mesh = self.mesh.authorize(src, dst, port)
        return Decision(e_ok and i_ok and (mesh is None or mesh.allowed), egress, ingress, mesh)

    def _mesh_filter(self, src: Endpoint, dst: Endpoint, ports: P.PortSet) -> P.PortSet:
        """Istio decides per port, and only ports its policies name behave differently from the rest."""
        keep: set = set()
        for protocol, lo, hi in ports:
            if protocol != "TCP":
                keep.add((protocol, lo, hi))
                continue
            named = [p for p in self._mesh_ports + sorted({15020, 15021, 15090}) if lo <= p <= hi]
            for p in named:
                if self.mesh.authorize(src, dst, p).allowed:
                    keep.add((protocol, p, p))
            rest = next((p for p in range(lo, hi + 1) if p not in named), None)  # stands for every unnamed port
            if rest is not None and self.mesh.authorize(src, dst, rest).allowed:
                keep |= set(P.subtract(frozenset({(protocol, lo, hi)}), frozenset((protocol, p, p) for p in named)))
        return P.normalize(frozenset(keep))

    def connection(self, src: Endpoint, dst: Endpoint) -> P.PortSet:
        ports = self.netpol.connection(src, dst)
        if ports and dst.meshed:
            ports = self._mesh_filter(src, dst, ports)
        return ports

    def candidates(self, src: Endpoint) -> list[Endpoint]:
        unrestricted, blocks, namespaces = self.netpol.egress_may_reach(src)
        if unrestricted or "*" in namespaces:
            return self.endpoints
        found: dict[str, Endpoint] = {}
        for ns in namespaces:
            for e in self._by_namespace.get(ns, []):
                found[e.id] = e
        for block in blocks:
            for e in self.endpoints:
                if e.address and in_block(e.address, block):
                    found[e.id] = e
        return list(found.values())

    def connections(self) -> dict[tuple[str, str], P.PortSet]:
        """Every allowed (src, dst) with a team pod on one side, and the ports allowed."""
        out: dict[tuple[str, str], P.PortSet] = {}
        for src in self.endpoints:
            for dst in self.candidates(src):
                if dst is src or (src.role != "team" and dst.role != "team"):
                    continue
                ports = self.connection(src, dst)
                if ports:
                    out[(src.id, dst.id)] = ports
        return dict(sorted(out.items()))


def _rule_ports(net: ClusterNetwork, ref: RuleRef, dst: Endpoint) -> P.PortSet:
    rule = (ref.policy.spec.get("ingress" if ref.direction == "Ingress" else "egress") or [])[ref.index]
    return P.rule_ports(rule.get("ports"), dst.ports)
