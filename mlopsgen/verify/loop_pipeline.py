"""The loop's pipeline, read as journey MLV009 (retraining) reads it: the WorkflowTemplate's steps in order, the
registry alias the promotion step moves, the tracks that serve that alias, and the object the rollout step patches
(there, patchable by the executor's account, and kept by Argo CD)."""

from __future__ import annotations

from mlopsgen.verify import rbac
from mlopsgen.verify.checks.lifecycle import inside_list, kept_by_argo_cd
from mlopsgen.verify.loop_graph import Link, Loop, Node, object_node
from mlopsgen.verify.loop_retraining import retrains_here, template_name
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.resource_steps import resource_step
from mlopsgen.verify.tree import Obj

PROMOTES = "set_registered_model_alias"  # MLflow's client call that moves an alias (the promote step's code)


def _alias(template: dict) -> tuple[str, str] | None:
    """(registered model, alias) a step's container moves: the arguments after the code that calls MLflow."""
    command = [str(c) for c in ((template.get("container") or {}).get("command") or [])]
    at = next((i for i, part in enumerate(command) if PROMOTES in part), None)
    return (command[at + 1], command[at + 2]) if at is not None and len(command) > at + 2 else None


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def serves(pod: Pod, uri: str) -> bool:
    """Whether the track's pod loads `uri`: its runtime's model URI, or the argument its own initializer downloads
    (a Seldon predictor fetches its version itself)."""
    spec: object = pod.origin.data
    for part in pod.origin_path:
        spec = spec.get(part) if isinstance(spec, dict) else spec[part] if isinstance(spec, list) else None
    return pod.storage_uri == uri or uri in _strings(spec)


def registry_node(loop: Loop, name: str, alias: str) -> Node:
    tracking = [s for s in loop.ctx.platform.services if s.kind == "tracking"]
    here = next((s for s in tracking if s.cluster in (None, loop.view.name)), tracking[0] if tracking else None)
    where = f" ({here.namespace}/{here.name})" if here else ""
    return Node("MLflow alias", f"{name}@{alias}{where}", (here.cluster or loop.view.name) if here else loop.view.name)


def rollout_links(loop: Loop, wt: Obj, step: Node, template: dict) -> list[Link]:
    rs = resource_step(template)
    if rs is None or not rs.name:
        return []
    view, ns = loop.view, loop.namespace
    target = next((o for o in view.objects if o.namespace == ns and rs.addresses(o.group, o.kind, o.name)), None)
    node = object_node(view, target) if target else Node(rs.kind or rs.resource, f"{ns}/{rs.name}", view.name, True)
    pod = next((p for p in loop.ctx.pods[view.name] if p.origin is wt and p.resource_step == rs), None)
    reasons = [] if target else [f"patches {rs.target}, which is not in {ns}"]
    if pod is not None:
        access = rbac.Rbac([o for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding") for o in view.of_kind(k)])
        reasons += [f"{pod.executor_account} may not {v} {rs.target}" for v in rs.verbs
                    if not access.allowed(ns, pod.executor_account, rs.group, rs.resource, v)][:1]
        if rs.group and any(inside_list(p) for p in rs.json_paths) and kept_by_argo_cd(view, wt, pod, rs):
            reasons.append("Argo CD's self-heal undoes the patch")
    return [Link(step, node, "patches (rolls its pods)", "; ".join(reasons))]


def pipeline_links(loop: Loop) -> list[Link]:
    """The template's steps, each after the one before; promotion to the alias; the rollout to its target."""
    if not retrains_here(loop):
        return []
    view, ns = loop.view, loop.namespace
    wt = next((o for o in view.of_kind("WorkflowTemplate") if o.namespace == ns and o.name == template_name(loop)), None)
    if wt is None:
        return []  # the links that should reach it say so
    templates = {str(t.get("name")): t for t in wt.spec.get("templates") or [] if isinstance(t, dict)}
    entry = templates.get(str(wt.spec.get("entrypoint")), {})
    present = {o.name for o in view.of_kind("WorkflowTemplate") if o.namespace == ns}
    links: list[Link] = []
    before = [object_node(view, wt)]
    alias: tuple[str, str] | None = None
    for group in entry.get("steps") or []:
        nodes = []
        for step in group if isinstance(group, list) else []:
            node = Node("step", str(step.get("name")), view.name)
            ref = str((step.get("templateRef") or {}).get("name") or "")
            gone = f"WorkflowTemplate {ref} is not in {ns}" if ref and ref not in present else ""
            links += [Link(b, node, "runs" if b.kind == "WorkflowTemplate" else "then", gone) for b in before]
            local = templates.get(str(step.get("template")), {}) if not ref else {}
            moved = _alias(local)
            if moved:
                alias = moved
                links.append(Link(node, registry_node(loop, *moved), "sets alias (the candidate)"))
            links += rollout_links(loop, wt, node, local)
            nodes.append(node)
        before = nodes or before
    if alias is None:
        links.append(Link(before[-1], Node("MLflow alias", "(no step sets one)", view.name, True), "sets alias",
                          f"no step of {wt.name} promotes the candidate"))
        return links
    return links + served_links(loop, *alias)


def served_links(loop: Loop, name: str, alias: str) -> list[Link]:
    """The alias to the tracks whose pods load it (where none does, that is the break)."""
    registry, uri = registry_node(loop, name, alias), f"models:/{name}@{alias}"
    serving = [node for node, pod in loop.nodes_of_serving() if serves(pod, uri)]
    links = [Link(registry, node, "served (resolved when its pods start)") for node in serving]
    if not serving:
        links.append(Link(registry, Node("track", f"{loop.namespace}/(none serves {uri})", loop.view.name, True), "served",
                          f"no track of {loop.model.name} in {loop.namespace} serves {uri}"))
    return links
