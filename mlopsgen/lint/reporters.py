"""Reporters, one per output format, picked from a name map. Exit codes never depend on them.

Each takes a LintResult and whether to colour (only text uses colour).
"""

from __future__ import annotations

import json
from collections import Counter

from mlopsgen import __version__
from mlopsgen.console import diagnostic, paint
from mlopsgen.escape import printable, uri_reference
from mlopsgen.github import workflow_command
from mlopsgen.lint.finding import Finding, LintResult
from mlopsgen.lint.rules import ENGINE_FINDINGS, RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS_URL = "https://github.com/mlopsgen/mlopsgen/blob/main/docs/rules/{slug}.md"
# GitHub shows at most 10 error, 10 warning and 10 notice annotations per step, and 50 per job
# (actions/toolkit, docs/problem-matchers.md, "Limitations"); the rest only in the log.
ANNOTATIONS_PER_KIND = 10


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


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
    lines = [diagnostic(f"{f.file}:{f.line}:{f.column}", f.severity, f"{f.message} [{f.rule}]", f.hint, color)
             for f in result.findings]
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


def fingerprint(f: Finding) -> str:
    """Differs for each finding: two static IPs in one file are two alerts, not one."""
    import hashlib

    return hashlib.sha256(f"{f.rule}\0{f.file}\0{f.line}\0{f.column}\0{f.message}".encode("utf-8", "surrogateescape")).hexdigest()[:32]


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
    results = [{
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": f"{f.message}. {f.hint}" if f.hint else f.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri_reference(f.file), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": f.line, "startColumn": f.column},
        }}],
        "partialFingerprints": {"mlopsgenFinding/v2": fingerprint(f)},
        **({"suppressions": [{"kind": SARIF_SUPPRESSION_KIND[reasons[id(f)].source],
                              "justification": reasons[id(f)].reason}]} if id(f) in reasons else {}),
    } for f in [*result.findings, *(s.finding for s in result.suppressed)]]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mlopsgen", "version": __version__, "semanticVersion": __version__,
                                "informationUri": "https://github.com/mlopsgen/mlopsgen", "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"


def github(result: LintResult, color: bool = False) -> str:
    """Annotations up to GitHub's limit per kind; past it, the findings as log lines and one line saying so."""
    command = {"error": "error", "warning": "warning", "info": "notice"}
    entries = [(command[f.severity], f.message + (". " + f.hint if f.hint else ""), f, f.rule) for f in result.findings]
    entries += [  # as notices, so a reviewer sees what was accepted and why
        ("notice", f"{s.finding.message}. Suppressed: {s.reason}", s.finding, f"suppressed {s.finding.rule}")
        for s in result.suppressed
    ]
    used: Counter = Counter()
    lines, overflow = [], []
    for kind, message, f, title in entries:
        used[kind] += 1
        if used[kind] <= ANNOTATIONS_PER_KIND:
            lines.append(workflow_command(kind, message, f.file, f.line, f.column, title))
        else:
            overflow.append(printable(f"{f.file}:{f.line}:{f.column}: {'suppressed' if title.startswith('suppressed') else f.severity}: "
                                      f"{message} [{f.rule}]"))
    if overflow:
        past = ", ".join(_plural(n - ANNOTATIONS_PER_KIND, k) for k, n in sorted(used.items()) if n > ANNOTATIONS_PER_KIND)
        lines.append(f"mlopsgen: {past} past what GitHub annotates ({ANNOTATIONS_PER_KIND} of each kind per step); "
                     f"they follow as log lines (`--format sarif` carries all {len(entries)}):")
        lines += overflow
    return "\n".join(lines) + ("\n" if lines else "")


def _entries(findings) -> list:
    from mlopsgen.ci_reports import Entry

    return [Entry(f.rule, f.severity, f.file, f.line, f.column, f.message, f.hint) for f in findings]


def junit(result: LintResult, color: bool = False) -> str:
    """A test suite per rule: a failing case per finding, or one passing case when the rule found nothing."""
    from mlopsgen.ci_reports import Case
    from mlopsgen.ci_reports import junit as write

    by_rule: dict[str, list] = {slug: [] for slug in RULES}
    for entry in _entries(result.findings):
        by_rule.setdefault(entry.check, []).append(entry)
    cases = [Case(rule, f"{e.file}:{e.line}:{e.column}", (e,)) for rule, found in by_rule.items() for e in found]
    cases += [Case(rule, f"{_plural(result.files, 'file')}") for rule, found in by_rule.items() if not found]
    return write("mlopsgen lint", cases)


def gitlab(result: LintResult, color: bool = False) -> str:
    from mlopsgen.ci_reports import gitlab as write

    return write(_entries(result.findings))


REPORTERS = {"text": text, "json": json_report, "sarif": sarif, "github": github, "junit": junit, "gitlab": gitlab}
