"""What every semantic check works with: the document with its defaults, and the problems found."""

from __future__ import annotations

from mlopsgen.errors import Problem
from mlopsgen.platform.defaults import with_defaults
from mlopsgen.platform.loader import Document
from mlopsgen.platform.schema import json_pointer, platform_schema


class Checker:
    def __init__(self, doc: Document):
        self.doc = doc
        self.data = with_defaults(doc.data, platform_schema())  # values as the model will see them
        self.problems: list[Problem] = []
        self._names: dict[str, dict[str, int]] = {}

    def fail(self, path, message: str, hint: str = "", at_key: bool = False) -> None:
        self.problems.append(Problem(self.doc.locate(path, at_key=at_key), message, json_pointer(path), hint))

    def names(self, section: str) -> dict[str, int]:
        if section not in self._names:  # built once: references are checked per item
            self._names[section] = {item["name"]: i for i, item in enumerate(self.data.get(section, []))}
        return self._names[section]

    def reference(self, path, value: str, section: str, what: str) -> bool:
        known = self.names(section)
        if value in known:
            return True
        choices = ", ".join(sorted(known)) or f"none declared; add one under '{section}'"
        self.fail(path, f"unknown {what} '{value}'", f"declared {section}: {choices}")
        return False
