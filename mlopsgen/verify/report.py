"""Reporters for a verify run, picked from a name map; the exit code never depends on them. Findings are
written by the writers lint and verify share (mlopsgen/reporters.py); journeys and verdicts are verify's."""

from __future__ import annotations

import json

from mlopsgen import __version__
from mlopsgen import reporters as shared
from mlopsgen.console import paint
from mlopsgen.escape import markdown_code, printable
from mlopsgen.verify.result import Report

DOCS = "https://github.com/mlopsgen/mlopsgen/blob/main/docs/journeys/{slug}.md"


def summary_line(report: Report) -> str:
    passed = sum(v.passed for v in report.verdicts)
    unknown = sum(v.unknown for v in report.verdicts)
    errors = sum(f.severity == "error" for f in report.findings)
    state = "proven" if report.proven else "NOT proven"
    causes = ([f"{len(report.unseen)} chart{'s' if len(report.unseen) != 1 else ''} not rendered"] if report.unseen else []) \
        + (["the tree's place in its repository not known"] if report.unplaced else [])
    return (f"verify: {state}: {passed} of {len(report.verdicts)} journeys pass"
            + (f", {unknown} UNKNOWN ({'; '.join(causes)})" if unknown else "")
            + f"; {report.required} required flows checked, "
            f"{report.forbidden_pairs} allowed connections checked against intent; {errors} problem{'s' if errors != 1 else ''}"
            + (f"; {len(report.outside_policy)} hostNetwork pod(s) outside NetworkPolicy" if report.outside_policy else ""))


def text(report: Report, color: bool = False, quiet: bool = False) -> str:
    """Findings, then a verdict per journey and the summary; `quiet` keeps findings and failing journeys."""
    lines = [shared.text(f, color) for f in report.findings]
    lines.append("")
    for v in report.verdicts:
        if quiet and v.passed:
            continue
        verdict = paint(v.state, "note" if v.passed else "warning" if v.unknown else "error", color)
        lines.append(f"{verdict}  {v.journey}. {v.title} [{v.slug}]: {printable(v.reason)}")
    if report.unseen:
        lines.append("not rendered, so not judged (pass --charts DIR or --pull, with helm installed):")
        lines += [f"  {printable(u)}" for u in report.unseen]
    if report.unplaced:
        lines.append(f"not judged: where Argo CD finds the tree ({printable(report.unplaced)})")
    if not quiet:
        lines.append(printable(summary_line(report)))
    return "\n".join(lines).strip("\n") + "\n" if any(lines) else ""


def json_report(report: Report) -> str:
    return json.dumps({
        "tool": "mlopsgen", "version": __version__, "proven": report.proven,
        "journeys": [{"check": v.slug, "journey": v.journey, "title": v.title, "passed": v.passed, "state": v.state,
                      "reason": v.reason, "findings": sum(f.severity == "error" for f in v.findings)} for v in report.verdicts],
        "not_rendered": report.unseen,
        "tree_place_unknown": report.unplaced,
        "findings": [{**f.as_dict(), "check": f.rule} for f in report.findings],
        "summary": {"required_flows": report.required, "connections": report.forbidden_pairs,
                    "outside_network_policy": report.outside_policy},
    }, indent=2) + "\n"


def sarif(report: Report) -> str:
    from mlopsgen.verify.checks import JOURNEYS

    rules = [{"id": v.slug, "name": JOURNEYS[v.slug].id, "shortDescription": {"text": v.title},
              "fullDescription": {"text": f"Journey {v.journey}: {v.title}"},
              "help": {"text": JOURNEYS[v.slug].about, "markdown": JOURNEYS[v.slug].about},
              "helpUri": DOCS.format(slug=v.slug), "defaultConfiguration": {"level": "error"}} for v in report.verdicts]
    index = {v.slug: i for i, v in enumerate(report.verdicts)}
    return shared.sarif_log("mlopsgen-verify", rules, [shared.sarif_result(f, index[f.rule]) for f in report.findings])


def github(report: Report) -> str:
    return shared.github(shared.annotation(f, "verify " + f.rule) for f in report.findings)


def markdown(report: Report) -> str:
    """For a pull-request comment: what comes from the tree or the spec is in code spans, where GitHub
    renders no HTML, link, mention or reference."""
    from mlopsgen.verify.summary import fit

    head = [f"### mlopsgen verify: {'proven' if report.proven else 'NOT proven'}", "", "| | journey | result |", "|---|---|---|"]
    head += [f"| {'✅' if v.passed else '❔' if v.unknown else '❌'} | {v.journey}. {v.title} | "
             f"{v.reason if v.passed else markdown_code(v.reason, in_table=True)} |" for v in report.verdicts]
    if report.unseen:
        head += ["", "Not rendered, so not judged:", *(f"- {markdown_code(u)}" for u in report.unseen)]
    if report.unplaced:
        head += ["", f"Not judged: where Argo CD finds the tree ({markdown_code(report.unplaced)})."]
    items = [shared.markdown_item(f) for f in report.findings if f.severity == "error"]
    return fit(head + [""], items, "problems", "\n" + summary_line(report))


def junit(report: Report) -> str:
    """A test case per journey, failing with every problem it found."""
    from mlopsgen.ci_reports import Case
    from mlopsgen.ci_reports import junit as write

    return write("mlopsgen verify", [Case("journeys", f"{v.journey}. {v.title} [{v.slug}]", tuple(v.findings))
                                     for v in report.verdicts])


def gitlab(report: Report) -> str:
    from mlopsgen.ci_reports import gitlab as write

    return write(report.findings)


REPORTERS = {"text": text, "json": json_report, "sarif": sarif, "github": github, "markdown": markdown,
             "junit": junit, "gitlab": gitlab}
