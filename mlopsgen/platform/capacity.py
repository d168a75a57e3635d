"""What a platform runs at once, as pods: the capacity model validate refuses a spec by.

Per team namespace: every model at its minimum replicas on every track (the canary included), one
training run and, where alerts start retraining, the Argo Events pods (catalog/events.py), each pod
with the containers the tree gives it (the model's or the training step's own, the model download,
Argo's executor, the mesh's proxy) counted by the one evaluator of Kubernetes' arithmetic
(kube/capacity.py), under the LimitRange and the ResourceQuota the tree writes. Per GPU pool: every
model replica placed on it and the largest training run beside them. verify counts the same set from
the rendered tree (verify/checks/quotas.py); a test holds the two to the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import events, hardening
from mlopsgen.catalog.modes import MODES
from mlopsgen.catalog.monitors import KSERVE_AGENT_RESOURCES, MONITOR_RESOURCES
from mlopsgen.catalog.runtimes import tracks
from mlopsgen.kube.capacity import ContainerUse, Shortfall, limit_defaults, pod_amounts, pool_overflow, shortfalls
from mlopsgen.kube.quantities import quantity
from mlopsgen.platform.loop_events import runs_events
from mlopsgen.platform.model import Environment, GpuPool, Platform, Quota, Team
from mlopsgen.platform.queues import queued_gpus

ARGO_EXECUTOR = (ContainerUse({}, init=True), ContainerUse({}))  # `init` and `wait`: no resources of their own


def quota_hard(quota: Quota, queued_gpus: int = 0) -> dict[str, str]:
    """The ResourceQuota's `hard` for a team's quota in one environment (the tree writes it so); with GPU queues,
    the GPUs its queues may admit are added (platform/queues.py: the queue is the GPU gate)."""
    return {"requests.cpu": quota.cpu, "requests.memory": quota.memory, "limits.memory": quota.memory,
            "requests.nvidia.com/gpu": str(quota.gpu + queued_gpus)}


def namespace_hard(platform: Platform, team: Team, environment: Environment) -> dict[str, str]:
    return quota_hard(team.quotas[environment.name], queued_gpus(platform, team, environment.cluster))


QUOTA_FIELDS = {"requests.cpu": "cpu", "requests.memory": "memory", "limits.memory": "memory", "requests.nvidia.com/gpu": "gpu"}


@dataclass(frozen=True)
class Running:
    """Pods of one kind that run at once in a namespace."""

    what: str
    containers: tuple[ContainerUse, ...]
    count: int
    gpus: int  # per pod
    pool: str | None  # the GPU pool it runs on
    training: bool = False


def _mesh(environment: Environment, workload_class: str) -> tuple[ContainerUse, ...]:
    """What Istio adds to a meshed pod: the CNI's validation init container, the proxy as a native sidecar
    (validate refuses a provided mesh without either where pods are meshed)."""
    if not MODES[environment.mode(workload_class)].sidecar:
        return ()
    return ContainerUse({}, init=True), ContainerUse(C.MESH_PROXY_RESOURCES, init=True, sidecar=True)


def namespace_runs(platform: Platform, team: Team, environment: Environment) -> list[Running]:
    out = []
    for model in platform.team_models(team.name):
        placement = model.environments.get(environment.name)
        if placement is None:
            continue
        logger = (ContainerUse(KSERVE_AGENT_RESOURCES),) if model.payloads else ()  # KServe's injected agent
        containers = (ContainerUse(hardening.guaranteed(model.cpu, model.memory, model.gpus)),
                      ContainerUse(hardening.MODEL_DOWNLOAD_RESOURCES, init=True), *logger, *_mesh(environment, "inference"))
        for track in tracks(model):
            out.append(Running(f"{model.name} ({track}) x{placement.replicas}", containers, placement.replicas, model.gpus,
                               model.gpu_pool if model.gpus else None))
        for monitor in model.monitors.each() if model.monitors else []:
            out.append(Running(f"{model.name}'s {monitor.kind} monitor",
                               (ContainerUse(MONITOR_RESOURCES), *_mesh(environment, "monitoring")), 1, 0, None))
    pools = platform.team_pools_on(team, environment.cluster)
    gpus = team.training.gpus if pools else 0  # no pool of the team there: the step asks no GPU
    training = (ContainerUse(hardening.guaranteed(team.training.cpu, team.training.memory, gpus)), *ARGO_EXECUTOR,
                *_mesh(environment, "training"))
    out.append(Running("a training run", training, 1, gpus, pools[0].name if gpus else None, training=True))
    if runs_events(platform, team.name, environment.name):  # alerts start retraining, or promotions roll out, here
        trigger = (ContainerUse(events.TRIGGER_POD_RESOURCES),)
        out += [Running("the retraining webhook", trigger, 1, 0, None), Running("the retraining Sensor", trigger, 1, 0, None),
                Running(f"the EventBus x{events.EVENTBUS_REPLICAS}", (ContainerUse(events.EVENTBUS_SERVER_RESOURCES),
                        *[ContainerUse(events.EVENTBUS_SIDECAR_RESOURCES)] * 2), events.EVENTBUS_REPLICAS, 0, None)]
    return out


def container_defaults() -> tuple[dict, dict]:
    return limit_defaults({"limits": [{"type": "Container", **C.CONTAINER_DEFAULTS}]})


def quota_shortfalls(platform: Platform, team: Team, environment: Environment) -> tuple[list[Shortfall], list[Running]]:
    """The quota keys of the team's namespace in `environment` that cannot hold what runs there at once."""
    runs = namespace_runs(platform, team, environment)
    defaults = container_defaults()
    hard = {k: quantity(v) for k, v in namespace_hard(platform, team, environment).items()}
    return shortfalls(hard, [(pod_amounts(r.containers, defaults), r.count) for r in runs]), runs


def pool_overflows(platform: Platform) -> list[tuple[GpuPool, str, list[str]]]:
    """(pool, why, what runs on it) for each GPU pool that cannot hold every model replica placed on it and,
    beside them, the largest training run: serving must run, training runs may wait their turn (Pending
    until GPUs free up) but each must fit beside what serves. A queued pool's training runs are Kueue's to
    admit: its cohort's nominal quotas must fit the pool instead (semantic_queues.py)."""
    on: dict[str, list[tuple[str, int]]] = {}
    training: dict[str, tuple[str, int]] = {}
    for team in platform.teams:
        for environment in platform.team_environments(team):
            for run in namespace_runs(platform, team, environment):
                what = f"{team.name} in {environment.name}: {run.what}"
                if not (run.pool and run.gpus) or (run.training and platform.gpu_pool(run.pool).queueing):
                    continue
                if run.training:
                    if run.gpus > training.get(run.pool, ("", 0))[1]:
                        training[run.pool] = (what, run.gpus)
                else:
                    on.setdefault(run.pool, []).extend([(what, run.gpus)] * run.count)
    out = []
    for pool in platform.gpu_pools:
        pods = on.get(pool.name, []) + ([training[pool.name]] if pool.name in training else [])
        why = pool_overflow(pool.gpus_per_node, pool.nodes, [gpus for _, gpus in pods])
        if why:
            out.append((pool, why, sorted({what for what, _ in pods})))
    return out
