"""Build test specs from the examples by path, not by exact-text replacement.

    spec = Spec.example("quickstart")
    spec.set("teams/fraud/quotas/dev/cpu", 20)     # list items are addressed by `name`
    spec.remove("teams/recsys/quotas/dev")
    path = spec.write(tmp_path)                    # platform.yaml in tmp_path

A path is keys joined by "/"; a segment under a list selects the item whose
`name` is that segment, or the item at that index when it is a number.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT


class Spec:
    def __init__(self, data: dict):
        self.data = data

    @classmethod
    def example(cls, name: str) -> Spec:
        return cls(yaml.safe_load((ROOT / "examples" / name / "platform.yaml").read_text()))

    def copy(self) -> Spec:
        return Spec(copy.deepcopy(self.data))

    def get(self, path: str) -> Any:
        node: Any = self.data
        for part in path.split("/"):
            node = _child(node, part)
        return node

    def set(self, path: str, value: Any) -> Spec:
        parent, last = self._parent(path)
        if isinstance(parent, list):
            parent[_index(parent, last)] = value
        else:
            parent[last] = value
        return self

    def remove(self, path: str) -> Spec:
        parent, last = self._parent(path)
        if isinstance(parent, list):
            del parent[_index(parent, last)]
        else:
            del parent[last]
        return self

    def append(self, path: str, value: Any) -> Spec:
        self.get(path).append(value)
        return self

    def text(self) -> str:
        return yaml.safe_dump(self.data, sort_keys=False)

    def write(self, directory: Path, name: str = "platform.yaml") -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
        path.write_text(self.text())
        return path

    def _parent(self, path: str) -> tuple[Any, str]:
        head, _, last = path.rpartition("/")
        return (self.get(head) if head else self.data), last


def _index(items: list, part: str) -> int:
    if part.isdigit():
        return int(part)
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return i
    raise KeyError(f"no item named {part!r}")


def _child(node: Any, part: str) -> Any:
    return node[_index(node, part)] if isinstance(node, list) else node[part]
