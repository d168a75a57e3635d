"""Journey 6: the connectivity the platform needs, and only that, proven at both layers."""

from __future__ import annotations

from mlopsgen.kube import ports as P
from mlopsgen.verify.context import Context
from mlopsgen.verify.explain import allowing_location, blocking_location
from mlopsgen.verify.flows import permitted, required_flows
from mlopsgen.verify.result import Finding, Flow, finding

SLUG = "connectivity"
PREFERRED = [("TCP", 443), ("TCP", 80), ("TCP", 8080), ("TCP", 8000), ("UDP", 53), ("TCP", 53), ("TCP", 5000),
             ("TCP", 15020), ("TCP", 15012), ("TCP", 22)]


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    segments = {e.name: e.segment.cidr for e in ctx.platform.environments if e.segment}
    for net in ctx.networks.values():
        for flow in required_flows(ctx.platform, ctx.intents, net.endpoints):
            stats["required"] = stats.get("required", 0) + 1
            decision = net.decide(flow.src, flow.dst, flow.protocol, flow.port)
            if decision.allowed:
                continue
            where, why = blocking_location(decision, flow.src, flow.dst)
            findings.append(finding(
                SLUG, f"required flow denied ({flow.why}): {flow.src.label} -> {flow.dst.label} {flow.protocol}/{flow.port}: {why}"
                + (f" ({flow.dst.note})" if flow.dst.note and flow.dst.role == "apiserver" else ""),
                where or flow.src.pod.origin.locate() if flow.src.pod else where or _nowhere(ctx),
                hint="allow it explicitly, for exactly this port and peer", spec=ctx.spec_at(*flow.spec_path),
                flow=Flow(flow.src.label, flow.dst.label, flow.protocol, flow.port)))
        for (src_id, dst_id), allowed in net.connections().items():
            stats["pairs"] = stats.get("pairs", 0) + 1
            src, dst = net.by_id[src_id], net.by_id[dst_id]
            if src.host_network or dst.host_network:
                continue  # outside NetworkPolicy: reported once per pod below, never judged as isolated
            excess = P.subtract(allowed, permitted(ctx.intents, src, dst, segments))
            if not excess:
                continue
            protocol, port = P.first_port(excess, PREFERRED) or ("TCP", 0)
            where, why = allowing_location(net.decide(src, dst, protocol, port), src, dst)
            owner = src if src.role == "team" else dst
            findings.append(finding(
                SLUG, f"forbidden flow allowed: {src.label} -> {dst.label} {protocol}/{port} ({P.describe(excess)} in all): {why}",
                where or _nowhere(ctx), hint=_hint(src, dst), spec=ctx.team_spec(owner.namespace or ""),
                flow=Flow(src.label, dst.label, protocol, port)))
        for ep in net.endpoints:
            if ep.host_network and ep.pod:
                stats.setdefault("outside", []).append(ep.label)
                findings.append(finding(
                    SLUG, f"{ep.label} uses the host network: it is outside NetworkPolicy and NOT isolated",
                    ep.pod.origin.locate(*ep.pod.origin_path), severity="warning",
                    hint="declared with a justification; keep the pool dedicated, or hold the pod with a ValidatingAdmissionPolicy",
                    spec=ctx.team_spec(ep.namespace or "")))
    return findings


def _hint(src, dst) -> str:
    if dst.role == "internet":
        return "egress to the internet: declare the external endpoint, or remove the rule that opens it"
    if "unlabelled" in src.id or "unlabelled" in dst.id:
        return "every namespace needs a default deny: pods without mlopsgen's labels must get nothing"
    return "narrow the selector or ports of the allowing rule; declare callers in the spec for model calls"


def _nowhere(ctx: Context):
    from mlopsgen.errors import Location

    return Location(ctx.reader.display("."), 0, 0)
