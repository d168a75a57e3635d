"""Flags GPU quotas that the GPU pools cannot hold.

## What it does
For each cluster, adds up the GPU quotas of every team namespace on it and
compares the sum with the GPUs of the pools on that cluster; and for each team
and environment, compares its quota with the GPUs of the pools the team may
use on that cluster.

## Why is this bad?
A quota above capacity is a promise the cluster cannot keep: jobs admitted by
the quota stay Pending, and teams learn it at the worst moment.

## Example
```yaml
gpuPools: [{name: a10, cluster: main, gpusPerNode: 4, nodes: 2, ...}]   # 8 GPUs
teams:
  - {name: fraud, quotas: {prod: {gpu: 6, ...}}, ...}
  - {name: recsys, quotas: {prod: {gpu: 4, ...}}, ...}                   # 10 in all
```

## Use instead
Lower the quotas, or add nodes to the pools.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.lint.finding import Issue

ID = "MLG030"
SLUG = "gpu-overcommit"
SEVERITY = "warning"
SUMMARY = "team GPU quotas above pool capacity"


def check_spec(spec) -> Iterator[Issue]:
    platform = spec.platform
    teams_index = {t.name: i for i, t in enumerate(platform.teams)}
    for cluster in platform.clusters:
        capacity = sum(p.capacity for p in platform.gpu_pools if p.cluster == cluster.name)
        total, last = 0, None
        for team in platform.teams:
            for env in platform.team_environments(team):
                if env.cluster != cluster.name:
                    continue
                gpus = team.quotas[env.name].gpu
                own = sum(p.capacity for p in platform.team_pools_on(team, cluster.name))
                path = ("teams", teams_index[team.name], "quotas", env.name, "gpu")
                if gpus > own:
                    line, column = spec.position(path)
                    yield Issue(line, column, f"team '{team.name}' may request {gpus} GPUs in '{env.name}'; its pools on '{cluster.name}' hold {own}",
                                "lower the quota or give the team a larger pool")
                if gpus:
                    total, last = total + gpus, path
        if last and total > capacity:
            line, column = spec.position(last)
            yield Issue(line, column, f"GPU quotas on cluster '{cluster.name}' add up to {total}; its pools hold {capacity}",
                        "quotas of all environments on a cluster share its GPUs; lower them or add nodes")
