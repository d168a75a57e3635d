"""The allowed connectivity, grouped: team namespaces and the platform's endpoints, edges labelled with ports."""

from __future__ import annotations

import re

from mlopsgen.escape import dot_string, mermaid_label
from mlopsgen.kube import ports as P
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import Endpoint

Edges = dict[tuple[str, str, str], P.PortSet]  # (cluster, source group, destination group) -> ports


def group_of(ep: Endpoint) -> str:
    if ep.role == "team":
        return ep.namespace or "?"
    return ep.label.rsplit("/", 1)[-1]


def connectivity(ctx: Context) -> dict[tuple[str, str, str, str], P.PortSet]:
    """Every allowed connection: (cluster, team namespace it concerns, source, destination) -> ports."""
    out = {}
    for cluster, net in ctx.networks.items():
        for (s, d), ports in net.connections().items():
            src, dst = net.by_id[s], net.by_id[d]
            team = src if src.role == "team" else dst
            out[(cluster, team.namespace or "", src.label, dst.label)] = ports
    return out


def edges(ctx: Context) -> Edges:
    grouped: Edges = {}
    for cluster, net in ctx.networks.items():
        for (s, d), ports in net.connections().items():
            src, dst = net.by_id[s], net.by_id[d]
            if src.host_network or dst.host_network:
                continue
            key = (cluster, group_of(src), group_of(dst))
            if key[1] == key[2]:
                continue
            grouped[key] = P.union(grouped.get(key, P.NONE), ports)
    return dict(sorted(grouped.items()))


def _node(cluster: str, name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{cluster}__{name}")


def mermaid(ctx: Context) -> str:
    e = edges(ctx)
    lines = ["flowchart LR"]
    for view in ctx.views:
        nodes = sorted({g for (c, s, d) in e if c == view.name for g in (s, d)})
        lines.append(f'  subgraph {_node(view.name, "cluster")}["cluster {mermaid_label(view.name)}"]')
        lines += [f'    {_node(view.name, n)}["{mermaid_label(n)}"]' for n in nodes]
        lines.append("  end")
    lines += [f'  {_node(c, s)} -->|"{P.describe(p)}"| {_node(c, d)}' for (c, s, d), p in e.items()]
    return "\n".join(lines) + "\n"


def dot(ctx: Context) -> str:
    e = edges(ctx)
    lines = ["digraph connectivity {", "  rankdir=LR;", "  node [shape=box];"]
    for view in ctx.views:
        nodes = sorted({g for (c, s, d) in e if c == view.name for g in (s, d)})
        lines.append(f'  subgraph "cluster_{dot_string(view.name)}" {{')
        lines.append(f'    label="cluster {dot_string(view.name)}";')
        lines += [f'    "{_node(view.name, n)}" [label="{dot_string(n)}"];' for n in nodes]
        lines.append("  }")
    lines += [f'  "{_node(c, s)}" -> "{_node(c, d)}" [label="{P.describe(p)}"];' for (c, s, d), p in e.items()]
    lines.append("}")
    return "\n".join(lines) + "\n"


MAPS = {"mermaid": mermaid, "dot": dot}
