"""One model's data loop as a graph: the tree's objects and actors on it, and the links between them.

The links are read by verify's own readers (loop_serving.py, loop_retraining.py); a link verify finds broken
carries why, a link verify cannot judge (a chart not rendered) says it is not known. Drawn as Mermaid: a broken
or unknown link dashed, with its reason; a node the tree lacks dashed too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlopsgen.escape import mermaid_label
from mlopsgen.platform.model import Environment
from mlopsgen.platform.model_serving import Model
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.context import Context
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.tree import Obj

UNKNOWN = "not known"


@dataclass(frozen=True)
class Node:
    """An object of the tree (`kind`, `namespace/name`) or an actor (Prometheus, a store, a step, an alias)."""
    kind: str
    name: str
    cluster: str = ""  # "" for what lives outside the clusters (a store, a sink)
    missing: bool = False  # the loop needs it and the tree has none

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


def object_node(view: ClusterView, obj: Obj) -> Node:
    return Node(obj.kind, f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name, view.name)


@dataclass(frozen=True)
class Link:
    source: Node
    target: Node
    flow: str  # what flows on it: payloads, scrape, alert, webhook, event, creates Workflow, sets alias, patches
    broken: str = ""  # why it does not work, as verify finds it; UNKNOWN where verify cannot judge it

    def label(self) -> str:
        if not self.broken:
            return self.flow
        return f"{self.flow}: {self.broken if self.broken.startswith(UNKNOWN) else 'BROKEN: ' + self.broken}"


def unknown(why: str) -> str:
    return f"{UNKNOWN}: {why}"


@dataclass
class Loop:
    """Where one model's loop runs: the environment its retraining runs in (else its first environment)."""
    ctx: Context
    model: Model
    env: Environment
    view: ClusterView
    namespace: str
    serving: list[Pod] = field(default_factory=list)  # the model's pods there (one per track)

    def nodes_of_serving(self) -> list[tuple[Node, Pod]]:
        """Each runtime object serving the model there, with one of its pods."""
        seen: dict[Node, Pod] = {}
        for pod in self.serving:
            seen.setdefault(object_node(self.view, pod.origin), pod)
        return sorted(seen.items(), key=lambda item: item[0].name)


def merged(links: list[Link]) -> list[Link]:
    """One link per (source, target, flow), in the order first read; broken where any reading of it is (each
    reason said once)."""
    reasons: dict[tuple[Node, Node, str], list[str]] = {}
    for link in links:
        said = reasons.setdefault((link.source, link.target, link.flow), [])
        if link.broken and link.broken not in said:
            said.append(link.broken)
    # what is known to be broken first: a link broken for one alert is broken, whatever is not known of another
    return [Link(*key, "; ".join(sorted(said, key=lambda r: r.startswith(UNKNOWN)))) for key, said in reasons.items()]


def _cluster_id(name: str) -> str:
    return "cluster_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def mermaid(links: list[Link], several_clusters: bool) -> str:
    """The loop as a Mermaid flowchart. Node ids are positions (n0, n1, ...), never names: no name can break the
    syntax; every label passes through mermaid_label."""
    nodes: dict[Node, str] = {}
    for link in links:
        for node in (link.source, link.target):
            nodes.setdefault(node, f"n{len(nodes)}")

    def declare(node: Node) -> str:
        return f'{nodes[node]}["{mermaid_label(node.label)}"]'

    lines = ["flowchart LR"]
    clusters = sorted({n.cluster for n in nodes if n.cluster}) if several_clusters else []
    for i, cluster in enumerate(clusters):
        lines.append(f'  subgraph {_cluster_id(cluster)}_{i}["cluster {mermaid_label(cluster)}"]')
        lines += [f"    {declare(n)}" for n in nodes if n.cluster == cluster]
        lines.append("  end")
    lines += [f"  {declare(n)}" for n in nodes if n.cluster not in clusters]
    for link in links:
        arrow = "-.->" if link.broken else "-->"
        lines.append(f'  {nodes[link.source]} {arrow}|"{mermaid_label(link.label())}"| {nodes[link.target]}')
    missing = [nodes[n] for n in nodes if n.missing]
    broken = [str(i) for i, link in enumerate(links) if link.broken and not link.broken.startswith(UNKNOWN)]
    if missing:
        lines += ["  classDef missing stroke-dasharray: 5 5", f"  class {','.join(missing)} missing"]
    if broken:
        lines.append(f"  linkStyle {','.join(broken)} stroke:#d73a49")
    return "\n".join(lines) + "\n"
