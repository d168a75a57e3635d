"""GPU queues (gpuPools[].queueing): what the schema cannot say of a queued pool, refused at the node that says it.

Kueue admits training pods through the teams' queues; serving replicas are not queued (they must run, not wait
their turn), and a cohort admits at most its queues' nominal quotas at once (platform/queues.py), which the
pool's nodes must hold.
"""

from __future__ import annotations

from mlopsgen.platform.build import build_platform
from mlopsgen.platform.checker import Checker
from mlopsgen.platform.queues import queued_pools, team_queues


def _limits_need_queues(check: Checker) -> None:
    """borrowingLimit and lendingLimit are limits of Kueue's cohorts: they say nothing to a pool bounded by
    namespace quotas."""
    for i, pool in enumerate(check.data.get("gpuPools", [])):
        queueing = pool.get("queueing") or {}
        if queueing.get("mode", "namespaceQuota") == "kueue":
            continue
        for key in ("borrowingLimit", "lendingLimit"):
            if key in queueing:
                check.fail(("gpuPools", i, "queueing", key), f"{key} on GPU pool '{pool['name']}', whose GPUs namespace quotas "
                           "bound: only Kueue's queues borrow and lend", "set queueing.mode: kueue, or remove the limit")


def _models_stay_off_queued_pools(check: Checker) -> None:
    """No model is placed on a queued pool: Kueue would hold its replicas Pending while training runs take the
    GPUs, or (unlabelled) they would take GPUs the queues count as free."""
    queued = {p["name"] for p in check.data.get("gpuPools", []) if (p.get("queueing") or {}).get("mode") == "kueue"}
    for i, model in enumerate(check.data.get("models", [])):
        if model.get("gpuPool") in queued:
            check.fail(("models", i, "gpuPool"), f"model '{model['name']}' is placed on GPU pool '{model['gpuPool']}', whose GPUs "
                       "Kueue queues for training", "place serving on a pool without queueing (namespaceQuota)")


def _cohorts_fit_their_pools(check: Checker) -> None:
    """A queued pool holds what its cohort admits at once: the sum of its teams' nominal GPU quotas (each team's
    GPU quota in its environments on the pool's cluster); more, and admitted pods stay Pending."""
    platform = build_platform(check.data, str(check.doc.file))
    index = {p["name"]: i for i, p in enumerate(check.data["gpuPools"])}
    for pool in queued_pools(platform):
        queues = team_queues(platform, pool)
        total = sum(q.gpus for q in queues)
        if total > pool.capacity:
            shares = ", ".join(f"{q.team} {q.gpus}" for q in queues)
            check.fail(("gpuPools", index[pool.name], "nodes"),
                       f"GPU pool '{pool.name}' queues {total} GPUs at once (its teams' GPU quotas on cluster '{pool.cluster}': "
                       f"{shares}), but its {pool.nodes} node(s) of {pool.gpus_per_node} hold {pool.capacity}",
                       "add nodes to the pool, or lower the teams' GPU quotas in its cluster's environments")


QUEUE_RULES = (_limits_need_queues, _models_stay_off_queued_pools)
QUEUE_CAPACITY_RULES = (_cohorts_fit_their_pools,)
