"""`mlopsgen verify`: prove offline that a rendered tree works and isolates what the spec says.

tree.py / kustomize.py / argocd.py read the tree as Argo CD would apply it;
cluster.py, pods.py, podspec.py and injection.py say what each cluster would run (injected containers
included); flows.py states the intent; netpol.py and istio.py evaluate both
layers; network.py combines them per cluster; checks/ holds one family of
platform checks per module, one journey of the platform per named check;
explain.py, diff.py, connectivity_map.py and report.py present the results.
"""

from __future__ import annotations

from mlopsgen.verify.context import Context
from mlopsgen.verify.result import Report, Verdict


def verify(ctx: Context) -> Report:
    from mlopsgen.verify.checks import JOURNEYS

    stats: dict = {}
    verdicts = []
    for journey in JOURNEYS.values():
        findings = [f for run in journey.runs for f in run(ctx, stats)]
        errors = [f for f in findings if f.severity == "error"]
        reason = journey.proves if not errors else f"{len(errors)} problem{'s' if len(errors) != 1 else ''}: {errors[0].message}"
        verdicts.append(Verdict(journey.slug, journey.number, journey.title, not errors, reason, findings))
    return Report(verdicts, stats.get("required", 0), stats.get("pairs", 0), sorted(set(stats.get("outside", []))))


__all__ = ["Context", "Report", "verify"]
