"""The writers lint and verify share, one per output format, over the one finding model (findings.py):
what a finding looks like in text, SARIF, GitHub annotations and Markdown, escaped by escape.py and
within each consumer's limits. lint/reporters.py and verify/report.py add what is theirs around them
(suppressions; journeys and verdicts)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from mlopsgen import __version__
from mlopsgen.console import diagnostic, paint
from mlopsgen.escape import markdown_code, printable, uri_reference
from mlopsgen.findings import Finding
from mlopsgen.github import workflow_command

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
INFORMATION_URI = "https://github.com/mlopsgen/mlopsgen"
# GitHub shows at most 10 error, 10 warning and 10 notice annotations per step, and 50 per job
# (actions/toolkit, docs/problem-matchers.md, "Limitations"); the rest only in the log.
ANNOTATIONS_PER_KIND = 10
ANNOTATION = {"error": "error", "warning": "warning", "info": "notice"}


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


# --- text ---------------------------------------------------------------------------------------------

def text(f: Finding, color: bool = False) -> str:
    """`file:line:col: severity: message [rule]`, then the spec line that made it and the hint."""
    out = diagnostic(f"{f.file}:{f.line}:{f.column}", f.severity, f"{f.message} [{f.rule}]", color=color)
    if f.related:
        out += f"\n  {paint('spec:', 'hint', color)} {printable(str(f.related))}"
    if f.hint:
        out += f"\n  {paint('hint:', 'hint', color)} {printable(f.hint)}"
    return out


# --- SARIF 2.1.0 -------------------------------------------------------------------------------------

def fingerprint(f: Finding) -> str:
    """Differs for each finding (two static IPs in one file are two alerts); file names need not be UTF-8."""
    import hashlib  # only the formats that fingerprint pay for it

    key = f"{f.rule}\0{f.file}\0{f.line}\0{f.column}\0{f.message}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(key).hexdigest()[:32]


def _physical(file: str, line: int, column: int) -> dict[str, Any]:
    return {"artifactLocation": {"uri": uri_reference(file), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(line, 1), "startColumn": max(column, 1)}}


def sarif_result(f: Finding, rule_index: int, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule, "ruleIndex": rule_index, "level": SARIF_LEVEL[f.severity], "message": {"text": f.text},
        "locations": [{"physicalLocation": _physical(f.file, f.line, f.column)}],
        "partialFingerprints": {"mlopsgenFinding/v2": fingerprint(f)},
    }
    if f.related:
        result["relatedLocations"] = [{"id": 1, "message": {"text": "the spec line that made it"},
                                       "physicalLocation": _physical(f.related.file, f.related.line, f.related.column)}]
    return {**result, **extra}


def sarif_log(driver: str, rules: list[dict[str, Any]], results: list[dict[str, Any]]) -> str:
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": driver, "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "results": results}]}
    return json.dumps(log, indent=2) + "\n"


# --- GitHub workflow annotations -------------------------------------------------------------------

def github(entries: Iterable[tuple[str, str, Finding, str]]) -> str:
    """Annotations (kind, message, finding, title) up to GitHub's limit per kind; past it, the rest as log
    lines, and one line saying so."""
    entries = list(entries)
    used: Counter[str] = Counter()
    lines, overflow = [], []
    for kind, message, f, title in entries:
        used[kind] += 1
        if used[kind] <= ANNOTATIONS_PER_KIND:
            lines.append(workflow_command(kind, message, f.file, f.line, f.column, title))
        else:
            overflow.append(printable(f"{f.file}:{f.line}:{f.column}: {'suppressed' if title.startswith('suppressed') else f.severity}: "
                                      f"{message} [{f.rule}]"))
    if overflow:
        past = ", ".join(plural(n - ANNOTATIONS_PER_KIND, k) for k, n in sorted(used.items()) if n > ANNOTATIONS_PER_KIND)
        lines.append(f"mlopsgen: {past} past what GitHub annotates ({ANNOTATIONS_PER_KIND} of each kind per step); "
                     f"they follow as log lines (`--format sarif` carries all {len(entries)}):")
        lines += overflow
    return "\n".join(lines) + ("\n" if lines else "")


def annotation(f: Finding, title: str) -> tuple[str, str, Finding, str]:
    return ANNOTATION[f.severity], f.text, f, title


# --- Markdown (a pull-request comment) ----------------------------------------------------------------

def markdown_item(f: Finding) -> str:
    """A list item: the place and the message in code spans, where GitHub renders no HTML, mention or link."""
    return f"- {markdown_code(f'{f.file}:{f.line}:{f.column}')} {markdown_code(f.message)}"
