"""Repository paths: `gitops.path` is the tree's path from the root of the GitOps repository, wherever the spec is.

Argo CD resolves an Application's `source.path` and a `$values/...` file from the repository root, so a render
is right only when every path the tree names exists there once the tree is committed where render put it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mlopsgen.catalog.conventions import MARKER
from mlopsgen.repopath import in_repository, in_tree, repository_root
from tests.conftest import ROOT, require

QUICKSTART = ROOT / "examples" / "quickstart" / "platform.yaml"
GITOPS_PATH_LINE = 10  # `  path: deploy` in the quickstart; the value starts at column 9


def git_repo(path: Path) -> Path:
    require(shutil.which("git") is not None, "git is not on PATH")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def spec_in(folder: Path, gitops_path: str = "deploy") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "platform.yaml"
    spec.write_text(QUICKSTART.read_text().replace("  path: deploy\n", f"  path: {gitops_path}\n", 1))
    return spec


def named_paths(tree: Path) -> list[tuple[str, bool]]:
    """Every repository path the tree's Applications name: (path, is a folder)."""
    found = []
    for file in sorted((tree / "argocd").rglob("*.yaml")):
        for doc in yaml.safe_load_all(file.read_text()):
            if not doc or doc.get("kind") != "Application":
                continue
            spec = doc["spec"]
            for source in spec.get("sources") or [spec["source"]]:
                if "path" in source:
                    found.append((source["path"], True))
                for entry in (source.get("helm") or {}).get("valueFiles") or []:
                    assert entry.startswith("$values/"), entry
                    found.append((entry[len("$values/"):], False))
    assert found
    return found


def assert_argo_cd_finds_everything(repo: Path, tree: Path) -> None:
    for path, folder in named_paths(tree):
        target = repo / path
        assert (target.is_dir() if folder else target.is_file()), f"{path} is not in the repository at {repo}"


def test_a_spec_in_a_subfolder_renders_the_tree_at_gitops_path_from_the_repository_root(run_cli, tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "gitops")
    spec = spec_in(repo / "platform")
    result = run_cli("render", str(spec))
    assert result.exit_code == 0, result.output
    assert (repo / "deploy" / MARKER).is_file()
    assert not (repo / "platform" / "deploy").exists()
    assert_argo_cd_finds_everything(repo, repo / "deploy")
    # the pre-commit hook: run from the repository root, with the variables git sets for hooks
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GIT_DIR", ".git")
    monkeypatch.setenv("GIT_INDEX_FILE", ".git/index")
    assert run_cli("render", "platform/platform.yaml", "--check").exit_code == 0


def test_gitops_path_deeper_in_the_repository_is_not_written_one_folder_too_deep(run_cli, tmp_path):
    repo = git_repo(tmp_path / "gitops")
    spec = spec_in(repo / "platform", "platform/deploy")
    assert run_cli("render", str(spec)).exit_code == 0
    assert (repo / "platform" / "deploy" / MARKER).is_file()
    assert not (repo / "platform" / "platform").exists()
    assert_argo_cd_finds_everything(repo, repo / "platform" / "deploy")
    assert run_cli("render", str(spec), "-o", str(repo / "platform" / "deploy"), "--check").exit_code == 0


@pytest.mark.parametrize("mode", [[], ["--check"], ["--dry-run"]])
def test_an_output_elsewhere_in_the_repository_is_refused_at_gitops_path(run_cli, tmp_path, mode):
    repo = git_repo(tmp_path / "gitops")
    spec = spec_in(repo / "platform")
    assert run_cli("render", str(spec)).exit_code == 0
    before = {p: p.read_bytes() for p in (repo / "deploy").rglob("*") if p.is_file()}
    result = run_cli("render", str(spec), "-o", str(repo / "platform" / "deploy"), *mode)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{spec}:{GITOPS_PATH_LINE}:9: error: the output ")
    assert "is at 'platform/deploy' from the root of its repository" in result.stderr
    assert "below gitops.path 'deploy': Argo CD would find none of them (at /gitops/path)" in result.stderr
    assert "hint: set gitops.path to 'platform/deploy' (the tree's path from the repository root), or render to " \
        f"{repo / 'deploy'}" in result.stderr
    assert not (repo / "platform" / "deploy").exists()  # nothing written
    assert {p: p.read_bytes() for p in (repo / "deploy").rglob("*") if p.is_file()} == before


def test_an_output_in_a_gitops_repository_of_its_own_is_at_gitops_path_from_its_root(run_cli, tmp_path):
    specs = git_repo(tmp_path / "platform-specs")
    spec = spec_in(specs / "ml")
    gitops = git_repo(tmp_path / "ml-gitops")
    result = run_cli("render", str(spec), "-o", str(gitops / "deploy"))
    assert result.exit_code == 0 and "note:" not in result.stderr
    assert_argo_cd_finds_everything(gitops, gitops / "deploy")
    assert run_cli("render", str(spec), "-o", str(gitops / "ml" / "deploy")).exit_code == 2


def test_a_tree_outside_any_repository(run_cli, tmp_path):
    spec = spec_in(tmp_path / "scratch" / "my-platform")  # no Git work tree above
    assert repository_root(spec.parent) is None
    assert run_cli("render", str(spec)).exit_code == 0
    assert (spec.parent / "deploy" / MARKER).is_file()  # the spec's folder stands for the root
    assert_argo_cd_finds_everything(spec.parent, spec.parent / "deploy")
    elsewhere = tmp_path / "elsewhere"
    result = run_cli("render", str(spec), "-o", str(elsewhere))
    assert result.exit_code == 0 and (elsewhere / MARKER).is_file()
    assert f"note: {elsewhere}: no Git work tree holds it, and it is not at gitops.path below the spec's folder; " \
        "its Applications name paths below gitops.path 'deploy'" in result.stderr
    # a spec in a repository, the output in none: written, and said
    inside = spec_in(git_repo(tmp_path / "gitops") / "platform")
    result = run_cli("render", str(inside), "-o", str(tmp_path / "scratch-out"), "--dry-run")
    assert result.exit_code == 0 and "note: " in result.stderr and "Argo CD finds it only committed there" in result.stderr


def test_the_root_is_found_without_git_by_the_folder_holding_dot_git(tmp_path, monkeypatch):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "platform").mkdir()
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    assert repository_root(tmp_path / "repo" / "platform") == (tmp_path / "repo").resolve()
    assert repository_root(tmp_path) is None


def test_a_repository_git_does_not_answer_for_is_the_folder_holding_dot_git(tmp_path):
    require(shutil.which("git") is not None, "git is not on PATH")
    (tmp_path / "repo" / ".git").mkdir(parents=True)  # git does not read it (as one owned by another user)
    (tmp_path / "repo" / "platform").mkdir()
    assert repository_root(tmp_path / "repo" / "platform") == (tmp_path / "repo").resolve()


def test_repository_paths_round_trip():
    assert in_repository("deploy", "argocd") == "deploy/argocd"
    assert in_repository("platform/deploy/", "teams/a") == "platform/deploy/teams/a"
    assert in_tree("deploy", "deploy/argocd") == "argocd" and in_tree("deploy/", "./deploy") == ""
    assert in_tree("platform/deploy", "deploy/argocd") is None
    assert in_tree("deploy", "deployments/x") is None
    assert in_tree("", "../outside") is None and in_tree("", "argocd") == "argocd"
