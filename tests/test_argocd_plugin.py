"""The Argo CD config management plugin (integrations/argocd/plugin.yaml), run as the repo server runs it:
its generate command, in the Application's source folder, with the repo server's environment, stdout
only. For every Application of both examples it prints the objects Argo CD would apply from the
committed tree: `kubectl kustomize` of a Kustomize folder, the YAML files of a plain one; Applications
differ only in how their sources reach the same objects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import CHARTS, ROOT
from tests.support.kustomize import kustomize
from tests.verify.conftest import copy_example

PLUGIN = yaml.safe_load((ROOT / "integrations/argocd/plugin.yaml").read_text())
PLUGIN_NAME = f"{PLUGIN['metadata']['name']}-{PLUGIN['spec']['version']}"
pytestmark = pytest.mark.slow


def generate(spec_dir: Path, app: dict | None) -> list[dict]:
    """The generate command with the environment Argo CD's repo server gives it (user parameters as PARAM_*)."""
    command = PLUGIN["spec"]["generate"]["command"] + PLUGIN["spec"]["generate"].get("args", [])
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(spec_dir),
           "ARGOCD_APP_NAME": app["metadata"]["name"] if app else "mlopsgen-root", "ARGOCD_APP_NAMESPACE": "argocd",
           "ARGOCD_APP_SOURCE_PATH": ".", "ARGOCD_APP_SOURCE_REPO_URL": "https://example.com/gitops.git",
           "MLOPSGEN_MANIFESTS": str(CHARTS),  # the pinned release manifests, as the repo server would fetch them
           "ARGOCD_APP_SOURCE_TARGET_REVISION": "main", "KUBE_VERSION": "1.31.0"}
    if app is not None:
        env["ARGOCD_APP_PARAMETERS"] = json.dumps([{"name": "app", "string": app["metadata"]["name"]}])
        env["PARAM_APP"] = app["metadata"]["name"]
    done = subprocess.run(command, cwd=spec_dir, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d is not None]


def committed(tree: Path, gitops_path: str, source: dict, kubectl: str) -> list[dict]:
    """What Argo CD renders from the committed tree for a Git source."""
    folder = tree / Path(source["path"]).relative_to(gitops_path)
    if (folder / "kustomization.yaml").is_file():
        out = kustomize(kubectl, folder)  # remote release manifests from their local copies
        return [d for d in yaml.safe_load_all(out) if d]
    from mlopsgen.verify.argocd import Deployment
    from mlopsgen.verify.tree import TreeReader

    deployment = Deployment(TreeReader(tree), ".", "")
    rel = folder.relative_to(tree).as_posix()
    return [o.data for o in deployment.source_objects(rel, source)]


def _key(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True)


def _sources(app: dict) -> list[dict]:
    spec = app["spec"]
    return spec.get("sources") or [spec["source"]]


def _expect_plugin_form(printed: dict, original: dict, tree: Path, gitops_path: str) -> None:
    """Everything but the sources as committed; Git sources in the tree point at the plugin; values files
    from the tree arrive as helm.valuesObject with the same values."""
    assert {k: v for k, v in printed["spec"].items() if k not in ("source", "sources")} == \
        {k: v for k, v in original["spec"].items() if k not in ("source", "sources")}
    assert printed["metadata"] == original["metadata"]
    for source in _sources(printed):
        if "plugin" in source:
            assert source["plugin"] == {"name": PLUGIN_NAME, "parameters": [{"name": "app", "string": printed["metadata"]["name"]}]}
            assert source["path"] == "."
        for entry in (source.get("helm") or {}).get("valueFiles") or []:
            assert not str(entry).startswith("$"), entry  # nothing read from a tree that is not committed
    charts = [s for s in _sources(original) if s.get("chart")]
    for chart in charts:
        printed_chart = next(s for s in _sources(printed) if s.get("chart") == chart["chart"])
        files = [str(e).split("/", 1)[1] for e in (chart.get("helm") or {}).get("valueFiles") or []]
        values: dict = {}
        for repo_path in files:
            values.update(yaml.safe_load((tree / Path(repo_path).relative_to(gitops_path)).read_text()) or {})
        assert printed_chart["helm"].get("valuesObject", {}) == {**values, **((chart.get("helm") or {}).get("valuesObject") or {})}


@pytest.mark.parametrize("example", ["quickstart", "multicloud"])
def test_generate_prints_what_the_committed_tree_deploys(example, tmp_path, kubectl):
    spec, tree = copy_example(example, tmp_path / example)
    gitops_path = yaml.safe_load(spec.read_text())["gitops"]["path"]
    from mlopsgen.verify.argocd import Deployment
    from mlopsgen.verify.tree import TreeReader

    deployment = Deployment(TreeReader(tree), gitops_path, "")
    checked = 0
    for name, app in deployment.apps.items():
        original = app.obj.data
        sources = [s for s in _sources(original) if s.get("path") is not None and not s.get("ref")]
        if not sources:
            continue
        printed = generate(spec.parent, None if app.parent is None else original)
        expected = [o for s in sources for o in committed(tree, gitops_path, s, kubectl)]
        plain = sorted(_key(o) for o in printed if o.get("kind") != "Application")
        assert plain == sorted(_key(o) for o in expected if o.get("kind") != "Application"), name
        printed_apps = {o["metadata"]["name"]: o for o in printed if o.get("kind") == "Application"}
        expected_apps = {o["metadata"]["name"]: o for o in expected if o.get("kind") == "Application"}
        assert printed_apps.keys() == expected_apps.keys(), name
        for child, obj in printed_apps.items():
            _expect_plugin_form(obj, expected_apps[child], tree, gitops_path)
        checked += 1
    assert checked >= 5


def test_a_spec_that_does_not_validate_prints_nothing_and_fails(tmp_path):
    (tmp_path / "platform.yaml").write_text("apiVersion: mlopsgen.dev/v1alpha1\nkind: Platform\n")
    command = PLUGIN["spec"]["generate"]["command"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    assert done.returncode == 2 and done.stdout == ""  # Argo CD never prunes on an empty, failed render
    assert "platform.yaml:" in done.stderr
