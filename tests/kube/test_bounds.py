"""The text pre-check of the YAML bounds is sound: whenever it lets a file skip the event walk, the file
really is within the depth bound and has no alias to expand."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mlopsgen.kube.bounds import within_bounds_by_text
from mlopsgen.readfile import MAX_DEPTH

leaves = st.one_of(st.integers(), st.text(alphabet="ab[]{}-:? ", max_size=6), st.none())
trees = st.recursive(leaves, lambda children: st.one_of(st.lists(children, max_size=3),
                                                        st.dictionaries(st.text(alphabet="kx", min_size=1, max_size=3), children, max_size=3)),
                     max_leaves=200)


def _depth(text: str) -> int:
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return deepest


def _nest(levels: int, leaf: object) -> object:
    for i in range(levels):
        leaf = [leaf] if i % 2 else {"k": leaf}
    return leaf


@settings(max_examples=300, deadline=None)
@given(trees, st.sampled_from([None, True, False]), st.integers(min_value=0, max_value=90),
       st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from([2, 4]))
def test_the_text_check_never_passes_a_file_past_the_bounds(tree, flow, extra, newline, indent):
    text = yaml.safe_dump(_nest(extra, tree), default_flow_style=flow, width=40, indent=indent, line_break=newline)
    if within_bounds_by_text(text):
        assert _depth(text) < MAX_DEPTH


@given(st.integers(min_value=1, max_value=40), st.sampled_from([" ", "  ", "   "]))
def test_compact_sequences_count_every_level(levels, gap):
    """`- - - k:` opens a level per indicator on one line; each next line nests under the previous key."""
    text, column = "", 0
    for _ in range(4):
        text += " " * column + f"-{gap}" * levels + "k:\n"
        column += (1 + len(gap)) * levels + 2  # below the key, further right
    text += " " * column + "v\n"
    depth = _depth(text)  # valid YAML: the parser says so, or the test fails
    assert depth == 4 * (levels + 1)
    if within_bounds_by_text(text):
        assert depth < MAX_DEPTH
