"""Reporters, one per output format, picked from a name map. Exit codes never depend on them.

Each takes a LintResult and whether to colour (only text uses colour); the finding itself is written by
the writers lint and verify share (mlopsgen/reporters.py).
"""

from __future__ import annotations

import json
from collections import Counter

from mlopsgen import __version__
from mlopsgen import reporters as shared
from mlopsgen.console import paint
from mlopsgen.escape import printable
from mlopsgen.lint.finding import LintResult
from mlopsgen.lint.rules import ENGINE_FINDINGS, RULES
from mlopsgen.reporters import SARIF_LEVEL
from mlopsgen.reporters import plural as _plural

DOCS_URL = "https://github.com/mlopsgen/mlopsgen/blob/main/docs/rules/{slug}.md"


def summary_line(result: LintResult) -> str:
    findings = result.findings
    counts = Counter(f.severity for f in findings)
    parts = [_plural(counts[s], s) for s in ("error", "warning", "info") if counts[s]]
    text = _plural(len(findings), "finding") + (f" ({', '.join(parts)})" if parts else "")
    text += f" in {_plural(result.files, 'file')}"
    if result.templates:
        text += f"; {_plural(len(result.templates), 'template')} skipped"
    return text + (f"; {len(result.suppressed)} suppressed" if result.suppressed else "")


def text(result: LintResult, color: bool = False) -> str:
    lines = [shared.text(f, color) for f in result.findings]
    for s in result.suppressed:
        f = s.finding
        lines.append(f"{paint(printable(f'{f.file}:{f.line}:{f.column}'), 'location', color)}: "
                     f"{paint('suppressed:', 'note', color)} {printable(f.message)} [{f.rule}]")
        lines.append(f"  {paint('reason:', 'hint', color)} {printable(s.reason)}")
    return "\n".join(lines) + ("\n" if lines else "")


def json_report(result: LintResult, color: bool = False) -> str:
    counts = Counter(f.severity for f in result.findings)
    return json.dumps({
        "tool": "mlopsgen", "version": __version__,
        "findings": [f.as_dict() for f in result.findings],
        "suppressed": [s.as_dict() for s in result.suppressed],
        "templates": list(result.templates),
        "summary": {"files": result.files, "findings": len(result.findings), "suppressed": len(result.suppressed),
                    "templates": len(result.templates),
                    "by_severity": {s: counts.get(s, 0) for s in ("error", "warning", "info")}},
    }, indent=2) + "\n"


def _rule_descriptor(slug: str, module) -> dict:
    doc = (module.__doc__ or "").strip()
    properties: dict = {"tags": ["mlopsgen", "kubernetes"]}
    security = getattr(module, "SECURITY_SEVERITY", None)
    if security:
        # GitHub code scanning ranks security alerts by this CVSS-like score ("security-severity",
        # docs.github.com: SARIF support for code scanning, reportingDescriptor object).
        properties = {"tags": ["mlopsgen", "kubernetes", "security"], "security-severity": security}
    return {
        "id": slug,
        "name": module.ID,
        "shortDescription": {"text": module.SUMMARY},
        "fullDescription": {"text": doc.splitlines()[0] if doc else module.SUMMARY},
        "help": {"text": doc, "markdown": doc},
        "helpUri": DOCS_URL.format(slug=slug),
        "defaultConfiguration": {"level": SARIF_LEVEL[module.SEVERITY]},
        "properties": properties,
    }


# SARIF 2.1.0 §3.35: an inline comment is "inSource", configuration and spec are "external".
SARIF_SUPPRESSION_KIND = {"inline": "inSource", "config": "external", "spec": "external"}


def sarif(result: LintResult, color: bool = False) -> str:
    rules = [_rule_descriptor(slug, module) for slug, module in RULES.items()]
    index = {slug: i for i, slug in enumerate(RULES)}
    for slug in sorted({f.rule for f in result.findings if f.rule in ENGINE_FINDINGS}):
        rule_id, summary, help_text = ENGINE_FINDINGS[slug]
        index[slug] = len(rules)
        rules.append({"id": slug, "name": rule_id, "shortDescription": {"text": summary},
                      "help": {"text": help_text}, "defaultConfiguration": {"level": "error"}})
    reasons = {id(s.finding): s for s in result.suppressed}
    results = [shared.sarif_result(f, index[f.rule], **(
        {"suppressions": [{"kind": SARIF_SUPPRESSION_KIND[reasons[id(f)].source], "justification": reasons[id(f)].reason}]}
        if id(f) in reasons else {})) for f in [*result.findings, *(s.finding for s in result.suppressed)]]
    return shared.sarif_log("mlopsgen", rules, results)


def github(result: LintResult, color: bool = False) -> str:
    """Annotations up to GitHub's limit per kind; suppressed findings as notices, so a reviewer sees what
    was accepted and why."""
    entries = [shared.annotation(f, f.rule) for f in result.findings]
    entries += [("notice", f"{s.finding.message}. Suppressed: {s.reason}", s.finding, f"suppressed {s.finding.rule}")
                for s in result.suppressed]
    return shared.github(entries)


def junit(result: LintResult, color: bool = False) -> str:
    """A test suite per rule: a failing case per finding, or one passing case when the rule found nothing."""
    from mlopsgen.ci_reports import Case
    from mlopsgen.ci_reports import junit as write

    by_rule: dict[str, list] = {slug: [] for slug in RULES}
    for entry in result.findings:
        by_rule.setdefault(entry.rule, []).append(entry)
    cases = [Case(rule, f"{e.file}:{e.line}:{e.column}", (e,)) for rule, found in by_rule.items() for e in found]
    cases += [Case(rule, f"{_plural(result.files, 'file')}") for rule, found in by_rule.items() if not found]
    return write("mlopsgen lint", cases)


def gitlab(result: LintResult, color: bool = False) -> str:
    from mlopsgen.ci_reports import gitlab as write

    return write(result.findings)


REPORTERS = {"text": text, "json": json_report, "sarif": sarif, "github": github, "junit": junit, "gitlab": gitlab}
