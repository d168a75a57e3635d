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
