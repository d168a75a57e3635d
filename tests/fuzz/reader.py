"""Differential fuzzing of the one reader: wherever the fast path (fastyaml-rs) answers, its documents must be
exactly the ones PyYAML's C loader builds with Kubernetes' YAML 1.1 reading, within the same bounds; any
input on which the two would differ must be left to PyYAML (kube/fastread.py's screen)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repository root

MODULES = ("mlopsgen.kube.fastread", "mlopsgen.kube.yaml", "mlopsgen.kube.bounds")


def exact(value: Any) -> Any:
    """A value with every type made part of it (True is not 1, 1 is not 1.0, NaN equals NaN)."""
    if isinstance(value, dict):
        return ("map", tuple((exact(k), exact(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("seq", tuple(exact(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def pyyaml_documents(text: str) -> list[Any] | None:
    """What the C path reads (None: it refuses the text, for its syntax or its bounds)."""
    from mlopsgen.kube import yaml as parse
    from mlopsgen.kube.bounds import bounds_problem

    yaml = parse.yaml_module()
    try:
        if bounds_problem(text, "fuzz") is not None:
            return None
        return list(yaml.load_all(text, Loader=parse.loader()))
    except (yaml.YAMLError, RecursionError):
        return None


def check(data: bytes) -> None:
    from mlopsgen.kube.fastread import fast_documents

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return  # the reader refuses it before either parser sees it
    fast = fast_documents(text, pyyaml_documents)
    if fast is None:
        return
    slow = pyyaml_documents(text)
    assert slow is not None, f"the fast path accepts what PyYAML refuses: {text!r}"
    assert exact(fast) == exact(slow), f"the readings differ on {text!r}: {fast!r} != {slow!r}"


if __name__ == "__main__":
    from tests.fuzz.harness import fuzz

    fuzz(MODULES, check)
