"""Reading parsed YAML: every string with its path, and safe nested lookups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk_strings(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string value (not keys) with its path."""
    stack = [(path, data)]
    pop, push = stack.pop, stack.append
    while stack:
        current_path, value = pop()
        kind = type(value)
        if kind is str:
            yield current_path, value
        elif kind is dict:
            for key, child in value.items():
                push((current_path + (key,), child))
        elif kind is list:
            for i, child in enumerate(value):
                push((current_path + (i,), child))


def get(data: Any, *path: Any, default: Any = None) -> Any:
    for part in path:
        if (isinstance(data, dict) and part in data) or (isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)):
            data = data[part]
        else:
            return default
    return data


def items(value: Any) -> list[Any]:
    """A field read as a list: what the API server would refuse (a number, a string, a map) is no list."""
    return value if isinstance(value, list) else []


def mapping(value: Any) -> dict[Any, Any]:
    """A field read as a map, the same way."""
    return value if isinstance(value, dict) else {}


def strings_under(data: Any, keys: frozenset[str]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string value of a mapping entry whose key is one of `keys`, with its path: a walk that makes paths
    only for collections, for rules that look at a few keys (walk_strings makes one for every string)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    pop, push = stack.pop, stack.append
    while stack:
        path, value = pop()
        if type(value) is dict:
            for key, child in value.items():
                kind = type(child)
                if kind is str:
                    if key in keys:
                        yield path + (key,), child
                elif kind is dict or kind is list:
                    push((path + (key,), child))
        elif type(value) is list:
            for i, child in enumerate(value):
                if type(child) is dict or type(child) is list:
                    push((path + (i,), child))
