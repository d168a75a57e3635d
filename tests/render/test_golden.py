"""Golden trees: the rendered examples, byte for byte.

After an intended change, refresh them with
    MLOPSGEN_UPDATE_GOLDEN=1 python -m pytest tests/render/test_golden.py
and review the diff like any other code.
"""

from __future__ import annotations

import os
import shutil

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"


def test_rendered_tree_matches_golden(rendered):
    name, files, _ = rendered
    golden = GOLDEN / name
    if os.environ.get("MLOPSGEN_UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        for rel, text in files.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_text(text, encoding="utf-8")
    on_disk = {p.relative_to(golden).as_posix(): p.read_text(encoding="utf-8") for p in golden.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(files), "files added or removed; see the module docstring to update"
    for rel, text in files.items():
        assert on_disk[rel] == text, f"{rel} differs from tests/golden/{name}/{rel}"
