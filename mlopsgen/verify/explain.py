"""Why one flow is allowed or denied: each object and rule at both layers, located."""

from __future__ import annotations

from mlopsgen.errors import Location
from mlopsgen.escape import printable
from mlopsgen.verify.endpoints import Endpoint
from mlopsgen.verify.network import ClusterNetwork, Decision


def _side(direction: str, pod: Endpoint, side: tuple, other: Endpoint) -> list[str]:
    admitted, rules, isolating = side
    verb = "egress" if direction == "Egress" else "ingress"
    if pod.namespace is None:
        return [f"  {verb}: {pod.label} is outside the cluster; no NetworkPolicy applies"]
    if pod.host_network:
        return [f"  {verb}: {pod.label} uses the host network: outside NetworkPolicy (no policy can select it)"]
    if not isolating:
        return [f"  {verb}: allowed: no NetworkPolicy isolates {pod.label} for {verb} (no default deny selects it)"]
    if admitted:
        return [f"  {verb}: allowed by {r} ({r.policy.locate(*r.path)})" for r in rules]
    names = ", ".join(f"{p.name} ({p.locate('spec')})" for p in isolating)
    return [f"  {verb}: DENIED: {pod.label} is isolated for {verb} by {names}; no rule admits {other.label} on this port"]


def blocking_location(decision: Decision, src: Endpoint, dst: Endpoint) -> tuple[Location | None, str]:
    """The object that blocks a denied flow, and how to say so."""
    for side, pod, verb in ((decision.egress, src, "egress"), (decision.ingress, dst, "ingress")):
        admitted, _, isolating = side
        if not admitted and isolating:
            first = isolating[0]
            return first.locate("spec"), f"{pod.label} is isolated for {verb} by NetworkPolicy {first.name} and no rule admits it"
    mesh = decision.mesh
    if mesh is not None and not mesh.allowed:
        where = mesh.policy.locate(*mesh.path) if mesh.policy else None
        name = f"{mesh.policy.kind} {mesh.policy.name}" if mesh.policy else "Istio"
        return where, f"{name}: {mesh.reason}"
    return None, "denied"


def allowing_location(decision: Decision, src: Endpoint, dst: Endpoint) -> tuple[Location | None, str]:
    """The rule that lets an allowed flow through (the destination's ingress rule first: it is the narrower)."""
    for _, rules, _ in (decision.ingress, decision.egress):
        if rules:
            r = rules[0]
            return r.policy.locate(*r.path), f"allowed by {r}"
    pod = dst if not decision.ingress[2] and dst.namespace else src
    where = pod.pod.origin.locate(*pod.pod.origin_path) if pod.pod else None
    return where, f"no NetworkPolicy isolates {pod.label} (no default deny selects it)"


def explain(net: ClusterNetwork, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> tuple[bool, str]:
    d = net.decide(src, dst, protocol, port)
    lines = [f"{src.label} -> {dst.label} {protocol}/{port}: {'ALLOWED' if d.allowed else 'DENIED'}", "NetworkPolicy:"]
    lines += _side("Egress", src, d.egress, dst)
    lines += _side("Ingress", dst, d.ingress, src)
    lines.append("Istio:")
    if not dst.meshed:
        lines.append(f"  {dst.label} has no sidecar: no PeerAuthentication or AuthorizationPolicy applies")
    elif d.mesh is None:
        lines.append("  not reached: the NetworkPolicies deny first" if protocol == "TCP" else "  TCP only")
    else:
        mode, pa = net.mesh.mtls_mode(dst, port)
        lines.append(f"  mTLS {mode}" + (f" ({pa.kind} {pa.namespace}/{pa.name}, {pa.locate('spec')})" if pa else " (no PeerAuthentication)"))
        where = f" ({d.mesh.policy.kind} {d.mesh.policy.namespace}/{d.mesh.policy.name}, {d.mesh.policy.locate(*d.mesh.path)})" \
            if d.mesh.policy else ""
        extra = f"; only requests with a valid JWT from {d.mesh.needs_jwt}" if d.mesh.needs_jwt else ""
        extra += "; only some requests (HTTP conditions)" if d.mesh.conditional else ""
        lines.append(f"  {'ALLOWED' if d.mesh.allowed else 'DENIED'}: {d.mesh.reason}{where}{extra}")
    # each line made printable on its own: a name holding a line break cannot start a line of its own
    return d.allowed, "".join(printable(line) + "\n" for line in lines)


def find_endpoint(nets: dict[str, ClusterNetwork], name: str) -> tuple[ClusterNetwork, Endpoint] | None:
    """`namespace/workload`, a platform endpoint's name (kube-dns, mlflow, internet, api-server), optionally `@cluster`."""
    wanted, _, cluster = name.partition("@")
    for net in nets.values():
        if cluster and net.view.name != cluster:
            continue
        for e in net.endpoints:
            short = e.label.rsplit("/", 1)[-1]
            if wanted in (e.label, short) and (e.role != "team" or "/" in wanted):
                return net, e
    return None


def endpoint_names(nets: dict[str, ClusterNetwork]) -> list[str]:
    return sorted({e.id for n in nets.values() for e in n.endpoints})
