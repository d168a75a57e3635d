"""The hook runs through real pre-commit, from this repository, on a temporary git repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require

CLEAN = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ml}
data:
  tracking: http://mlflow.mlflow.svc.cluster.local:5000
"""


@pytest.mark.slow
def test_hook_passes_clean_files_and_fails_on_a_static_ip(tmp_path):
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    require(Path(pre_commit).exists(), "pre-commit is not installed")
    repo = tmp_path / "gitops"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GITHUB_ACTIONS", None)

    def git(*args):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)

    def hook():
        return subprocess.run([pre_commit, "try-repo", str(ROOT), "mlopsgen-lint", "--all-files"], cwd=repo,
                              capture_output=True, text=True, env=env)

    git("init", "-q")
    (repo / "settings.yaml").write_text(CLEAN)
    git("add", ".")
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "mlopsgen lint" in passed.stdout and "Passed" in passed.stdout

    (repo / "settings.yaml").write_text(CLEAN.replace("mlflow.mlflow.svc.cluster.local", "172.17.0.4"))
    git("add", ".")
    failed = hook()
    assert failed.returncode == 1
    assert "Failed" in failed.stdout
    assert "settings.yaml:5:20: error: static IP address 172.17.0.4 [static-ip]" in failed.stdout


def _readme_hooks() -> dict:
    import yaml

    readme = (ROOT / "README.md").read_text()
    block = readme.split("As a pre-commit hook", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    return yaml.safe_load(block)


def test_readme_snippet_names_hooks_that_exist_and_a_rev_that_resolves():
    import yaml

    config = _readme_hooks()
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    repo = config["repos"][0]
    assert {h["id"] for h in repo["hooks"]} <= set(hooks)
    # No release is tagged: the snippet names the default branch, which `git fetch` resolves, and says how to pin it.
    assert repo["rev"] == "main"
    assert "pre-commit autoupdate --freeze --bleeding-edge" in (ROOT / "README.md").read_text()


def test_render_check_hook_takes_the_spec_path_in_args(tmp_path, run_cli):
    import shlex

    import yaml

    hook = next(h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "mlopsgen-render-check")
    spec = tmp_path / "platform" / "platform.yaml"
    spec.parent.mkdir()
    spec.write_text((ROOT / "examples" / "quickstart" / "platform.yaml").read_text())
    assert run_cli("render", str(spec)).exit_code == 0
    readme_args = next(h for h in _readme_hooks()["repos"][0]["hooks"] if h["id"] == "mlopsgen-render-check")["args"]
    argv = shlex.split(hook["entry"])[1:] + [str(spec) if a == "platform/platform.yaml" else a for a in readme_args]
    assert run_cli(*argv).exit_code == 0  # as pre-commit runs it: entry, then the args the user wrote
    sorted(spec.parent.glob("deploy/teams/*/base/*.yaml"))[0].write_text("# edited\n")
    assert run_cli(*argv).exit_code == 1
