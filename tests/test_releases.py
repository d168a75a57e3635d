"""Pinned release manifests for `mlopsgen build`: taken from a folder or fetched, and only ever the pinned file."""

from __future__ import annotations

import hashlib
import urllib.error

import pytest

from mlopsgen.catalog.components import COMPONENTS
from mlopsgen.commands.releases import release_files
from mlopsgen.errors import UserError

RELEASE = COMPONENTS["feast-operator"].release
assert RELEASE is not None
USES = {"manifests/feast-operator/kustomization.yaml": f"resources:\n  - {RELEASE.url}\n"}


def test_a_tree_that_uses_no_release_needs_none(tmp_path):
    assert release_files({"a.yaml": "kind: Namespace\n"}, [], tmp_path) == {}


def test_the_pinned_copy_in_a_folder_is_taken(shared, tmp_path):
    found = release_files(USES, [shared / "charts-src"], tmp_path)
    assert found == {RELEASE.url: shared / "charts-src" / RELEASE.local}
    assert hashlib.sha256(found[RELEASE.url].read_bytes()).hexdigest() == RELEASE.sha256


def test_a_copy_that_is_not_the_pinned_release_is_refused(tmp_path):
    folder = tmp_path / "manifests"
    (folder / RELEASE.local).parent.mkdir(parents=True)
    (folder / RELEASE.local).write_text("kind: Namespace\n")
    with pytest.raises(UserError) as refused:
        release_files(USES, [folder], tmp_path)
    problem = refused.value.problems[0]
    assert f"not the pinned {RELEASE.sha256}" in problem.message and "at its tag" in problem.hint


def test_a_release_that_cannot_be_fetched_is_an_error_with_the_fix(tmp_path, monkeypatch):
    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr("urllib.request.urlopen", unreachable)
    with pytest.raises(UserError) as refused:
        release_files(USES, [], tmp_path)
    problem = refused.value.problems[0]
    assert problem.location.file == RELEASE.url and "could not fetch" in problem.message
    assert "--manifests" in problem.hint
