"""Rendered example trees and small helpers to verify, break and re-verify them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mlopsgen.commands.verify import load_context
from mlopsgen.render import render_spec
from mlopsgen.verify import Report, verify
from tests.conftest import ROOT


def render_tree(spec: Path) -> Path:
    """Render spec into gitops.path beside it, as `mlopsgen render` would."""
    rendered = render_spec(spec)
    root = Path(rendered.default_output.anchor, *rendered.default_output.parts)
    for rel, text in rendered.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def copy_example(name: str, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    spec = directory / "platform.yaml"
    shutil.copy(ROOT / "examples" / name / "platform.yaml", spec)
    return spec, render_tree(spec)


def run(spec: Path, tree: Path | None = None) -> Report:
    return verify(load_context(str(spec), str(tree) if tree else None))


def edit_docs(path: Path, change) -> None:
    """Rewrite a manifest file: change(list of documents) -> list of documents."""
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    path.write_text(yaml.safe_dump_all(change(docs), sort_keys=False))


def edit_object(path: Path, kind: str, name: str, change) -> None:
    """Rewrite one object of a manifest file in place: change(the object's document)."""
    def apply(docs):
        for d in docs:
            if d["kind"] == kind and d["metadata"]["name"] == name:
                change(d)
        return docs
    edit_docs(path, apply)


def docs_by_name(path: Path) -> dict[tuple[str, str], dict]:
    """A manifest file's documents by (kind, name)."""
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(path.read_text()) if d}


@pytest.fixture(scope="session")
def examples(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    base = tmp_path_factory.mktemp("verify-examples")
    return {name: copy_example(name, base / name) for name in ("quickstart", "multicloud")}


@pytest.fixture(scope="session")
def reports(examples) -> dict[str, Report]:
    return {name: run(spec, tree) for name, (spec, tree) in examples.items()}


@pytest.fixture
def quickstart(tmp_path) -> tuple[Path, Path]:
    """A fresh, writable quickstart spec and tree, to break by hand."""
    return copy_example("quickstart", tmp_path / "quickstart")


@pytest.fixture
def multicloud(tmp_path) -> tuple[Path, Path]:
    return copy_example("multicloud", tmp_path / "multicloud")
