"""The GitHub Action (action.yml), run as the runner runs a composite action: its shell steps in order,
with inputs reaching them through `env`, in a temporary GitOps repository, for a clean change, a stale
tree and a change that opens a leak."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, require
from tests.verify.conftest import copy_example, edit_docs

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(inputs|github)\.([\w-]+)\s*\}\}")


def _value(inputs: dict[str, str], scope: str, name: str) -> str:
    return inputs[name] if scope == "inputs" else {"action_path": str(ROOT), "workspace": os.getcwd()}[name]


def _condition(expression: str, inputs: dict[str, str]) -> bool:
    match = re.fullmatch(r"inputs\.([\w-]+) == '([^']*)'", expression.strip())
    assert match, f"the test runner knows only `inputs.X == 'value'` conditions: {expression}"
    return inputs[match.group(1)] == match.group(2)


def run_action(repo: Path, **given: str) -> tuple[int, str, dict[str, str]]:
    """The action's steps in `repo`; mlopsgen is the one on this test's PATH (install: false)."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update({k.replace("_", "-"): v for k, v in given.items()})
    inputs["install"] = "false"
    outputs: dict[str, str] = {}
    log = []
    for step in ACTION["runs"]["steps"]:
        if "if" in step and not _condition(step["if"], inputs):
            continue
        assert "run" in step, f"a step that runs an action needs the runner: {step}"
        output_file = repo / ".github-output"
        output_file.write_text("")
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_OUTPUT": str(output_file), "GITHUB_ACTIONS": "true"}
        env.update({k: EXPRESSION.sub(lambda m: _value(inputs, *m.groups()), str(v)) for k, v in (step.get("env") or {}).items()})
        script = repo / ".step.sh"
        script.write_text(step["run"])
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=repo, env=env,
                              capture_output=True, text=True, check=False)
        log.append(done.stdout + done.stderr)
        outputs.update(dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line))
        if done.returncode != 0:
            return done.returncode, "".join(log), outputs
    return 0, "".join(log), outputs


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    require(shutil.which("git") is not None, "git is not on PATH")
    spec, _ = copy_example("quickstart", tmp_path / "gitops")
    _git(spec.parent, "init", "-q")
    _git(spec.parent, "add", ".")
    _git(spec.parent, "commit", "-qm", "platform")
    return spec.parent


def test_a_clean_change_passes_with_a_sarif_file_and_a_comment(repo):
    (repo / "README.md").write_text("the platform\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "docs")
    code, log, outputs = run_action(repo, diff_base="HEAD~1")
    assert code == 0, log
    sarif = json.loads((repo / outputs["sarif-file"]).read_text())
    assert sarif["version"] == "2.1.0" and [r for r in sarif["runs"][0]["results"] if r["level"] == "error"] == []
    assert "Connectivity is unchanged." in (repo / outputs["comment-file"]).read_text()


def test_a_stale_tree_fails(repo):
    spec = repo / "platform.yaml"
    spec.write_text(spec.read_text().replace("cpu: 16", "cpu: 17", 1))
    code, log, outputs = run_action(repo, diff_base="HEAD")
    assert code == 1, log
    assert "stale" in log
    sarif = json.loads((repo / outputs["sarif-file"]).read_text())
    assert "stale-render" in {r["ruleId"] for r in sarif["runs"][0]["results"]}


def test_a_leaking_change_fails_and_the_comment_shows_the_new_connections(repo):
    path = repo / "deploy/teams/recsys/overlays/dev/networkpolicies.yaml"
    edit_docs(path, lambda docs: [{**d, "spec": {**d["spec"], "egress": [{}]}} if d["metadata"]["name"] == "allow-internal-mesh"
                                  else d for d in docs])
    code, log, outputs = run_action(repo, diff_base="HEAD", check_render="false")
    assert code == 1, log
    assert "::error file=" in log  # verify's annotations
    comment = (repo / outputs["comment-file"]).read_text()
    assert "+ recsys-dev/training -> internet: all ports" in comment


def test_the_action_installs_the_version_of_its_own_ref():
    install = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Install mlopsgen")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    assert not [s for s in ACTION["runs"]["steps"] if "run" in s and "${{" in s["run"]]  # inputs only through env


def test_a_spec_in_a_subfolder_checks_the_tree_at_gitops_path_from_the_repository_root(tmp_path):
    require(shutil.which("git") is not None, "git is not on PATH")
    repo = tmp_path / "gitops"
    (repo / "platform").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "quickstart" / "platform.yaml", repo / "platform" / "platform.yaml")
    _git(repo, "init", "-q")
    done = subprocess.run([sys.executable, "-m", "mlopsgen", "render", "platform/platform.yaml"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (repo / "deploy" / ".mlopsgen.json").is_file()  # from the repository root, as Argo CD reads it
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "platform")
    code, log, outputs = run_action(repo, spec="platform/platform.yaml", diff_base="HEAD")
    assert code == 0, log
    sarif = json.loads((repo / outputs["sarif-file"]).read_text())
    assert not [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    path = repo / "deploy/teams/recsys/overlays/dev/networkpolicies.yaml"  # the tree is linted and verified
    edit_docs(path, lambda docs: [{**d, "spec": {**d["spec"], "egress": [{}]}} if d["metadata"]["name"] == "allow-internal-mesh"
                                  else d for d in docs])
    code, log, outputs = run_action(repo, spec="platform/platform.yaml", diff_base="HEAD", check_render="false")
    assert code == 1 and "::error file=" in log
    results = json.loads((repo / outputs["sarif-file"]).read_text())["runs"][0]["results"]
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "deploy/teams/recsys/overlays/dev/networkpolicies.yaml") for r in results)
    assert "+ recsys-dev/training -> internet: all ports" in (repo / outputs["comment-file"]).read_text()
