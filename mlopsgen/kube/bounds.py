"""Bounds on a manifest file before PyYAML builds it: the spec loader's, on libyaml's event stream."""

from __future__ import annotations

import re
from typing import Any

from mlopsgen.errors import Location, Problem
from mlopsgen.readfile import MAX_DEPTH, MAX_NODES

_INDENTS = re.compile(r"^ *", re.M)
_INDICATED = re.compile(r"^ *(?:[-?:][ \t]+)+", re.M)  # indentation and the block indicators (`- `, `? `, `: `) after it
_INDICATOR = re.compile(r"[-?:][ \t]+")
# Where a flow collection can start, once spaces and tabs are gone: the start of the text or of a line, or
# after `:`, `-`, `?` (block indicators and `---`), `,`, `[` or `{` (inside a flow). A `[` or `{` anywhere
# else is text inside a scalar (`echo [a]`, Argo's `"{{inputs.x}}"`). Tags (`!foo [`) defeat this reading.
_FLOW_START = re.compile(r"(?:^|(?<=[\n:\-?,\[{]))[\[{]")


def within_bounds_by_text(text: str) -> bool:
    """A sufficient condition, from the text alone, in C-speed string scans: no anchor (so no alias can
    expand anything), and a nesting depth bounded below the limit. Every block collection starts at a
    column where a line's content, or the node after one of its leading indicators, starts; a nested one
    starts further right, except a sequence written at its parent key's column (YAML's indentless
    sequences), so there are at most two block levels per such column. A flow level takes a `[` or `{`
    where a node can start. Most files pass, and skip the event-stream walk."""
    if "&" in text:
        return False
    # Lines are what the scans below see: a line break other than LF (CR alone, NEL, U+2028/2029, which
    # YAML 1.1 readers also break at) leaves the file to the walk.
    text = text.replace("\r\n", "\n")
    if any(c in text for c in ("\r", "\x85", "\u2028", "\u2029")):
        return False
    flows = text.count("[") + text.count("{")
    if flows and "!" not in text:
        flows = len(_FLOW_START.findall(text.replace(" ", "").replace("\t", "")))
    if flows >= MAX_DEPTH:
        return False
    indicated = _INDICATED.findall(text)
    # columns: each line's indentation, and where each of its leading indicators ends (a prefix starts at
    # its line's start, so an offset in it is a column); most lines have one indicator, whose end is the
    # prefix's length
    columns = set(map(len, _INDENTS.findall(text))) | set(map(len, indicated))
    for prefix in indicated:
        if prefix.count("-") + prefix.count("?") + prefix.count(":") > 1:
            columns |= {m.end() for m in _INDICATOR.finditer(prefix)}
    return len(columns) * 2 + flows + 1 < MAX_DEPTH


def bounds_problem(text: str, display: str) -> Problem | None:
    """The spec loader's bounds, for manifests: nesting depth, and nodes added by aliases (a 452-byte
    "billion laughs" names 10^9 nodes). Read from libyaml's event stream, which stops at the first bound
    crossed: PyYAML's composer recurses in C with no depth limit, and rules walk aliases expanded. A file
    whose text alone shows it within the bounds skips the walk."""
    if within_bounds_by_text(text):
        return None
    from mlopsgen.kube import yaml as parse

    yaml, loader = parse.yaml_module(), parse.loader()
    starts, ends = (yaml.MappingStartEvent, yaml.SequenceStartEvent), (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    sizes: dict[str, int] = {}
    stack: list[tuple[str | None, int]] = []
    nodes = added = 0
    for event in yaml.parse(text, Loader=loader):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            nodes += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif kind in starts:
            nodes += 1
            stack.append((event.anchor, nodes))
            if len(stack) > MAX_DEPTH:
                return _located(display, event, f"nesting deeper than {MAX_DEPTH} levels", "flatten the structure")
        elif kind in ends:
            anchor, start = stack.pop()
            if anchor:
                sizes[anchor] = nodes - start + 1
        elif kind is yaml.AliasEvent:
            size = sizes.get(event.anchor, 1)
            nodes, added = nodes + size, added + size
            if added > MAX_NODES:
                return _located(display, event, f"aliases expand the file by more than {MAX_NODES} nodes",
                                "this looks like an alias bomb; write the values out")
    return None


def _located(display: str, event: Any, message: str, hint: str) -> Problem:
    return Problem(Location(display, event.start_mark.line + 1, event.start_mark.column + 1), message, hint=hint)
