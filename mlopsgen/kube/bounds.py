"""Bounds on a manifest file before PyYAML builds it: the spec loader's, on libyaml's event stream."""

from __future__ import annotations

from typing import Any

from mlopsgen.errors import Location, Problem
from mlopsgen.readfile import MAX_DEPTH, MAX_NODES


def bounds_problem(text: str, display: str) -> Problem | None:
    """The spec loader's bounds, for manifests: nesting depth, and nodes added by aliases (a 452-byte
    "billion laughs" names 10^9 nodes). Read from libyaml's event stream, which stops at the first bound
    crossed: PyYAML's composer recurses in C with no depth limit, and rules walk aliases expanded."""
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
