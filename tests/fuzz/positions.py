"""Differential fuzzing of positions: wherever the block locator (kube/blocklocate.py) answers for a node of a
document the reader accepts, its line and column are the event index's (kube/yaml.py), and so is whether the
node is there or only its nearest ancestor; absent children of every node are asked for too."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repository root

MODULES = ("mlopsgen.kube.blocklocate", "mlopsgen.kube.manifest", "mlopsgen.kube.yaml")


def check(data: bytes) -> None:
    from mlopsgen.kube import yaml as parse
    from mlopsgen.kube.manifest import Manifest, ManifestFile, parsed

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return  # the reader refuses it before either parser sees it
    file = parsed(Path("fuzz.yaml"), "fuzz.yaml", text)
    if not isinstance(file, ManifestFile):
        return  # refused, with its location: nothing to place
    for number, index in enumerate(parse.document_indexes(text)):
        for path in [*index, *(p + ("absent",) for p in index), *(p + (10_000,) for p in index)]:
            block = file.block_found(number, path)
            if block is None:
                continue
            located, whole = parse.nearest(index, path)
            assert located is not None
            mark = located.key if located.collection and located.key is not None else located.start
            got = Manifest(file, number, None).position(path)
            assert (got, block[1].whole) == ((mark.line + 1, mark.column + 1), whole), \
                f"positions differ at {path!r} of document {number} of {text!r}"


if __name__ == "__main__":
    from tests.fuzz.harness import fuzz

    fuzz(MODULES, check)
