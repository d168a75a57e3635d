"""Reporters for a verify run, picked from a name map; the exit code never depends on them."""

from __future__ import annotations

import json

from mlopsgen import __version__
from mlopsgen.console import diagnostic, paint
from mlopsgen.escape import markdown_code, printable, uri_reference
from mlopsgen.github import workflow_command
from mlopsgen.verify.result import Finding, Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning"}
DOCS = "https://github.com/mlopsgen/mlopsgen/blob/main/docs/journeys/{slug}.md"


def summary_line(report: Report) -> str:
    passed = sum(v.passed for v in report.verdicts)
    errors = sum(f.severity == "error" for f in report.findings)
    state = "proven" if report.proven else "NOT proven"
    return (f"verify: {state}: {passed} of {len(report.verdicts)} journeys pass; {report.required} required flows checked, "
            f"{report.forbidden_pairs} allowed connections checked against intent; {errors} problem{'s' if errors != 1 else ''}"
            + (f"; {len(report.outside_policy)} hostNetwork pod(s) outside NetworkPolicy" if report.outside_policy else ""))


def _line(f: Finding, color: bool) -> str:
    """A finding for a terminal, in the shape lint's have: names from the tree and the spec escaped, so
    each part keeps its line."""
    text = diagnostic(str(f.location), f.severity, f"{f.message} [{f.check}]", color=color)
    if f.spec:
        text += f"\n  {paint('spec:', 'hint', color)} {printable(str(f.spec))}"
    if f.hint:
        text += f"\n  {paint('hint:', 'hint', color)} {printable(f.hint)}"
    return text


def text(report: Report, color: bool = False, quiet: bool = False) -> str:
    """Findings, then a verdict per journey and the summary; `quiet` keeps findings and failing journeys."""
    lines = [_line(f, color) for f in report.findings]
    lines.append("")
    for v in report.verdicts:
        if quiet and v.passed:
            continue
        verdict = paint("PASS", "note", color) if v.passed else paint("FAIL", "error", color)
        lines.append(f"{verdict}  {v.journey}. {v.title} [{v.slug}]: {printable(v.reason)}")
    if not quiet:
        lines.append(printable(summary_line(report)))
    return "\n".join(lines).strip("\n") + "\n" if any(lines) else ""


def json_report(report: Report) -> str:
    return json.dumps({
        "tool": "mlopsgen", "version": __version__, "proven": report.proven,
        "journeys": [{"check": v.slug, "journey": v.journey, "title": v.title, "passed": v.passed, "reason": v.reason,
                      "findings": sum(f.severity == "error" for f in v.findings)} for v in report.verdicts],
        "findings": [f.as_dict() for f in report.findings],
        "summary": {"required_flows": report.required, "connections": report.forbidden_pairs,
                    "outside_network_policy": report.outside_policy},
    }, indent=2) + "\n"


def _fingerprint(f: Finding) -> str:
    import hashlib

    key = f"{f.check}\0{f.location.file}\0{f.message}".encode("utf-8", "surrogateescape")  # names need not be UTF-8
    return hashlib.sha256(key).hexdigest()[:32]


def sarif(report: Report) -> str:
    from mlopsgen.verify.checks import JOURNEYS

    rules = [{"id": v.slug, "name": JOURNEYS[v.slug].id, "shortDescription": {"text": v.title},
              "fullDescription": {"text": f"Journey {v.journey}: {v.title}"},
              "help": {"text": JOURNEYS[v.slug].about, "markdown": JOURNEYS[v.slug].about},
              "helpUri": DOCS.format(slug=v.slug), "defaultConfiguration": {"level": "error"}} for v in report.verdicts]
    index = {v.slug: i for i, v in enumerate(report.verdicts)}
    results = []
    for f in report.findings:
        locations = [{"physicalLocation": {"artifactLocation": {"uri": uri_reference(f.location.file), "uriBaseId": "%SRCROOT%"},
                                           "region": {"startLine": max(f.location.line, 1), "startColumn": max(f.location.column, 1)}}}]
        related = [{"id": 1, "message": {"text": "the spec line that made it"},
                    "physicalLocation": {"artifactLocation": {"uri": uri_reference(f.spec.file), "uriBaseId": "%SRCROOT%"},
                                         "region": {"startLine": max(f.spec.line, 1), "startColumn": max(f.spec.column, 1)}}}] if f.spec else []
        results.append({
            "ruleId": f.check, "ruleIndex": index[f.check], "level": LEVEL[f.severity],
            "message": {"text": f"{f.message}. {f.hint}" if f.hint else f.message}, "locations": locations,
            **({"relatedLocations": related} if related else {}),
            "partialFingerprints": {"mlopsgenVerify/v1": _fingerprint(f)},
        })
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "mlopsgen-verify", "version": __version__, "semanticVersion": __version__,
                            "informationUri": "https://github.com/mlopsgen/mlopsgen", "rules": rules}},
        "results": results}]}
    return json.dumps(log, indent=2) + "\n"


def github(report: Report) -> str:
    lines = [workflow_command(f.severity, f.message + (". " + f.hint if f.hint else ""), f.location.file, f.location.line,
                              f.location.column, "verify " + f.check) for f in report.findings]
    return "\n".join(lines) + ("\n" if lines else "")


def markdown(report: Report) -> str:
    """For a pull-request comment: what comes from the tree or the spec is in code spans, where GitHub
    renders no HTML, link, mention or reference."""
    from mlopsgen.verify.summary import fit

    head = [f"### mlopsgen verify: {'proven' if report.proven else 'NOT proven'}", "", "| | journey | result |", "|---|---|---|"]
    head += [f"| {'✅' if v.passed else '❌'} | {v.journey}. {v.title} | {v.reason if v.passed else markdown_code(v.reason, in_table=True)} |"
             for v in report.verdicts]
    items = [f"- {markdown_code(str(f.location))} {markdown_code(f.message)}" for f in report.findings if f.severity == "error"]
    return fit(head + [""], items, "problems", "\n" + summary_line(report))


def _entries(findings: list[Finding]) -> list:
    from mlopsgen.ci_reports import Entry

    return [Entry(f.check, f.severity, f.location.file, f.location.line, f.location.column, f.message, f.hint) for f in findings]


def junit(report: Report) -> str:
    """A test case per journey, failing with every problem it found."""
    from mlopsgen.ci_reports import Case
    from mlopsgen.ci_reports import junit as write

    return write("mlopsgen verify", [Case("journeys", f"{v.journey}. {v.title} [{v.slug}]", tuple(_entries(v.findings)))
                                     for v in report.verdicts])


def gitlab(report: Report) -> str:
    from mlopsgen.ci_reports import gitlab as write

    return write(_entries(report.findings))


REPORTERS = {"text": text, "json": json_report, "sarif": sarif, "github": github, "markdown": markdown,
             "junit": junit, "gitlab": gitlab}
