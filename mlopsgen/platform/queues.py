"""GPU queues: what Kueue admits on a pool whose spec says `queueing.mode: kueue`, for render, validate and verify.

Each queued pool is a cohort (named after the pool) of one ClusterQueue per team that has the pool among its
`gpuPools` and an environment on the pool's cluster. A team's queue holds, as nominal quota on the pool's
ResourceFlavor, the team's quotas of its environments on that cluster (GPUs, CPU, memory: Kueue admits a pod
only if its ClusterQueue covers every resource the pod asks for). Kueue's arithmetic (the ClusterQueue CRD,
spec.resourceGroups[].flavors[].resources[]): a queue uses at most nominalQuota + borrowingLimit, borrowing only
what the cohort's other queues leave idle and may lend (lendingLimit; null: all of their nominal quota); so a
cohort admits at most the sum of its nominal quotas at once, which the pool's nodes must hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlopsgen.catalog import conventions as C
from mlopsgen.kube.quantities import quantity, show_cpu, show_memory
from mlopsgen.platform.model import GpuPool, Platform, Team


@dataclass(frozen=True)
class TeamQueue:
    team: str
    pool: GpuPool
    namespaces: tuple[str, ...]  # the team's namespaces on the pool's cluster: each has a LocalQueue named `pool`
    gpus: int  # nominal quota
    cpu: float
    memory: float
    borrowing_limit: int | None
    lending_limit: int | None  # at most the nominal quota (Kueue refuses a larger one)

    @property
    def name(self) -> str:
        return C.cluster_queue_name(self.team, self.pool.name)

    @property
    def lendable(self) -> int:
        return self.gpus if self.lending_limit is None else self.lending_limit

    def resources(self) -> list[dict]:
        """The ClusterQueue's resources on the pool's flavor (limits on GPUs only: CPU and memory stay bounded by
        the team namespaces' ResourceQuotas)."""
        gpu: dict = {"name": "nvidia.com/gpu", "nominalQuota": self.gpus}
        if self.borrowing_limit is not None:
            gpu["borrowingLimit"] = self.borrowing_limit
        if self.lending_limit is not None:
            gpu["lendingLimit"] = self.lending_limit
        return [{"name": "cpu", "nominalQuota": show_cpu(self.cpu)}, {"name": "memory", "nominalQuota": show_memory(self.memory)}, gpu]


def queued_pools(platform: Platform, cluster: str | None = None) -> list[GpuPool]:
    return [p for p in platform.gpu_pools if p.queueing and cluster in (None, p.cluster)]


def team_queues(platform: Platform, pool: GpuPool) -> list[TeamQueue]:
    """The ClusterQueues of a queued pool's cohort, one per team on it, in the spec's team order."""
    assert pool.queueing is not None
    out = []
    for team in platform.teams:
        envs = [e for e in platform.team_environments(team) if e.cluster == pool.cluster]
        if pool.name not in team.gpu_pools or not envs:
            continue
        quotas = [team.quotas[e.name] for e in envs]
        gpus = sum(q.gpu for q in quotas)
        lending = pool.queueing.lending_limit
        out.append(TeamQueue(team.name, pool, tuple(team.namespace(e.name) for e in envs), gpus,
                             sum(quantity(q.cpu) for q in quotas), sum(quantity(q.memory) for q in quotas),
                             pool.queueing.borrowing_limit, None if lending is None else min(lending, gpus)))
    return out


def reach(queue: TeamQueue, cohort: list[TeamQueue]) -> int:
    """The most GPUs the queue admits at once: its nominal quota, and what it may borrow of what the others lend
    while they leave it idle."""
    lent = sum(q.lendable for q in cohort if q.name != queue.name)
    borrow = lent if queue.borrowing_limit is None else min(queue.borrowing_limit, lent)
    return queue.gpus + borrow


def training_queue(platform: Platform, team: Team, cluster: str) -> str | None:
    """The LocalQueue the team's training pods on `cluster` wait in: its training pool's (the first of its pools
    there), where that pool is queued."""
    pools = platform.team_pools_on(team, cluster)
    if not pools or not team.training.gpus or not pools[0].queueing:
        return None
    return pools[0].name


def queued_gpus(platform: Platform, team: Team, cluster: str) -> int:
    """What the team's queues on the cluster may admit at most: added to its namespaces' GPU quota there, so that
    the ResourceQuota never refuses a pod its queue admitted (the queue is the GPU gate; a ResourceQuota counts a
    gated pod already, at creation)."""
    total = 0
    for pool in queued_pools(platform, cluster):
        cohort = team_queues(platform, pool)
        total += sum(reach(q, cohort) for q in cohort if q.team == team.name)
    return total
