"""Journey 2, quotas and scheduling: what runs together fits the namespace, pods fit their pool.

- ResourceQuota rejects a pod that would exceed it; a quota on `limits.X`
  rejects containers without a limit on X. A LimitRange's `defaultRequest` /
  `default` fill in containers that state none (injected ones too).
- A pod's effective request is the larger of its largest init container and
  the sum of its other containers (restartable init containers count with them).
- What runs at once (pods must be admitted): every predictor at its minimum
  replicas, canary included, plus a training run, plus the pods Argo Events
  runs for the namespace's EventSources, Sensors and EventBuses.
- A GPU pod schedules only onto nodes that advertise `nvidia.com/gpu` (a device
  plugin runs there), that its nodeSelector matches and whose taints it
  tolerates, and never asks for more GPUs than one node has.
"""

from __future__ import annotations

from mlopsgen.kube import capacity
from mlopsgen.kube.capacity import ContainerUse, limit_defaults
from mlopsgen.kube.quantities import quantity, show
from mlopsgen.verify.context import Context
from mlopsgen.verify.event_pods import event_pods
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.result import Finding, finding

SLUG = "admission"
GPU = "nvidia.com/gpu"


def _defaults(ctx: Context, cluster: str, namespace: str) -> tuple[dict, dict]:
    for lr in ctx.view(cluster).of_kind("LimitRange"):
        if lr.namespace == namespace:
            found = limit_defaults(lr.spec)
            if found != ({}, {}):
                return found
    return {}, {}


def pod_amounts(ctx: Context, pod: Pod) -> dict[str, float]:
    return capacity.pod_amounts([ContainerUse(c.resources, c.init, c.sidecar) for c in pod.containers],
                                _defaults(ctx, pod.cluster, pod.namespace))


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for cluster, pods in ctx.pods.items():
        view = ctx.view(cluster)
        for quota in view.of_kind("ResourceQuota"):
            findings += _quota(ctx, cluster, quota, [p for p in pods if p.namespace == quota.namespace])
        for pod in pods:
            findings += _schedule(ctx, pod)
        findings += _pools(ctx, cluster, pods)
    return findings


def _pools(ctx: Context, cluster: str, pods: list[Pod]) -> list[Finding]:
    """Every model replica on the pool its nodeSelector picks, and the largest training run beside them, fit the
    pool's nodes (validate counts the same, platform/capacity.py)."""
    on: dict[str, list[tuple[Pod, int]]] = {}
    training: dict[str, tuple[Pod, int]] = {}
    for namespace in sorted({p.namespace for p in pods}):
        for pod, count in running_together(ctx, [p for p in pods if p.namespace == namespace]):
            pool = next((pool for pool in ctx.platform.gpu_pools if pool.cluster == cluster and pod.gpus()
                         and all(pool.node_labels.get(k) == v for k, v in pod.node_selector.items())), None)
            if pool is None:
                continue
            if pod.kind == "model":
                on.setdefault(pool.name, []).extend([(pod, pod.gpus())] * count)
            elif pod.gpus() > training.get(pool.name, (pod, 0))[1]:  # training runs take turns: the largest
                training[pool.name] = (pod, pod.gpus())
    findings = []
    for pool in ctx.platform.gpu_pools:
        placed = on.get(pool.name, []) + ([training[pool.name]] if pool.name in training else [])
        why = capacity.pool_overflow(pool.gpus_per_node, pool.nodes, [gpus for _, gpus in placed])
        if why:
            first = placed[0][0]
            what = ", ".join(sorted({p.id for p, _ in placed}))
            findings.append(finding(SLUG, f"GPU pool {pool.name} cannot run at once what the tree places on it: {why} ({what})",
                                    first.origin.locate(*first.origin_path), spec=ctx.pool_spec(pool.name),
                                    hint="add nodes to the pool in the spec, or lower replicas or GPUs"))
    return findings


def running_together(ctx: Context, pods: list[Pod], where: tuple[str, str] | None = None) -> list[tuple[Pod, int]]:
    """What a team namespace runs at once: every model pod at its minimum replicas, its monitors, one training run (the
    one asking the most GPUs) and, given its (cluster, namespace), the pods of its Argo Events objects; validate
    counts the same (platform/capacity.py)."""
    running = [(p, p.replicas) for p in pods if p.kind in ("model", "monitor")]
    training = [p for p in pods if p.kind == "workflow" and "training" in p.workload.rsplit("/", 1)[-1]]
    if training:
        running.append((max(training, key=lambda p: pod_amounts(ctx, p).get(f"requests.{GPU}", 0)), 1))
    if where is not None:
        running += event_pods(ctx.view(where[0]), where[1])
    return running


def _quota(ctx: Context, cluster: str, quota, pods: list[Pod]) -> list[Finding]:
    hard = {k: quantity(v) for k, v in (quota.spec.get("hard") or {}).items()}
    running = running_together(ctx, pods, (cluster, quota.namespace or ""))
    findings: list[Finding] = []
    for pod, _ in running:
        defaults = _defaults(ctx, pod.cluster, pod.namespace)
        for key in hard:
            bare = [c.name for c in pod.containers if key.startswith("limits.")
                    and key not in capacity.container_amounts(c.resources, defaults)]
            if bare:
                findings.append(finding(SLUG, f"{pod.id}: ResourceQuota {quota.name} limits {key[7:]}, but container {bare[0]} has no "
                                              f"{key[7:]} limit and no LimitRange default: the pod is rejected",
                                        quota.locate("spec", "hard", key), spec=ctx.team_spec(pod.namespace),
                                        hint="give every container a limit, or add a LimitRange default"))
    what = ", ".join(f"{p.workload} x{n}" for p, n in running)
    for short in capacity.shortfalls(hard, [(pod_amounts(ctx, p), n) for p, n in running]):
        findings.append(finding(
            SLUG, f"ResourceQuota {quota.namespace}/{quota.name}: {short.key} {show(short.key, short.limit)} is less than the "
                  f"{show(short.key, short.need)} that runs together ({what})",
            quota.locate("spec", "hard", short.key), spec=ctx.team_spec(quota.namespace or ""),
            hint=f"raise the team's quota for this environment to at least {show(short.key, short.need)} in the spec, "
                 "or lower replicas or GPUs"))
    return findings


def _schedule(ctx: Context, pod: Pod) -> list[Finding]:
    gpus = pod.gpus()
    if not gpus:
        return []
    where = pod.origin.locate(*pod.origin_path)
    findings = []
    view = ctx.view(pod.cluster)
    if not view.has("nvidia-device-plugin"):
        findings.append(finding(SLUG, f"{pod.id} requests {gpus} GPU(s) but nothing on cluster {pod.cluster} advertises "
                                      f"{GPU} (no NVIDIA device plugin or GPU operator installed or provided)",
                                where, hint="install the nvidia-device-plugin component, or declare it provided by the cluster"))
    pools = [p for p in ctx.platform.gpu_pools if p.cluster == pod.cluster
             and all(p.node_labels.get(k) == v for k, v in pod.node_selector.items())]
    if not pools:
        findings.append(finding(SLUG, f"{pod.id} requests {gpus} GPU(s) but its nodeSelector {pod.node_selector or '{}'} "
                                      f"matches no GPU pool of cluster {pod.cluster}", where,
                                hint="pin GPU pods to a declared pool (nodeSelector = the pool's node labels)"))
    problems = [_pool_problems(pod, gpus, pool) for pool in pools]
    if problems and all(problems):
        findings += [finding(SLUG, message, where, hint=hint) for message, hint in problems[0]]
    return findings


def _pool_problems(pod: Pod, gpus: int, pool) -> list[tuple[str, str]]:
    problems = []
    for t in pool.taints:
        if t.effect in ("NoSchedule", "NoExecute") and not any(
                tol.get("key") == t.key and (tol.get("operator") == "Exists" or tol.get("value") == t.value)
                and tol.get("effect") in (None, t.effect) for tol in pod.tolerations):
            problems.append((f"{pod.id} does not tolerate taint {t.key}={t.value}:{t.effect} of pool {pool.name}",
                             "add the pool's tolerations"))
    if gpus > pool.gpus_per_node:
        problems.append((f"{pod.id} asks for {gpus} GPUs; a node of pool {pool.name} has {pool.gpus_per_node}",
                         "no pod may ask for more GPUs than one node of its pool has"))
    return problems
