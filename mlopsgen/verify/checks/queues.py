"""Journey 2, GPU queues: a training pod on a queued pool is admitted by its queue, and a team borrows the GPUs
its cohort leaves idle within the limits, on nodes that exist.

Kueue (the ClusterQueue CRD and Kueue's pod integration): a pod labelled `kueue.x-k8s.io/queue-name` in a
namespace the controller manages is gated until its LocalQueue's ClusterQueue admits it; the ClusterQueue must
select the namespace, cover every resource the pod asks for, and hold its amounts within nominalQuota plus what
it may borrow (borrowingLimit, of what the cohort's other queues lend: lendingLimit, or all their nominal quota).
A pod on a queued pool's nodes without the label bypasses the queues; a LocalQueue naming no ClusterQueue holds
its pods forever. A cohort admits at most the sum of its nominal quotas at once: the pool's nodes must hold it.
With queues, the namespace ResourceQuota (which counts a gated pod at its creation) must not refuse what the
queue admits.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlopsgen.catalog import conventions as C
from mlopsgen.kube.quantities import quantity, show
from mlopsgen.kube.selectors import selects
from mlopsgen.verify.checks.quotas import pod_amounts
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.configured import kueue_config
from mlopsgen.verify.context import Context
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.result import Finding, finding
from mlopsgen.verify.tree import Obj

SLUG = "admission"
GPU = "nvidia.com/gpu"


@dataclass(frozen=True)
class Queue:
    obj: Obj
    flavor: str
    quotas: dict[str, tuple[float, float | None, float | None]]  # resource -> (nominal, borrowingLimit, lendingLimit)

    @property
    def cohort(self) -> str:
        return str(self.obj.spec.get("cohortName") or "")

    def nominal(self, resource: str) -> float:
        return self.quotas.get(resource, (0.0, None, None))[0]

    def lendable(self, resource: str) -> float:
        nominal, _, lending = self.quotas.get(resource, (0.0, None, None))
        return nominal if lending is None else min(lending, nominal)


def _queues(view: ClusterView) -> dict[str, Queue]:
    out = {}
    for cq in view.of_kind("ClusterQueue"):
        for group in cq.spec.get("resourceGroups") or []:
            for flavor in group.get("flavors") or []:
                quotas = {str(r.get("name")): (quantity(r.get("nominalQuota", 0)),
                                               None if r.get("borrowingLimit") is None else quantity(r["borrowingLimit"]),
                                               None if r.get("lendingLimit") is None else quantity(r["lendingLimit"]))
                          for r in flavor.get("resources") or []}
                out[cq.name] = Queue(cq, str(flavor.get("name")), quotas)  # one flavor a queue: the pool's
    return out


def reach(queue: Queue, queues: dict[str, Queue], resource: str) -> float:
    """The most of `resource` the queue admits at once: its nominal quota and what it may borrow of what the other
    queues of its cohort lend while they leave it idle."""
    nominal, borrowing, _ = queue.quotas.get(resource, (0.0, None, None))
    if not queue.cohort:
        return nominal
    lent = sum(q.lendable(resource) for q in queues.values() if q.cohort == queue.cohort and q.obj is not queue.obj)
    return nominal + (lent if borrowing is None else min(borrowing, lent))


def _flavor_of(view: ClusterView, pod: Pod) -> Obj | None:
    """The ResourceFlavor whose nodes the pod's nodeSelector picks."""
    return next((f for f in view.of_kind("ResourceFlavor") if (f.spec.get("nodeLabels") or {})
                 and all(pod.node_selector.get(k) == v for k, v in (f.spec.get("nodeLabels") or {}).items())), None)


def admitted(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for view in ctx.views:
        queues = _queues(view)
        locals_ = {(lq.namespace, lq.name): lq for lq in view.of_kind("LocalQueue")}
        for lq in locals_.values():
            target = str(lq.spec.get("clusterQueue", ""))
            if target not in queues:
                findings.append(finding(SLUG, f"LocalQueue {lq.namespace}/{lq.name} feeds ClusterQueue {target or '(none)'}, "
                                              f"which cluster {view.name} does not have: its pods wait forever",
                                        lq.locate("spec", "clusterQueue"), spec=ctx.team_spec(lq.namespace or ""),
                                        hint="re-render the tree: each LocalQueue names its team's ClusterQueue on the pool"))
        for pod in ctx.pods.get(view.name, []):
            queue_name = pod.labels.get(C.KUEUE_QUEUE_LABEL)
            if queue_name:
                findings += _admits(ctx, view, pod, queue_name, queues, locals_)
                stats["queued pods"] = stats.get("queued pods", 0) + 1
            elif pod.gpus() and (flavor := _flavor_of(view, pod)) is not None:
                findings.append(finding(SLUG, f"{pod.id} asks for {pod.gpus()} GPU(s) on the nodes of ResourceFlavor {flavor.name}, "
                                              f"which Kueue queues, but has no {C.KUEUE_QUEUE_LABEL} label: it bypasses its "
                                              "team's queue and takes GPUs the queues count as free",
                                        pod.origin.locate(*pod.origin_path), spec=ctx.team_spec(pod.namespace, "gpuPools"),
                                        hint="label the pod with its LocalQueue (re-render the tree)"))
    return findings


def _admits(ctx: Context, view: ClusterView, pod: Pod, name: str, queues: dict[str, Queue], locals_: dict) -> list[Finding]:
    where = pod.origin.locate(*pod.origin_path)
    lq = locals_.get((pod.namespace, name))
    if lq is None:
        return [finding(SLUG, f"{pod.id} waits in LocalQueue {name}, which namespace {pod.namespace} does not have: "
                              "Kueue never admits it", where, hint="label the pod with a LocalQueue of its namespace")]
    queue = queues.get(str(lq.spec.get("clusterQueue", "")))
    if queue is None:
        return []  # said of the LocalQueue
    config = kueue_config(view)
    if config is None:
        return [finding(SLUG, f"{pod.id} waits in LocalQueue {name}, but nothing on cluster {view.name} runs Kueue: it is "
                              "never admitted (or, without Kueue's webhook, runs unqueued)", where,
                        hint="queue the pool in the spec (gpuPools[].queueing) so the tree installs Kueue")]
    problems = []
    if "pod" not in (config.get("integrations") or {}).get("frameworks", []):
        problems.append("Kueue's pod integration is off (integrations.frameworks has no \"pod\"): the pod runs unqueued")
    if not selects(config.get("managedJobsNamespaceSelector") or {}, view.namespace_labels(pod.namespace)):
        problems.append(f"Kueue does not manage namespace {pod.namespace} (managedJobsNamespaceSelector): the pod runs unqueued")
    if not selects(queue.obj.spec.get("namespaceSelector"), view.namespace_labels(pod.namespace)):
        problems.append(f"ClusterQueue {queue.obj.name} does not admit namespace {pod.namespace} (its namespaceSelector)")
    flavor = next((f for f in view.of_kind("ResourceFlavor") if f.name == queue.flavor), None)
    if flavor is None:
        problems.append(f"ClusterQueue {queue.obj.name} offers ResourceFlavor {queue.flavor}, which the cluster does not have")
    elif any(pod.node_selector.get(k, v) != v for k, v in (flavor.spec.get("nodeLabels") or {}).items()):
        problems.append(f"its nodeSelector {pod.node_selector} contradicts ResourceFlavor {flavor.name}'s node labels")
    amounts = pod_amounts(ctx, pod)
    for key, need in sorted(amounts.items()):
        resource = key.removeprefix("requests.")
        if not key.startswith("requests.") or not need:
            continue
        if resource not in queue.quotas:
            problems.append(f"it asks for {resource}, which ClusterQueue {queue.obj.name} does not cover")
        elif need > reach(queue, queues, resource) + 1e-9:
            problems.append(f"it asks for {show(key, need)} {resource}, more than ClusterQueue {queue.obj.name} ever "
                            f"admits ({show(key, reach(queue, queues, resource))})")
    if problems:
        return [finding(SLUG, f"{pod.id} is never admitted by its queue {name}: {problems[0]}", where,
                        spec=ctx.team_spec(pod.namespace), hint="re-render the tree, or raise the team's quota in the spec")]
    return _double_block(ctx, view, pod, queue, queues)


def _double_block(ctx: Context, view: ClusterView, pod: Pod, queue: Queue, queues: dict[str, Queue]) -> list[Finding]:
    """The namespace's ResourceQuota must hold every GPU the namespace's queues may admit: it would refuse a pod
    its queue admitted (the quota counts a gated pod at creation)."""
    mine = {str(lq.spec.get("clusterQueue")) for lq in view.of_kind("LocalQueue") if lq.namespace == pod.namespace}
    admits = sum(reach(queues[n], queues, GPU) for n in mine if n in queues)
    findings = []
    for quota in (q for q in view.of_kind("ResourceQuota") if q.namespace == pod.namespace):
        hard = (quota.spec.get("hard") or {}).get(f"requests.{GPU}")
        if hard is not None and quantity(hard) < admits:
            findings.append(finding(SLUG, f"ResourceQuota {quota.namespace}/{quota.name} allows {hard} GPUs, but the queues of "
                                          f"namespace {pod.namespace} may admit {admits:g}: it refuses pods such as "
                                          f"{pod.workload} that their queue admitted", quota.locate("spec", "hard", f"requests.{GPU}"),
                                    spec=ctx.team_spec(pod.namespace), hint="re-render the tree: with queues the quota holds what they admit"))
    return findings


def borrowing(ctx: Context, stats: dict) -> list[Finding]:
    """Each cohort: every queue's lending limit within its nominal quota (Kueue refuses more), and what the cohort
    admits at once (the sum of its nominal quotas; a team borrowing to its limit takes only what others lend) on
    nodes its pool has."""
    findings: list[Finding] = []
    for view in ctx.views:
        queues = _queues(view)
        cohorts: dict[str, list[Queue]] = {}
        for queue in queues.values():
            cohorts.setdefault(queue.cohort or queue.obj.name, []).append(queue)
        for cohort, members in sorted(cohorts.items()):
            for q in members:
                nominal, _, lending = q.quotas.get(GPU, (0.0, None, None))
                if lending is not None and lending > nominal:
                    findings.append(finding(SLUG, f"ClusterQueue {q.obj.name} lends {lending:g} GPUs, more than its nominal "
                                                  f"quota of {nominal:g}: Kueue refuses the queue", q.obj.locate("spec", "resourceGroups"),
                                            hint="a lendingLimit of at most the nominal quota"))
            flavor = next((f for f in view.of_kind("ResourceFlavor") if f.name == members[0].flavor), None)
            labels = (flavor.spec.get("nodeLabels") or {}) if flavor else {}
            pool = next((p for p in ctx.platform.gpu_pools if p.cluster == view.name and labels
                         and all(p.node_labels.get(k) == v for k, v in labels.items())), None)
            if pool is None:
                continue
            total = sum(q.nominal(GPU) for q in members)
            stats["cohorts"] = stats.get("cohorts", 0) + 1
            if total > pool.capacity:
                findings.append(finding(SLUG, f"cohort {cohort} admits {total:g} GPUs at once (its queues' nominal quotas: "
                                              + ", ".join(f"{q.obj.name} {q.nominal(GPU):g}" for q in members)
                                              + f"), but GPU pool {pool.name}'s {pool.nodes} node(s) of {pool.gpus_per_node} hold "
                                              f"{pool.capacity}: admitted pods stay Pending", members[0].obj.locate("spec", "resourceGroups"),
                                        spec=ctx.pool_spec(pool.name), hint="add nodes to the pool, or lower the teams' GPU quotas"))
            for q in members:  # what a team borrowing to its limit holds, beside the others' reserved GPUs
                reserved = sum(o.nominal(GPU) - o.lendable(GPU) for o in members if o is not q)
                if reach(q, queues, GPU) + reserved > pool.capacity:
                    findings.append(finding(SLUG, f"ClusterQueue {q.obj.name} may borrow to {reach(q, queues, GPU):g} GPUs beside "
                                                  f"{reserved:g} the others keep, more than GPU pool {pool.name}'s {pool.capacity}",
                                            q.obj.locate("spec", "resourceGroups"), spec=ctx.pool_spec(pool.name),
                                            hint="lower borrowingLimit in the spec"))
    return findings
