"""Running a fuzz harness: coverage-guided with atheris (libFuzzer) as a script, or over its corpus in tests.

A harness module defines MODULES (what it exercises, imported under atheris' instrumentation so
coverage guides the search) and check(data: bytes), which returns for every input the tool answers
correctly (a result, or a UserError: a located problem) and raises for anything else: a crash.
    python tests/fuzz/<harness>.py <corpus-dir> -max_total_time=N
from the repository root runs one; `make fuzz` runs all of them, new inputs going to a scratch folder.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPORA = Path(__file__).resolve().parent / "corpus"


def fuzz(modules: tuple[str, ...], check: Callable[[bytes], None]) -> None:
    import atheris

    with atheris.instrument_imports(include=["mlopsgen"]):
        for name in modules:
            importlib.import_module(name)
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


def provider(data: bytes):
    """Several inputs from one: a FuzzedDataProvider where atheris is installed, else a small stand-in
    that splits the bytes the same way for every run (the corpus tests need no atheris)."""
    try:
        import atheris
    except ImportError:
        return _Split(data)
    return atheris.FuzzedDataProvider(data)


class _Split:
    def __init__(self, data: bytes):
        self.data = data

    def ConsumeBytes(self, count: int) -> bytes:
        taken, self.data = self.data[:count], self.data[count:]
        return taken

    def ConsumeIntInRange(self, low: int, high: int) -> int:
        return low + (self.ConsumeBytes(1)[:1] or b"\0")[0] % (high - low + 1)

    def remaining_bytes(self) -> int:
        return len(self.data)
