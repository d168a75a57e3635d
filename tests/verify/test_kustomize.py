"""The offline assembler builds what `kubectl kustomize` builds, for every kustomization of both examples."""

from __future__ import annotations

import pytest
import yaml

from mlopsgen.errors import UserError
from mlopsgen.verify.kustomize import apply_operation, build
from mlopsgen.verify.remote import remote_files
from mlopsgen.verify.tree import TreeReader
from tests.conftest import CHARTS
from tests.support.kustomize import kustomize


def _key(doc: dict) -> tuple:
    meta = doc.get("metadata") or {}
    return doc.get("apiVersion"), doc.get("kind"), meta.get("namespace"), meta.get("name")


@pytest.mark.slow
@pytest.mark.parametrize("example", ["quickstart", "multicloud"])
def test_assembler_matches_kubectl_kustomize(examples, kubectl, example):
    _, tree = examples[example]
    reader = TreeReader(tree)
    reader.remote_files = remote_files([CHARTS])  # as verify reads them with --charts
    directories = sorted(p.parent.relative_to(tree).as_posix() for p in tree.rglob("kustomization.yaml"))
    assert any("/overlays/" in d for d in directories)
    for directory in directories:
        out = kustomize(kubectl, tree / directory)  # remote release manifests from their local copies
        expected = {_key(d): d for d in yaml.safe_load_all(out) if d}
        ours = {_key(o.data): o.data for o in build(reader, directory)}
        assert sorted(ours, key=str) == sorted(expected, key=str), directory
        for key, doc in expected.items():
            assert ours[key] == doc, f"{directory}: {key}"


def test_json6902_operations():
    doc = {"spec": {"list": [1, 2], "map": {"a": 1}}}
    apply_operation(doc, {"op": "add", "path": "/spec/list/-", "value": 3})
    apply_operation(doc, {"op": "add", "path": "/spec/list/0", "value": 0})
    apply_operation(doc, {"op": "replace", "path": "/spec/map/a", "value": 2})
    apply_operation(doc, {"op": "add", "path": "/spec/map/x~1y", "value": "slash"})
    apply_operation(doc, {"op": "copy", "from": "/spec/map/a", "path": "/spec/b"})
    apply_operation(doc, {"op": "move", "from": "/spec/b", "path": "/spec/c"})
    apply_operation(doc, {"op": "remove", "path": "/spec/list/1"})
    apply_operation(doc, {"op": "test", "path": "/spec/c", "value": 2})
    assert doc == {"spec": {"list": [0, 2, 3], "map": {"a": 2, "x/y": "slash"}, "c": 2}}
    with pytest.raises(KeyError):
        apply_operation(doc, {"op": "replace", "path": "/spec/missing", "value": 1})


def test_unsupported_kustomize_features_are_refused_with_a_location(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: []\ncommonLabels:\n  a: b\n")
    with pytest.raises(UserError) as error:
        build(TreeReader(tmp_path, "deploy"), "")
    problem = error.value.problems[0]
    assert "commonLabels" in problem.message and problem.location.line == 2
    assert problem.location.file == "deploy/kustomization.yaml"


def test_a_patch_that_does_not_apply_is_a_located_error(tmp_path):
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {}\n")
    (tmp_path / "p.yaml").write_text("- op: replace\n  path: /data/missing\n  value: x\n")
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\npatches:\n  - path: p.yaml\n    target: {kind: ConfigMap, name: c}\n")
    with pytest.raises(UserError, match="patch replace /data/missing fails on ConfigMap c"):
        build(TreeReader(tmp_path), "")
