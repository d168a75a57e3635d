"""The report formats CI systems read, shared by lint and verify: JUnit XML and GitLab Code Quality.

Both commands hand over the one finding model (findings.py), so a format is written once:
- JUnit XML, as Jenkins, GitLab (`artifacts:reports:junit`) and most CI systems read it: one
  <testsuite> per rule or journey, one <testcase> per check that ran; a failing case carries one
  <failure> (the schema Jenkins and GitLab parse allows one) whose text lists each problem.
- GitLab Code Quality (`artifacts:reports:codequality`), the subset of the Code Climate issue format
  docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format documents: a JSON array of
  {description, check_name, fingerprint, severity, location: {path, lines: {begin}}}; fingerprints
  are unique per finding, since GitLab shows only the first issue of a fingerprint.
Text from the user's files goes through printable(): XML 1.0 cannot carry most control characters
even escaped, and a CI log line should not be broken by a name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from mlopsgen.escape import printable
from mlopsgen.findings import Finding
from mlopsgen.reporters import fingerprint

# Code Climate's scale; GitLab ranks the merge request widget by it.
GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


@dataclass(frozen=True)
class Case:
    """A check that ran: a rule over the files, or a journey; failing when it has error entries."""

    suite: str
    name: str
    entries: tuple[Finding, ...] = ()


def junit(tool: str, cases: Iterable[Case]) -> str:
    import xml.etree.ElementTree as ET

    cases = list(cases)
    suites: dict[str, list[Case]] = {}
    for case in cases:
        suites.setdefault(case.suite, []).append(case)
    root = ET.Element("testsuites", name=tool, tests=str(len(cases)),
                      failures=str(sum(_failing(c) for c in cases)), errors="0")
    for name, members in suites.items():
        suite = ET.SubElement(root, "testsuite", name=printable(name), tests=str(len(members)),
                              failures=str(sum(_failing(c) for c in members)), errors="0", skipped="0")
        for case in members:
            element = ET.SubElement(suite, "testcase", classname=printable(f"{tool}.{case.suite}"), name=printable(case.name))
            errors = [e for e in case.entries if e.severity == "error"]
            if errors:
                failure = ET.SubElement(element, "failure", message=printable(errors[0].text), type=errors[0].rule)
                failure.text = "\n".join(printable(f"{e.file}:{e.line}:{e.column}: {e.severity}: {e.text}") for e in case.entries)
            elif case.entries:  # warnings and notes: shown, never failing
                out = ET.SubElement(element, "system-out")
                out.text = "\n".join(printable(f"{e.file}:{e.line}:{e.column}: {e.severity}: {e.text}") for e in case.entries)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _failing(case: Case) -> bool:
    return any(e.severity == "error" for e in case.entries)


def gitlab(entries: Iterable[Finding]) -> str:
    issues = [{
        "description": printable(e.text),
        "check_name": e.rule,
        "fingerprint": fingerprint(e),
        "severity": GITLAB_SEVERITY[e.severity],
        "location": {"path": printable(e.file), "lines": {"begin": max(e.line, 1)}},
    } for e in entries]
    return json.dumps(issues, indent=2) + "\n"
