"""Inputs of a lint run: YAML files, split into platform specs and manifest documents.

Manifests are parsed with PyYAML's C loader, the fastest safe parser here;
positions are computed only for files that have findings, by composing that
file's node tree once (also in C) and indexing it by path.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlopsgen.errors import Location, Problem, UserError

YAML_SUFFIXES = (".yaml", ".yml")
PLATFORM_KIND = re.compile(r"^kind:\s*[\"']?Platform[\"']?\s*$", re.M)
ALWAYS_EXCLUDED = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".venv-tools", ".tox"}
INLINE_DISABLE = re.compile(r"#\s*mlopsgen:\s*disable=([a-z0-9,\s-]+)")


def inline_disables(text: str) -> dict[int, set[str]]:
    """`# mlopsgen: disable=rule[,rule]` comments: line -> slugs, for the comment's line and the next."""
    disabled: dict[int, set[str]] = {}
    if "mlopsgen:" not in text:
        return disabled
    for number, line in enumerate(text.splitlines(), start=1):
        match = INLINE_DISABLE.search(line)
        if match:
            slugs = {s.strip() for s in match.group(1).split(",") if s.strip()}
            for target in (number, number + 1):
                disabled.setdefault(target, set()).update(slugs)
    return disabled


class ManifestFile:
    """One YAML file of manifests or Helm values: its documents and, on demand, their positions."""

    def __init__(self, path: Path, display: str, text: str, documents: list[Any]):
        self.path = path
        self.display = display
        self.text = text
        self.documents = documents
        self._marks: list[dict] | None = None
        self._lines: list[str] | None = None
        self._disabled: dict[int, set[str]] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def disabled_rules(self) -> dict[int, set[str]]:
        if self._disabled is None:
            self._disabled = inline_disables(self.text)
        return self._disabled

    def marks(self, index: int) -> dict:
        """Path -> (line, column, node) for document `index`, 1-based positions."""
        if self._marks is None:
            yaml, loader = _yaml()
            self._marks = [_index_node(node) for node in yaml.compose_all(self.text, Loader=loader)]
        return self._marks[index] if index < len(self._marks) else {}


def _yaml():
    """PyYAML and its fastest safe loader; imported only when there are manifests to read."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _key(node) -> object:
    """A mapping key as the loader built it: integer keys (ports) stay integers."""
    if node.tag.endswith(":int"):
        try:
            return int(node.value)
        except ValueError:
            return node.value
    return node.value


def _index_node(node) -> dict:
    yaml, _ = _yaml()
    marks: dict = {}
    stack: list[tuple[tuple, Any]] = [((), node)]
    while stack:
        path, current = stack.pop()
        marks[path] = current
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    name = _key(key)
                    marks[path + (("key", name),)] = key
                    stack.append((path + (name,), value))
        elif isinstance(current, yaml.SequenceNode):
            for i, value in enumerate(current.value):
                stack.append((path + (i,), value))
    return marks


@dataclass
class Manifest:
    """One document of a manifest file, as rules see it."""

    file: ManifestFile
    index: int
    data: Any
    _strings: list | None = field(default=None, repr=False)

    def strings(self) -> list[tuple[tuple, str]]:
        """Every string value with its path, collected once for all the rules that scan text."""
        if self._strings is None:
            from mlopsgen.lint.walk import walk_strings

            self._strings = list(walk_strings(self.data))
        return self._strings

    @property
    def is_object(self) -> bool:
        return isinstance(self.data, dict) and isinstance(self.data.get("kind"), str) and "apiVersion" in self.data

    @property
    def kind(self) -> str:
        return self.data.get("kind", "") if isinstance(self.data, dict) else ""

    @property
    def name(self) -> str:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str:
        """The object's namespace; objects without one (bases, raw manifests) share the empty one."""
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return str(meta.get("namespace") or "") if isinstance(meta, dict) else ""

    def position(self, path: tuple = ()) -> tuple[int, int]:
        """Where the field at `path` is: a scalar's value, or a collection's key (`route:`, not its first item)."""
        yaml, _ = _yaml()
        marks = self.file.marks(self.index)
        while path not in marks and path:
            path = path[:-1]
        node = marks.get(path)
        key = marks.get(path[:-1] + (("key", path[-1]),)) if path else None
        if key is not None and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            node = key
        if node is None:
            return 1, 1
        return node.start_mark.line + 1, node.start_mark.column + 1

    def text_position(self, path: tuple, needle: str) -> tuple[int, int]:
        """Where `needle` appears inside the scalar at `path` (block scalars span lines)."""
        marks = self.file.marks(self.index)
        node = marks.get(path)
        if node is None:
            return self.position(path)
        start, end = node.start_mark.line, node.end_mark.line
        lines = self.file.lines
        for number in range(start, min(end, len(lines) - 1) + 1):
            column = lines[number].find(needle, node.start_mark.column if number == start else 0)
            if column >= 0:
                return number + 1, column + 1
        return node.start_mark.line + 1, node.start_mark.column + 1


@dataclass
class Inputs:
    platform_files: list[Path] = field(default_factory=list)
    manifest_files: list[ManifestFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def manifests(self) -> list[Manifest]:
        return [Manifest(f, i, d) for f in self.manifest_files for i, d in enumerate(f.documents) if d is not None]


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(arguments: list[str], excludes: list[str], root: Path) -> list[Path]:
    """Files named, and YAML files under directories named, minus excluded ones. Missing paths are errors."""
    found: list[Path] = []
    missing = []
    for argument in arguments:
        path = Path(argument)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            for directory, subdirs, files in os.walk(path):
                subdirs[:] = sorted(d for d in subdirs if d not in ALWAYS_EXCLUDED and not _excluded(Path(directory, d), excludes, root))
                found += [Path(directory, f) for f in sorted(files) if f.endswith(YAML_SUFFIXES)]
        else:
            missing.append(Problem(Location(argument), "no such file or directory", hint="check the path"))
    if missing:
        raise UserError(missing)
    unique = dict.fromkeys(p for p in found if not _excluded(p, excludes, root))
    return list(unique)


def _excluded(path: Path, patterns: list[str], root: Path) -> bool:
    relative = display_path(path, root)
    return any(fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative + "/", pattern) for pattern in patterns)


def read_inputs(paths: list[Path], root: Path) -> Inputs:
    inputs = Inputs()
    for path in paths:
        display = display_path(path, root)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            inputs.problems.append(Problem(Location(display), f"cannot read file: {exc.strerror}"))
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            inputs.problems.append(Problem(Location(display, 1, exc.start + 1), "file is not UTF-8"))
            continue
        if PLATFORM_KIND.search(text):
            inputs.platform_files.append(path)
            continue
        yaml, loader = _yaml()
        try:
            documents = list(yaml.load_all(text, Loader=loader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            inputs.problems.append(Problem(Location(display, line, column), f"YAML syntax error: {exc.problem or exc.context}",
                                           hint="fix the syntax; nothing in this file was linted"))
            continue
        except yaml.YAMLError as exc:
            inputs.problems.append(Problem(Location(display, 1, 1), f"YAML error: {str(exc).splitlines()[0]}"))
            continue
        inputs.manifest_files.append(ManifestFile(path, display, text, documents))
    return inputs
