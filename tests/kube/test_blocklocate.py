"""The block locator places every node where the event index does, or leaves it to the index.

Compared on every node (and on absent children of every node) of every YAML file the tests and examples
hold, on documents PyYAML writes from drawn data, and on hand-written forms at the edges of what the
locator reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mlopsgen.kube import yaml as parse
from mlopsgen.kube.manifest import Manifest, ManifestFile, parsed

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted(p for folder in ("tests", "examples") for p in (ROOT / folder).rglob("*.y*ml") if p.is_file())


def _expected(index: parse.Index, path: tuple) -> tuple[tuple[int, int], bool]:
    located, whole = parse.nearest(index, path)
    assert located is not None
    mark = located.key if located.collection and located.key is not None else located.start
    return (mark.line + 1, mark.column + 1), whole


def _compare(text: str) -> tuple[int, int]:
    """(nodes the locator answered for, nodes compared); fails on any disagreement."""
    file = parsed(Path("f.yaml"), "f.yaml", text)
    if not isinstance(file, ManifestFile):
        return 0, 0
    answered = compared = 0
    for number, index in enumerate(parse.document_indexes(text)):
        paths = set(index)
        paths |= {p + ("absent-key",) for p in index} | {p + (10_000,) for p in index}
        for path in sorted(paths, key=repr):
            compared += 1
            block = file.block_found(number, path)
            if block is None:
                continue
            answered += 1
            expected, whole = _expected(index, path)
            manifest = Manifest(file, number, None)
            assert (manifest.position(path), block[1].whole) == (expected, whole), (number, path)
            located = parse.nearest(index, path)[0]
            if whole and block[1].node.kind == "scalar" and not block[1].node.collection:
                assert located is not None and located.start.line == located.end.line, (number, path)
    return answered, compared


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_node_of_the_corpus(path: Path) -> None:
    _compare(path.read_bytes().decode("utf-8-sig", errors="replace"))


def test_the_corpus_is_mostly_read_off_the_lines() -> None:
    # The golden trees are what render writes: plain block documents, so nearly every node is answered here.
    goldens = [p for p in CORPUS if "golden" in p.parts]
    answered = compared = 0
    for path in goldens:
        a, c = _compare(path.read_text(encoding="utf-8-sig"))
        answered, compared = answered + a, compared + c
    assert compared and answered / compared > 0.6, (answered, compared)


_scalars = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
_keys = st.one_of(st.text(max_size=10), st.integers(min_value=-5, max_value=10_000), st.sampled_from(["on", "yes", "0x1F", "1_0", "017", "a:b", "- x"]))
_data = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
                     max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.lists(_data, min_size=1, max_size=3), st.sampled_from([2, 4]), st.booleans())
def test_documents_pyyaml_writes(documents: list, indent: int, explicit_start: bool) -> None:
    text = yaml.safe_dump_all(documents, default_flow_style=False, indent=indent, explicit_start=explicit_start,
                              width=10_000, allow_unicode=True)
    _compare(text)


EDGES = [
    "a: 1\nb:\n  c: [x]\n  d: {}\n",
    "a:\n- 1\n- - 2\n  - 3\n-\n  x: y\nb: 'q'' r'  # c\n",
    "- a: 1\n  b:\n  - x\n  c: 2\n- - - deep\n",
    "a: b # c\n# d\n\n  # e\nf: \"g\\\" h\"\n",
    "# lead\n---\na: 1\n--- # c\nb: 2\n---\n",
    "a: |\n  text\nb: 1\n",
    "a: &x 1\nb: *x\n",
    "a: multi\n  line\n",
    "a: 1\n...\n---\nb: 2\n",
    "8080: x\n0x1F: y\n1_0: z\non: w\n",
    "a:\nb: 1\n",
    "k: -1\nl: -x\nm: :x\nn: ?y\no: a#b\np: a:b\n",
    "a: {b: [1, {c: d}]}\nl:\n- {x: 1}\n- [1, 2]\n- {}\n",
    "a: {b: 1 # c\n  }\nd: 1\n",
    "a: {b: 'x}', c: \"]\"}\ne: [f, {g: h}, [i]]\n",
    "s:\n  d:\n  - n: a\n  - n: b\n  d:\n  - n: c\n  - n: d\n    x: e\n",  # a repeated key: its subtrees are the index's
]


@pytest.mark.parametrize("text", EDGES)
def test_edges(text: str) -> None:
    _compare(text)
