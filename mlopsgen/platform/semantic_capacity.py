"""Quotas and GPUs: what the spec runs in a namespace at once must fit its quota, and pods their nodes.

ResourceQuota rejects a pod that would exceed it, and a pod asking more GPUs than
one node has never schedules. In each team namespace at once: every model's
minimum replicas on every track (the canary included) and one training run.
Meshed pods also carry the Istio sidecar, whose requests count against the quota.
"""

from __future__ import annotations

from mlopsgen.catalog.modes import MODES
from mlopsgen.platform.checker import Checker
from mlopsgen.platform.quantities import quantity, show_cpu, show_memory

SIDECAR = {"cpu": 0.1, "memory": 128 * 2**20}  # Istio's default proxy requests (values.global.proxy.resources)


def _pools(check: Checker) -> dict[str, dict]:
    return {p["name"]: p for p in check.data["gpuPools"]}


def _training_pool(team: dict, cluster: str, pools: dict[str, dict]) -> dict | None:
    return next((pools[p] for p in team["gpuPools"] if p in pools and pools[p]["cluster"] == cluster), None)


def _gpus_fit_a_node(check: Checker) -> None:
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


def _demand(check: Checker, team: dict, env: dict) -> dict[str, float]:
    """cpu (cores), memory (bytes) and GPUs of what runs in the team's namespace of `env` at once."""
    total = {"cpu": 0.0, "memory": 0.0, "gpu": 0.0}
    meshed = MODES[env["network"]["inference"]].sidecar
    for model in check.data["models"]:
        placement = model["environments"].get(env["name"])
        if model["team"] != team["name"] or placement is None:
            continue
        pods = placement["replicas"] * (2 if model.get("canary") else 1)
        total["cpu"] += pods * (quantity(model["resources"]["cpu"]) + (SIDECAR["cpu"] if meshed else 0))
        total["memory"] += pods * (quantity(model["resources"]["memory"]) + (SIDECAR["memory"] if meshed else 0))
        total["gpu"] += pods * model["resources"]["gpus"]
    training = team["training"]
    sidecar = MODES[env["network"]["training"]].sidecar
    total["cpu"] += quantity(training["cpu"]) + (SIDECAR["cpu"] if sidecar else 0)
    total["memory"] += quantity(training["memory"]) + (SIDECAR["memory"] if sidecar else 0)
    if _training_pool(team, env["cluster"], _pools(check)):
        total["gpu"] += training["gpus"]
    return total


def _quotas_hold_what_runs(check: Checker) -> None:
    envs = {e["name"]: e for e in check.data["environments"]}
    show = {"cpu": show_cpu, "memory": show_memory, "gpu": lambda n: f"{n:g}"}
    for i, team in enumerate(check.data["teams"]):
        for env_name, quota in team["quotas"].items():
            if env_name not in envs:
                continue  # reported as an unknown environment
            demand = _demand(check, team, envs[env_name])
            for resource, needed in demand.items():
                limit = quota[resource] if resource == "gpu" else quantity(quota[resource])
                if needed > limit:
                    check.fail(("teams", i, "quotas", env_name, resource),
                               f"quota {resource} {show[resource](limit)} in '{env_name}' cannot hold what runs there at once: "
                               f"{show[resource](needed)} (every model's minimum replicas, canaries included, and one training run)",
                               f"raise it to at least {show[resource](needed)}, or lower replicas or training.{resource}s"
                               if resource == "gpu" else f"raise it to at least {show[resource](needed)}")


CAPACITY_RULES = (_gpus_fit_a_node, _quotas_hold_what_runs)
