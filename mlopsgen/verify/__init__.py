"""`mlopsgen verify`: prove offline that a rendered tree works and isolates what the spec says.

tree.py / kustomize.py / argocd.py read the tree as Argo CD would apply it, and charts.py / helm.py render its
charts with helm as the repo server does;
cluster.py, pods.py, podspec.py and injection.py say what each cluster would run (injected containers
included); flows.py states the intent; mlopsgen/kube/netpol.py and kube/istio.py
evaluate both layers; network.py combines them per cluster; checks/ holds one family of
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
    unseen = ctx.unseen_charts
    unplaced = "" if ctx.place.path is not None else ctx.place.how
    for journey in JOURNEYS.values():
        findings = [f for run in journey.runs for f in _guarded(run, journey.slug, ctx, stats)]
        errors = [f for f in findings if f.severity == "error"]
        causes = [f"{len(unseen)} chart{'s were' if len(unseen) != 1 else ' was'} not rendered"] if journey.sees_charts and unseen else []
        causes += ["where the tree sits in its repository is not known"] if journey.sees_repository and unplaced else []
        causes += stats.get("not seen", {}).get(journey.slug, [])  # what a check says it could not see
        unknown = not errors and bool(causes)
        if errors:
            reason = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}: {errors[0].message}"
        elif unknown:  # what was not seen is never proven
            reason = f"nothing failed in what was seen, but {' and '.join(causes)}"
        else:
            reason = journey.proves
        verdicts.append(Verdict(journey.slug, journey.number, journey.title, not errors and not unknown, reason, findings,
                                unknown))
    return Report(verdicts, stats.get("required", 0), stats.get("pairs", 0), sorted(set(stats.get("outside", []))), unseen,
                  unplaced)


def _guarded(run, slug: str, ctx: Context, stats: dict) -> list:
    """A check's findings; a check that crashes is a problem of its journey (a bug to report), and the
    other checks still run: one broken check never hides what the others prove."""
    from mlopsgen.errors import Location, UserError
    from mlopsgen.verify.result import finding

    try:
        return list(run(ctx, stats))
    except UserError:
        raise  # the tree cannot be read: a located problem of the input, exit 2
    except Exception as exc:  # reported as a finding, with where it happened
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
        return [finding(slug, f"check {run.__name__} crashed: {type(exc).__name__}: {exc} ({where})", Location(ctx.reader.display("")),
                        hint="this is a bug in mlopsgen; please report it with this message. The other checks ran.")]


__all__ = ["Context", "Report", "verify"]
