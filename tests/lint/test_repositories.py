"""Repositories in the shapes upstream projects use: tests/lint/repos/<case>/, each linted from its own folder.

`expected.txt` in each case holds the exit code, the files linted, the templates
skipped, and every finding (`FILE:LINE:COL RULE`, in report order): all of
them, of every rule, so a false positive fails as surely as a missed finding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT

REPOS = sorted(p for p in (ROOT / "tests" / "lint" / "repos").iterdir() if (p / "expected.txt").is_file())


def expectations(case: Path) -> tuple[dict, list[str]]:
    header: dict = {}
    findings = []
    for line in (case / "expected.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(": ")
        if sep and key in ("exit", "files", "templates"):
            header[key] = int(value)
        else:
            findings.append(line)
    return header, findings


@pytest.mark.parametrize("case", REPOS, ids=[p.name for p in REPOS])
def test_repository_is_reported_exactly(case: Path, run_cli, monkeypatch):
    monkeypatch.chdir(case)
    header, expected = expectations(case)
    result = run_cli("lint", "--format", "json", ".")
    report = json.loads(result.stdout)
    found = [f"{f['file']}:{f['line']}:{f['column']} {f['rule']}" for f in report["findings"]]
    assert found == expected, report["findings"]
    assert (result.exit_code, report["summary"]["files"], report["summary"]["templates"]) == (
        header["exit"], header["files"], header["templates"])


def test_there_is_a_repository_per_problem():
    assert {p.name for p in REPOS} >= {"kustomize", "helm-chart", "crds", "calico", "cilium"}
