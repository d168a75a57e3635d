"""verify checks the tree where it is committed: every Application's Git source path and `$values` file must
exist from the repository root (Argo CD reads them from there), reported at the Application's line; where the
tree's place in a repository cannot be known, bootstrap is UNKNOWN, never PASS."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT, require
from tests.verify.conftest import edit_docs

QUICKSTART = ROOT / "examples" / "quickstart" / "platform.yaml"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def _repository(tmp_path: Path) -> tuple[Path, Path]:
    """A GitOps repository with the quickstart spec in a subfolder (platform/platform.yaml), nothing rendered yet."""
    require(shutil.which("git") is not None, "git is not on PATH")
    repo = tmp_path / "gitops"
    (repo / "platform").mkdir(parents=True)
    _git(repo, "init", "-q")
    spec = repo / "platform" / "platform.yaml"
    shutil.copy(QUICKSTART, spec)
    return repo, spec


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_a_spec_in_a_subfolder_is_proven_with_its_tree_at_gitops_path_from_the_root(run_cli, tmp_path):
    repo, spec = _repository(tmp_path)
    assert run_cli("render", str(spec), "-o", str(repo / "deploy")).exit_code == 0
    result = run_cli("verify", str(spec), "--format", "json")  # the default tree: gitops.path from the root
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["proven"] is True, result.output


def test_verify_reports_an_application_path_missing_from_the_repository_at_its_line(run_cli, tmp_path):
    repo, spec = _repository(tmp_path)
    assert run_cli("render", str(spec)).exit_code == 0
    # The tree committed beside the spec, as renders used to put it: its Applications name deploy/...
    (repo / "deploy").rename(repo / "platform" / "deploy")
    result = run_cli("verify", str(spec), str(repo / "platform" / "deploy"), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    bootstrap = next(j for j in report["journeys"] if j["check"] == "bootstrap")
    assert bootstrap["state"] == "FAIL"
    assert [j["check"] for j in report["journeys"] if not j["passed"]] == ["bootstrap"]  # the one cause, said once
    root = repo / "platform" / "deploy" / "argocd" / "root.yaml"
    found = [f for f in report["findings"] if f["file"].endswith("argocd/root.yaml") and f["rule"] == "bootstrap"]
    assert len(found) == 1, report["findings"]
    finding = found[0]
    assert (finding["line"], finding["column"]) == (_line_of(root, "path: deploy/argocd"), 11)
    assert finding["message"].startswith("Application mlopsgen-root: its source path 'deploy/argocd' is not in the "
                                         "repository as the tree would be committed")
    assert f"the tree is at 'platform/deploy' in {repo.resolve()}, not at gitops.path 'deploy'" in finding["message"]
    assert finding["hint"].startswith("set gitops.path to 'platform/deploy' (the tree's path from the repository root)")
    assert finding["spec"]["line"] == 10 and finding["spec"]["column"] == 9
    values = [f for f in report["findings"] if "its values file 'deploy/platform/main/values/" in f["message"]]
    assert values and all(f["file"].endswith(".yaml") and f["line"] > 0 for f in values)
    text = run_cli("verify", str(spec), str(repo / "platform" / "deploy")).output
    assert "FAIL  1. Bootstrap through Argo CD [bootstrap]: " in text and "verify: NOT proven" in text


def test_a_hand_edited_source_path_outside_the_repository_tree_fails(run_cli, tmp_path):
    repo, spec = _repository(tmp_path)
    assert run_cli("render", str(spec)).exit_code == 0
    app = repo / "deploy" / "argocd" / "apps" / "main" / "fraud-prod.yaml"
    edit_docs(app, lambda docs: [{**d, "spec": {**d["spec"], "source": {**d["spec"]["source"],
                                                                          "path": "teams/fraud/overlays/prod"}}}
                                 for d in docs])
    result = run_cli("verify", str(spec), "--format", "json")
    assert result.exit_code == 1
    messages = [f["message"] for f in json.loads(result.stdout)["findings"] if f["file"].endswith("fraud-prod.yaml")]
    assert "Application fraud-prod points at teams/fraud/overlays/prod, which is not in the tree" in messages


def test_a_tree_in_no_repository_is_unknown_not_proven(run_cli, tmp_path):
    folder = tmp_path / "scratch"
    folder.mkdir()
    spec = folder / "platform.yaml"
    shutil.copy(QUICKSTART, spec)
    elsewhere = tmp_path / "rendered"
    assert run_cli("render", str(spec), "-o", str(elsewhere)).exit_code == 0
    result = run_cli("verify", str(spec), str(elsewhere))
    assert result.exit_code == 4, result.output
    assert "UNKNOWN  1. Bootstrap through Argo CD [bootstrap]: nothing failed in what was seen, but where the tree " \
        "sits in its repository is not known" in result.output
    assert ": warning: where Argo CD finds the tree is not known (no Git work tree holds it" in result.output
    assert "1 UNKNOWN (the tree's place in its repository not known)" in result.output
    # the spec's default output, with no repository: the spec's folder stands for the root
    assert run_cli("render", str(spec)).exit_code == 0
    assert run_cli("verify", str(spec)).exit_code == 0


def test_verify_diff_reads_the_old_tree_at_its_path_in_the_revision(run_cli, tmp_path):
    repo, spec = _repository(tmp_path)
    assert run_cli("render", str(spec)).exit_code == 0
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "platform")
    policies = repo / "deploy" / "teams" / "recsys" / "overlays" / "dev" / "networkpolicies.yaml"
    edit_docs(policies, lambda docs: [{**d, "spec": {**d["spec"], "egress": [{}]}}
                                      if d["metadata"]["name"] == "allow-internal-mesh" else d for d in docs])
    result = run_cli("verify", str(spec), "--diff", "HEAD")
    assert result.exit_code == 0, result.output
    assert "+ recsys-dev/training -> internet: all ports" in result.output
    assert "warning:" not in result.output
    # a tree committed where its Applications do not point: the comparison says so
    _git(repo, "mv", "deploy", "platform/deploy")
    _git(repo, "commit", "-qm", "moved")
    moved = run_cli("verify", str(spec), str(repo / "platform" / "deploy"), "--diff", "HEAD")
    assert moved.exit_code == 0
    assert "warning: " in moved.stderr and "is not in the repository as the tree would be committed" in moved.stderr
