"""Fuzz verify's tree reader and its Kustomize: a kustomization, a resource and a patch made of any bytes
build into objects or give a located problem, never a crash, a read outside the tree or a hang."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repository root

MODULES = ("mlopsgen.verify.tree", "mlopsgen.verify.kustomize", "mlopsgen.lint.sources")
SCRATCH = Path(tempfile.mkdtemp(prefix="mlopsgen-fuzz-tree-"))
NAMES = ("kustomization.yaml", "resource.yaml", "patch.yaml")


def check(data: bytes) -> None:
    from mlopsgen.errors import UserError
    from mlopsgen.verify.kustomize import build
    from mlopsgen.verify.tree import TreeReader
    from tests.fuzz.harness import provider

    source = provider(data)
    for name in NAMES:
        (SCRATCH / name).write_bytes(source.ConsumeBytes(source.ConsumeIntInRange(0, 4096)))
    reader = TreeReader(SCRATCH, "tree")
    try:
        objects = build(reader, "")
    except UserError as error:
        assert error.problems and all(p.location.file.startswith("tree") or p.location.file for p in error.problems)
        return
    for obj in objects:
        obj.locate("metadata", "name")
        assert obj.source.path.parent == SCRATCH, obj.source.path  # nothing read outside the tree


if __name__ == "__main__":
    from tests.fuzz.harness import fuzz

    fuzz(MODULES, check)
