"""Reporters, one per output format, picked from a name map. Exit codes never depend on them.

Each takes (findings, files, suppressed, color); only text uses colour.
"""

from __future__ import annotations

import json
from collections import Counter

from mlopsgen import __version__
from mlopsgen.console import diagnostic, paint
from mlopsgen.github import workflow_command
from mlopsgen.lint.finding import Finding, Suppressed
from mlopsgen.lint.rules import INTERNAL_ERROR, RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS_URL = "https://github.com/mlopsgen/mlopsgen/blob/main/docs/rules/{slug}.md"


def summary_line(findings: list[Finding], files: int, suppressed: int) -> str:
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
    text = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}" + (f" ({', '.join(parts)})" if parts else "")
    text += f" in {files} file{'s' if files != 1 else ''}"
    return text + (f"; {suppressed} suppressed" if suppressed else "")


def text(findings: list[Finding], files: int, suppressed: list[Suppressed], color: bool = False) -> str:
    lines = [diagnostic(f"{f.file}:{f.line}:{f.column}", f.severity, f"{f.message} [{f.rule}]", f.hint, color)
             for f in findings]
    for s in suppressed:
        f = s.finding
        lines.append(f"{paint(f'{f.file}:{f.line}:{f.column}', 'location', color)}: "
                     f"{paint('suppressed:', 'note', color)} {f.message} [{f.rule}]")
        lines.append(f"  {paint('reason:', 'hint', color)} {s.reason}")
    return "\n".join(lines) + ("\n" if lines else "")


def json_report(findings: list[Finding], files: int, suppressed: list[Suppressed], color: bool = False) -> str:
    counts = Counter(f.severity for f in findings)
    return json.dumps({
        "tool": "mlopsgen", "version": __version__,
        "findings": [f.as_dict() for f in findings],
        "suppressed": [s.as_dict() for s in suppressed],
        "summary": {"files": files, "findings": len(findings), "suppressed": len(suppressed),
                    "by_severity": {s: counts.get(s, 0) for s in ("error", "warning", "info")}},
    }, indent=2) + "\n"


def _rule_descriptor(slug: str, module) -> dict:
    doc = (module.__doc__ or "").strip()
    return {
        "id": slug,
        "name": module.ID,
        "shortDescription": {"text": module.SUMMARY},
        "fullDescription": {"text": doc.splitlines()[0] if doc else module.SUMMARY},
        "help": {"text": doc, "markdown": doc},
        "helpUri": DOCS_URL.format(slug=slug),
        "defaultConfiguration": {"level": SARIF_LEVEL[module.SEVERITY]},
        "properties": {"tags": ["mlopsgen", "kubernetes", "security"]},
    }


def fingerprint(f: Finding) -> str:
    import hashlib

    return hashlib.sha256(f"{f.rule}\0{f.file}\0{f.message}".encode()).hexdigest()[:32]


# SARIF 2.1.0 §3.35: an inline comment is "inSource", configuration and spec are "external".
SARIF_SUPPRESSION_KIND = {"inline": "inSource", "config": "external", "spec": "external"}


def sarif(findings: list[Finding], files: int, suppressed: list[Suppressed], color: bool = False) -> str:
    rules = [_rule_descriptor(slug, module) for slug, module in RULES.items()]
    index = {slug: i for i, slug in enumerate(RULES)}
    if any(f.rule == INTERNAL_ERROR[0] for f in findings):
        index[INTERNAL_ERROR[0]] = len(rules)
        rules.append({"id": INTERNAL_ERROR[0], "name": INTERNAL_ERROR[1],
                      "shortDescription": {"text": "a rule crashed"},
                      "help": {"text": "A rule raised an error; please report it."},
                      "defaultConfiguration": {"level": "error"}})
    reasons = {id(s.finding): s for s in suppressed}
    results = [{
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": f"{f.message}. {f.hint}" if f.hint else f.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": f.line, "startColumn": f.column},
        }}],
        "partialFingerprints": {"mlopsgenFinding/v1": fingerprint(f)},
        **({"suppressions": [{"kind": SARIF_SUPPRESSION_KIND[reasons[id(f)].source],
                              "justification": reasons[id(f)].reason}]} if id(f) in reasons else {}),
    } for f in [*findings, *(s.finding for s in suppressed)]]
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


def github(findings: list[Finding], files: int, suppressed: list[Suppressed], color: bool = False) -> str:
    command = {"error": "error", "warning": "warning", "info": "notice"}
    lines = [workflow_command(command[f.severity], f.message + (". " + f.hint if f.hint else ""),
                              f.file, f.line, f.column, f.rule) for f in findings]
    lines += [  # as notices, so a reviewer sees what was accepted and why
        workflow_command("notice", f"{s.finding.message}. Suppressed: {s.reason}", s.finding.file, s.finding.line,
                         s.finding.column, f"suppressed {s.finding.rule}")
        for s in suppressed
    ]
    return "\n".join(lines) + ("\n" if lines else "")


REPORTERS = {"text": text, "json": json_report, "sarif": sarif, "github": github}
