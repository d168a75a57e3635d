"""The loop's registry path, read as journey MLV014 (promotion) reads it: a person moves the alias the model serves
in MLflow, MLflow delivers the event to the namespace's webhook EventSource (the Job that registered the webhook
beside it), the EventBus carries it to the Sensor, which creates a Workflow from `<model>-promote`: the signature
check, then the rollout of the object serving that alias. Each link is broken where the journey finds it broken."""

from __future__ import annotations

from mlopsgen.verify.checks.alert_retraining import bus_of
from mlopsgen.verify.checks.promotion import SLUG, PromotionCheck
from mlopsgen.verify.loop_graph import Link, Loop, Node, object_node, unknown
from mlopsgen.verify.loop_pipeline import registry_node, rollout_links, served_links
from mlopsgen.verify.promotion_paths import PromotionPath


def _node(loop: Loop, kind: str, name: str) -> Node:
    found = next((o for o in loop.view.of_kind(kind) if o.namespace == loop.namespace and o.name == name), None)
    return object_node(loop.view, found) if found else Node(kind, f"{loop.namespace}/{name}", loop.view.name, True)


def _steps(loop: Loop, path: PromotionPath, template_node: Node, signature: str) -> list[Link]:
    """The template's steps in order, the last into the object its rollout patches; what the journey finds wrong
    with the order (a rollout before the signature check) on the link into the rollout."""
    wt = next((o for o in loop.view.of_kind("WorkflowTemplate") if o.namespace == loop.namespace and o.name == path.template), None)
    if wt is None:
        return []  # the Sensor's link says so
    templates = {str(t.get("name")): t for t in wt.spec.get("templates") or [] if isinstance(t, dict)}
    entry = templates.get(str(wt.spec.get("entrypoint")), {})
    links: list[Link] = []
    before = [template_node]
    for group in entry.get("steps") or []:
        nodes = []
        for step in group if isinstance(group, list) else []:
            local = templates.get(str(step.get("template")), {})
            node = Node("step", f"{path.template}: {step.get('name')}", loop.view.name)
            rolls = (local.get("resource") or {}).get("action") == "patch"
            links += [Link(b, node, "runs" if b.kind == "WorkflowTemplate" else "then", signature if rolls else "")
                      for b in before]
            links += rollout_links(loop, wt, node, local)
            nodes.append(node)
        before = nodes or before
    return links


def promotion_links(loop: Loop) -> list[Link]:
    """Each opted-in model's registry path in the loop's namespace, link by link to the tracks it rolls."""
    links: list[Link] = []
    for path in (p for p in loop.ctx.promotions if p.model == loop.model.name and p.namespace == loop.namespace):
        stats: dict = {}
        check = PromotionCheck(loop.ctx, path, stats, [])
        check.follow()
        broken = {link: "; ".join(reasons) for link, reasons in check.broken.items()}
        unseen = stats.get("not seen", {}).get(SLUG, [])
        registry = registry_node(loop, path.registered, path.alias)
        source = next((o for o in loop.view.of_kind("EventSource")
                       if o.namespace == loop.namespace and o.name == path.event_source), None)
        source_node = _node(loop, "EventSource", path.event_source)
        bus = bus_of(loop.view, source) if source is not None else None
        bus_node = object_node(loop.view, bus) if bus else Node("EventBus", f"{loop.namespace}/default", loop.view.name, True)
        sensor_node = _node(loop, "Sensor", path.sensor)
        template_node = _node(loop, "WorkflowTemplate", path.template)
        delivers = broken.get("delivers", "") or (unknown("; ".join(unseen)) if unseen else "")
        links += [
            Link(_node(loop, "Job", path.job), registry, "registers the webhook (PostSync)", broken.get("registers", "")),
            Link(registry, source_node, "delivers the alias move (signed webhook)", delivers),
            Link(source_node, bus_node, "event"),
            Link(bus_node, sensor_node, "event", broken.get("admits", "")),
            Link(sensor_node, template_node, "creates Workflow", broken.get("creates", "")),
        ]
        steps = _steps(loop, path, template_node, broken.get("signature", ""))
        rollout = broken.get("rollout", "")
        for link in steps:
            if link.target.kind != "step" and rollout:  # the rollout's link: the journey's reasons beside the drawing's
                reasons = [r for r in dict.fromkeys([*link.broken.split("; "), *rollout.split("; ")]) if r]
                link = Link(link.source, link.target, link.flow, "; ".join(reasons))
            links.append(link)
        if rollout and all(link.target.kind == "step" for link in steps):
            links.append(Link(template_node, Node("track", f"{loop.namespace}/(nothing rolled)", loop.view.name, True),
                              "patches", rollout))
        links += served_links(loop, path.registered, path.alias)
    return links
