"""Fuzz the reader of what `helm template` writes: any bytes, as a chart (a pulled one is anyone's) could make
helm print them, become objects by template and located problems, never a crash."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repository root

MODULES = ("mlopsgen.verify.helm_output", "mlopsgen.kube.yaml", "mlopsgen.kube.bounds")


def check(data: bytes) -> None:
    import json

    from mlopsgen.verify.helm_output import parse_output

    rendered = parse_output(data.decode("utf-8", "replace"))
    for doc in rendered.documents:
        assert isinstance(doc["object"], dict) and doc["size"] > 0
    for problem in rendered.problems:
        assert problem["line"] >= 1 and problem["message"]
    json.dumps(rendered.as_json())  # what the cache stores


if __name__ == "__main__":
    from tests.fuzz.harness import fuzz

    fuzz(MODULES, check)
