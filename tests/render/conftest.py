"""Rendered trees of the bundled examples, written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopsgen.platform import load_platform
from mlopsgen.render import render_platform
from tests.conftest import EXAMPLES


def example_id(path: Path) -> str:
    return path.parent.name


@pytest.fixture(scope="session", params=EXAMPLES, ids=example_id)
def rendered(request, tmp_path_factory) -> tuple[str, dict[str, str], Path]:
    """(example name, {path: text}, directory holding the written tree)."""
    files = render_platform(load_platform(request.param))
    out = tmp_path_factory.mktemp(example_id(request.param))
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    return example_id(request.param), files, out
