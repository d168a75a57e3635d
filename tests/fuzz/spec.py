"""Fuzz the spec reader and validator: any bytes are a valid platform or a UserError, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repository root

MODULES = ("mlopsgen.platform.loader", "mlopsgen.platform", "mlopsgen.platform.build")


def check(data: bytes) -> None:
    from mlopsgen.errors import UserError
    from mlopsgen.platform import check_document
    from mlopsgen.platform.build import build_platform
    from mlopsgen.platform.loader import load_bytes

    try:
        doc = load_bytes(data, "fuzz.yaml")
        check_document(doc)
    except UserError as error:
        assert error.problems, "a UserError names at least one problem"
        return
    build_platform(doc.data, doc.file)


if __name__ == "__main__":
    from tests.fuzz.harness import fuzz

    fuzz(MODULES, check)
