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


def test_a_kubeflow_shaped_repository_gets_a_full_report(run_cli, tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("kubeflow_shape", ROOT / "bench" / "kubeflow_shape.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    counts = module.kubeflow_shape(tmp_path, components=4, crds=2, crd_properties=200)
    deployment = tmp_path / "apps" / "component-01" / "upstream" / "base" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("ml-pipeline.kubeflow.svc.cluster.local", "10.7.0.3"))
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "--format", "json", ".")
    report = json.loads(result.stdout)
    assert [(f["file"], f["line"], f["column"], f["rule"]) for f in report["findings"]] == [
        ("apps/component-01/upstream/base/deployment.yaml", 21, 47, "static-ip")]
    assert report["summary"]["files"] == counts["files"] - counts["templates"]
    assert report["summary"]["templates"] == counts["templates"] == 40
    assert result.exit_code == 1
