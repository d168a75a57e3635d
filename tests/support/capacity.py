"""validate's capacity model against verify's count of the rendered tree, namespace by namespace."""

from __future__ import annotations

from mlopsgen.kube.capacity import pod_amounts
from mlopsgen.platform.capacity import container_defaults, namespace_runs
from mlopsgen.verify.checks.quotas import pod_amounts as tree_pod_amounts
from mlopsgen.verify.checks.quotas import running_together


def disagreements(ctx) -> dict[str, dict[str, tuple[float, float]]]:
    """{namespace: {key: (verify's amount, validate's amount)}} wherever the two counts differ."""
    out = {}
    platform = ctx.platform
    for team in platform.teams:
        for env in platform.team_environments(team):
            namespace = team.namespace(env.name)
            tree: dict[str, float] = {}
            for pod, count in running_together(ctx, [p for p in ctx.pods[env.cluster] if p.namespace == namespace],
                                               (env.cluster, namespace)):
                for key, value in tree_pod_amounts(ctx, pod).items():
                    tree[key] = tree.get(key, 0.0) + value * count
            spec: dict[str, float] = {}
            for run in namespace_runs(platform, team, env):
                for key, value in pod_amounts(run.containers, container_defaults()).items():
                    spec[key] = spec.get(key, 0.0) + value * run.count
            differ = {k: (tree.get(k, 0.0), spec.get(k, 0.0)) for k in set(tree) | set(spec)
                      if abs(tree.get(k, 0.0) - spec.get(k, 0.0)) > 1e-6 * max(1.0, abs(tree.get(k, 0.0)))}
            if differ:
                out[namespace] = differ
    return out
