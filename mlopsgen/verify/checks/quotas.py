"""Journey 2, quotas and scheduling: what runs together fits the namespace, pods fit their pool.

- ResourceQuota rejects a pod that would exceed it; a quota on `limits.X`
  rejects containers without a limit on X. A LimitRange's `defaultRequest` /
  `default` fill in containers that state none (injected ones too).
- A pod's effective request is the larger of its largest init container and
  the sum of its other containers (restartable init containers count with them).
- What runs at once (pods must be admitted): every predictor at its minimum
  replicas, canary included, plus a training run.
- A GPU pod schedules only onto nodes that advertise `nvidia.com/gpu` (a device
  plugin runs there), that its nodeSelector matches and whose taints it
  tolerates, and never asks for more GPUs than one node has.
"""

from __future__ import annotations

from mlopsgen.verify.context import Context
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.quantity import parse, show
from mlopsgen.verify.result import Finding, finding

SLUG = "admission"
GPU = "nvidia.com/gpu"


def _defaults(ctx: Context, cluster: str, namespace: str) -> tuple[dict, dict]:
    for lr in ctx.view(cluster).of_kind("LimitRange"):
        if lr.namespace == namespace:
            for limit in lr.spec.get("limits") or []:
                if limit.get("type") == "Container":
                    return dict(limit.get("defaultRequest") or {}), dict(limit.get("default") or {})
    return {}, {}


def container_amounts(resources: dict, defaults: tuple[dict, dict]) -> dict[str, float]:
    requests = dict(resources.get("requests") or {})
    limits = dict(resources.get("limits") or {})
    default_request, default_limit = defaults
    for key, value in default_limit.items():
        limits.setdefault(key, value)
    for key in limits:
        requests.setdefault(key, limits[key])  # requests default to limits
    for key, value in default_request.items():
        requests.setdefault(key, value)
    out = {f"requests.{k}": parse(v) for k, v in requests.items()}
    out.update({f"limits.{k}": parse(v) for k, v in limits.items()})
    return out


def pod_amounts(ctx: Context, pod: Pod) -> dict[str, float]:
    defaults = _defaults(ctx, pod.cluster, pod.namespace)
    regular: dict[str, float] = {}
    init_max: dict[str, float] = {}
    for c in pod.containers:
        amounts = container_amounts(c.resources, defaults)
        target = init_max if c.init and c.name != "istio-proxy" else regular
        for k, v in amounts.items():
            target[k] = max(target.get(k, 0), v) if target is init_max else target.get(k, 0) + v
    return {k: max(regular.get(k, 0), init_max.get(k, 0)) for k in set(regular) | set(init_max)}


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for cluster, pods in ctx.pods.items():
        view = ctx.view(cluster)
        for quota in view.of_kind("ResourceQuota"):
            findings += _quota(ctx, quota, [p for p in pods if p.namespace == quota.namespace])
        for pod in pods:
            findings += _schedule(ctx, pod)
    return findings


def _quota(ctx: Context, quota, pods: list[Pod]) -> list[Finding]:
    hard = {k if "." in k or k == "pods" else f"requests.{k}": parse(v) for k, v in (quota.spec.get("hard") or {}).items()}
    together: dict[str, float] = {}
    running = [(p, p.replicas) for p in pods if p.kind == "model"]
    training = [p for p in pods if p.kind == "workflow" and "training" in p.workload.rsplit("/", 1)[-1]]
    if training:
        running.append((max(training, key=lambda p: pod_amounts(ctx, p).get(f"requests.{GPU}", 0)), 1))
    findings: list[Finding] = []
    for pod, count in running:
        amounts = pod_amounts(ctx, pod)
        defaults = _defaults(ctx, pod.cluster, pod.namespace)
        for key in hard:
            bare = [c.name for c in pod.containers if key.startswith("limits.") and key not in container_amounts(c.resources, defaults)]
            if bare:
                findings.append(finding(SLUG, f"{pod.id}: ResourceQuota {quota.name} limits {key[7:]}, but container {bare[0]} has no "
                                              f"{key[7:]} limit and no LimitRange default: the pod is rejected",
                                        quota.locate("spec", "hard", key), spec=ctx.team_spec(pod.namespace),
                                        hint="give every container a limit, or add a LimitRange default"))
        for key, value in amounts.items():
            together[key] = together.get(key, 0) + value * count
    what = ", ".join(f"{p.workload} x{n}" for p, n in running)
    for key, limit in sorted(hard.items()):
        need = together.get(key, 0)
        if need > limit + 1e-9:
            findings.append(finding(
                SLUG, f"ResourceQuota {quota.namespace}/{quota.name}: {key} {show(key, limit)} is less than the "
                      f"{show(key, need)} that runs together ({what})",
                quota.locate("spec", "hard", key), spec=ctx.team_spec(quota.namespace or ""),
                hint="raise the team's quota for this environment in the spec, or lower replicas or GPUs"))
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
