"""Quotas and GPUs: what the spec runs at once must fit its namespace's quota and its GPU pool, and pods their nodes.

ResourceQuota rejects a pod that would exceed it, a pod asking more GPUs than
one node has never schedules, and pods a pool cannot hold stay Pending. What runs
at once, with every container the tree adds, is platform/capacity.py's model,
counted by the evaluator verify uses too.
"""

from __future__ import annotations

from mlopsgen.kube.capacity import Shortfall
from mlopsgen.kube.quantities import show
from mlopsgen.platform.build import build_platform
from mlopsgen.platform.capacity import QUOTA_FIELDS, pool_overflows, quota_shortfalls
from mlopsgen.platform.checker import Checker
from mlopsgen.platform.model import Platform
from mlopsgen.platform.semantic_queues import QUEUE_CAPACITY_RULES


def _pools(check: Checker) -> dict[str, dict]:
    return {p["name"]: p for p in check.data["gpuPools"]}


def _training_pool(team: dict, cluster: str, pools: dict[str, dict]) -> dict | None:
    return next((pools[p] for p in team["gpuPools"] if p in pools and pools[p]["cluster"] == cluster), None)


def _gpus_fit_a_node(check: Checker) -> None:
    """No pod asks for more GPUs than one node of its pool has: a pod runs on one node, and such a pod never
    schedules."""
    pools = _pools(check)
    for i, model in enumerate(check.data["models"]):
        pool = pools.get(model.get("gpuPool", ""))
        gpus = model["resources"]["gpus"]
        if pool and gpus > pool["gpusPerNode"]:
            check.fail(("models", i, "resources", "gpus"), f"{gpus} GPUs per replica, but a node of pool '{pool['name']}' has {pool['gpusPerNode']}",
                       "a pod runs on one node: ask for at most gpusPerNode")
    clusters = {e["name"]: e["cluster"] for e in check.data["environments"]}
    for i, team in enumerate(check.data["teams"]):
        gpus = team["training"]["gpus"]
        for cluster in sorted({clusters[e] for e in team["quotas"] if e in clusters}):
            pool = _training_pool(team, cluster, pools)
            if pool and gpus > pool["gpusPerNode"]:
                check.fail(("teams", i, "training", "gpus"), f"training asks {gpus} GPUs, but a node of pool '{pool['name']}' has {pool['gpusPerNode']}",
                           "a training pod runs on one node: ask for at most gpusPerNode")
                break


def _quotas_hold_what_runs(check: Checker, platform: Platform) -> None:
    teams = {t["name"]: i for i, t in enumerate(check.data["teams"])}
    for team in platform.teams:
        for environment in platform.team_environments(team):
            short, runs = quota_shortfalls(platform, team, environment)
            by_field: dict[str, Shortfall] = {}
            for s in short:  # memory is both requests.memory and limits.memory: the larger need decides
                field = QUOTA_FIELDS[s.key]
                if field not in by_field or s.need > by_field[field].need:
                    by_field[field] = s
            what = ", ".join(r.what for r in runs)
            for field, s in by_field.items():
                check.fail(("teams", teams[team.name], "quotas", environment.name, field),
                           f"quota {field} {show(s.key, s.limit)} in '{environment.name}' cannot hold what runs there at once: "
                           f"{s.key} {show(s.key, s.need)} ({what}; with the containers the tree adds to each pod)",
                           f"raise it to at least {show(s.key, s.need)}" + (", or lower replicas or training.gpus" if field == "gpu" else ""))


def _pools_hold_what_runs(check: Checker, platform: Platform) -> None:
    pools = {p["name"]: i for i, p in enumerate(check.data["gpuPools"])}
    for pool, why, what in pool_overflows(platform):
        check.fail(("gpuPools", pools[pool.name], "nodes"),
                   f"GPU pool '{pool.name}' cannot run at once what the spec places on it: {why} ({'; '.join(what[:4])}"
                   f"{'; ...' if len(what) > 4 else ''})",
                   "add nodes to the pool, or lower model replicas, GPUs per replica or training.gpus")


def _capacity(check: Checker) -> None:
    """What runs at once in each team namespace (every model's minimum replicas on every track, one training
    run, with the containers the tree adds to each pod) fits the namespace's quota, and each GPU pool holds
    every model replica placed on it with the largest training run beside them (training runs may take
    turns): the quota would refuse the pods, the pool leave a replica Pending or never run a training."""
    platform = build_platform(check.data, str(check.doc.file))
    _quotas_hold_what_runs(check, platform)
    _pools_hold_what_runs(check, platform)


CAPACITY_RULES = (_gpus_fit_a_node, _capacity, *QUEUE_CAPACITY_RULES)
