"""Fuzz the writer's path handling and plan: any file names and marker bytes are written below the
output folder or refused as a UserError, and nothing outside that folder ever changes."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repository root

MODULES = ("mlopsgen.write.paths", "mlopsgen.write.plan", "mlopsgen.write.tree", "mlopsgen.write.scan")
SCRATCH = Path(tempfile.mkdtemp(prefix="mlopsgen-fuzz-writer-"))
OUT = SCRATCH / "out"
GUARD = SCRATCH / "guard.txt"  # a file beside the output: it must never change


def check(data: bytes) -> None:
    from mlopsgen.errors import UserError
    from mlopsgen.write import MARKER, OutputRoot, plan_changes, write_tree
    from mlopsgen.write.paths import parse_marker
    from tests.fuzz.harness import provider

    source = provider(data)
    GUARD.write_bytes(b"guard")
    marker = source.ConsumeBytes(source.ConsumeIntInRange(0, 512))
    with contextlib.suppress(UserError):
        parse_marker(marker, "marker")
    files = {}
    for _ in range(source.ConsumeIntInRange(0, 4)):
        name = source.ConsumeBytes(source.ConsumeIntInRange(1, 24)).decode("utf-8", "replace")
        files[name] = source.ConsumeBytes(source.ConsumeIntInRange(0, 32)).decode("utf-8", "replace")
    if OUT.is_dir() and source.ConsumeIntInRange(0, 1):
        (OUT / MARKER).write_bytes(marker)  # a forged or corrupt marker in an existing tree
    root = OutputRoot.explicit(OUT)
    for act in (lambda: plan_changes(root, files, with_diff=True), lambda: write_tree(root, files, force=True)):
        with contextlib.suppress(UserError, ValueError):  # ValueError: a path leaving the tree, refused before any write
            act()
    assert GUARD.read_bytes() == b"guard"
    assert sorted(os.listdir(SCRATCH)) in (["guard.txt"], ["guard.txt", "out"]), os.listdir(SCRATCH)


if __name__ == "__main__":
    from tests.fuzz.harness import fuzz

    fuzz(MODULES, check)
