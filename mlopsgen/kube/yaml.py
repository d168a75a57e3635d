"""Reading manifests as Kubernetes reads them, fast, and finding positions only when asked.

Documents are read by PyYAML's C parser with a safe constructor that accepts what the API server
accepts: sigs.k8s.io/yaml reads YAML 1.1 and turns it into JSON, so the 1.1 value tag (`=` unquoted, as
upstream CRDs write it in enums) is a plain string and timestamps stay strings. A position is found only
for a node something reports: off the lines of a plain block document (kube/blocklocate.py), else from an
index of the documents of its file up to the one holding it, read from the parser's event stream.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

Path = tuple[Any, ...]  # keys and indexes from a document's root


def yaml_module() -> ModuleType:
    import yaml

    return yaml


@cache
def loader() -> type:
    """The safe C loader with Kubernetes' reading of YAML 1.1 scalars (a class, built once)."""
    yaml = yaml_module()
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class KubernetesLoader(base):  # type: ignore[valid-type,misc]
        pass

    def as_string(constructor: Any, node: Any) -> str:
        return str(constructor.construct_scalar(node))

    KubernetesLoader.add_constructor("tag:yaml.org,2002:value", as_string)
    KubernetesLoader.add_constructor("tag:yaml.org,2002:timestamp", as_string)
    return KubernetesLoader


def load_all(text: str) -> list[Any]:
    """The documents of `text` as the API server reads them (the bounds are the caller's: kube/manifest.py)."""
    return list(yaml_module().load_all(text, Loader=loader()))


# What PyYAML resolves a plain scalar to `int` by (a mapping key that is one, a port, stays an integer).
_INT = re.compile(r"[-+]?(?:0b[0-1_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)")


_INT_LEADS = frozenset("+-0123456789")  # what every _INT match starts with (the empty text is no key of it)


@dataclass(frozen=True)
class Located:
    """Where a node of a document is: its key's mark (a mapping's entry) or None, its start and end marks."""

    key: Any
    start: Any
    end: Any
    collection: bool


Index = dict[Path, Located]


def document_indexes(text: str) -> Iterator[Index]:
    """Per document, path -> where its node is, read from libyaml's event stream: no node objects and no
    tag resolution, one pass (positions for a file with findings cost a fraction of composing it). A path
    through an alias leads into the anchored node, as the composed document would; a key that is itself a
    collection names no path; a repeated key keeps its first entry."""
    yaml = yaml_module()
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts, ends = (yaml.MappingStartEvent, yaml.SequenceStartEvent), (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    index: Index = {}
    anchors: dict[str, Path] = {}
    stack: list[_Frame] = []
    for event in yaml.parse(text, Loader=loader()):
        kind = type(event)
        if kind is yaml.DocumentStartEvent:
            index, anchors, stack = {}, {}, []
        elif kind is yaml.DocumentEndEvent:
            yield index
        elif kind in ends:
            frame = stack.pop()
            if frame.path is not None:
                index.setdefault(frame.path, Located(frame.key_mark, frame.start, event.end_mark, True))
        elif kind is scalar or kind is alias or kind in starts:
            path, key_mark = _place(stack, event, kind is scalar)
            if kind in starts:
                stack.append(_Frame(path, key_mark, event.start_mark, kind is yaml.MappingStartEvent))
            elif path is None:
                continue
            elif kind is scalar:
                index.setdefault(path, Located(key_mark, event.start_mark, event.end_mark, False))
            elif event.anchor in anchors:
                _rebase(index, anchors[event.anchor], path, key_mark)
            if kind is not alias and event.anchor and path is not None:
                anchors[event.anchor] = path


class _Frame:
    """An open collection: its path (None inside a key that is a collection), and what its next node is."""

    __slots__ = ("expects_key", "key", "key_mark", "mapping", "next_index", "next_key_mark", "path", "start")

    def __init__(self, path: Path | None, key_mark: Any, start: Any, mapping: bool):
        self.path, self.key_mark, self.start, self.mapping = path, key_mark, start, mapping
        self.next_index, self.expects_key = 0, True
        self.key: object = None  # the pending entry's key (None: a key that is a collection)
        self.next_key_mark: Any = None


def _place(stack: list[_Frame], event: Any, is_scalar: bool) -> tuple[Path | None, Any]:
    """The path of the node `event` starts, and its key's mark; (None, None) for a mapping's key."""
    if not stack:
        return (), None
    frame = stack[-1]
    if frame.path is None:
        return None, None
    if not frame.mapping:
        frame.next_index += 1
        return frame.path + (frame.next_index - 1,), None
    if frame.expects_key:
        frame.expects_key = False
        frame.key = _key(event) if is_scalar else None
        frame.next_key_mark = event.start_mark
        return None, None
    frame.expects_key = True
    return (None if frame.key is None else frame.path + (frame.key,)), frame.next_key_mark


def _key(event: Any) -> object:
    """A mapping key as the loader builds it: integer keys (ports) stay integers."""
    if event.tag:
        return _as_int(event.value) if event.tag.endswith("int") else event.value
    return plain_key(event.value) if event.implicit[0] else event.value


def plain_key(text: str) -> object:
    """A plain mapping key as the index keys it: an integer where 1.1 resolves one Python reads, else the text."""
    return _as_int(text) if text[:1] in _INT_LEADS and _INT.fullmatch(text) else text


def _as_int(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        return text


def _rebase(index: Index, anchored: Path, path: Path, key_mark: Any) -> None:
    """An alias at `path`: the anchored node's places, under `path` (the alias's own key kept)."""
    size = len(anchored)
    for place, located in [(p, loc) for p, loc in index.items() if p[:size] == anchored]:
        target = path + place[size:]
        index.setdefault(target, Located(key_mark, located.start, located.end, located.collection)
                         if place == anchored else located)


def nearest(index: Index, path: Path) -> tuple[Located | None, bool]:
    """Where the node at `path` is, or its nearest written ancestor; and whether it is the whole path."""
    whole = path in index
    while path and path not in index:
        path = path[:-1]
    return index.get(path), whole
