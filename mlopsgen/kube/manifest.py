"""A manifest file and its documents: read through the bounds, loaded as the API server loads YAML, and
located only when something needs a position.

A file that cannot be read or parsed is a located Problem of its own (the caller decides what it
means: a parse-error finding for lint, a refused tree for verify); it never stops the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mlopsgen.errors import Location, Problem, UserError, yaml_syntax_hint
from mlopsgen.kube import blocklocate
from mlopsgen.kube import yaml as parse
from mlopsgen.kube.bounds import bounds_problem
from mlopsgen.kube.fastread import fast_documents
from mlopsgen.kube.podtemplate import PodTemplate
from mlopsgen.kube.workloads import pod_templates
from mlopsgen.kube.yaml import Path as YamlPath
from mlopsgen.readfile import read_regular

MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # etcd stores objects of at most 1.5 MiB; this is many of them
STDIN = "-"


class ManifestFile:
    """One YAML file of manifests or Helm values: its documents and, on demand, their positions."""

    def __init__(self, path: Path, display: str, text: str, documents: list[Any]):
        self.path = path
        self.display = display
        self.text = text
        self.documents = documents
        self.namespaces: tuple[str | None, ...] = ()  # imposed by the kustomizations that include the file
        self.objects = True  # False for patches and data a kustomization names: values, not objects
        self._positions: list[parse.Index] = []  # the documents indexed so far, for positions
        self._indexes: Iterator[parse.Index] | None = None
        self._lines: list[str] | None = None
        self._blocks: list[tuple[int, int]] | None = None  # each document's lines, where the file's markers are plain
        self._blocks_read = False
        self._tables: dict[int, blocklocate.Table | None] = {}
        self._may_contain: dict[Any, bool] = {}

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def may_contain(self, pattern: re.Pattern[str]) -> bool:
        """Whether a string value of the file may match `pattern` (a pattern that looks at nothing outside its
        match and matches no blank): its text holds a match, or a backslash that may escape one. A value's characters are in the
        text as written but for escapes; folding only turns line breaks into blanks, so it hides matches and
        makes none. Asked once per file by a rule, not once per document."""
        known = self._may_contain.get(pattern)
        if known is None:
            known = self._may_contain[pattern] = "\\" in self.text or pattern.search(self.text) is not None
        return known

    def block_found(self, index: int, path: YamlPath) -> tuple[int, blocklocate.Found] | None:
        """(the document's first line, where the node at `path` or its nearest ancestor is) read off the lines of
        a plain block document (kube/blocklocate.py), or None: the event index must tell."""
        if not self._blocks_read:
            self._blocks, self._blocks_read = blocklocate.document_lines(self.text, len(self.documents)), True
        if not self._blocks or index >= len(self._blocks):
            return None
        first, end = self._blocks[index]
        if index not in self._tables:
            self._tables[index] = blocklocate.table(self.lines, first, end)
        rows = self._tables[index]
        found = None if rows is None else blocklocate.locate(rows, path)
        return None if found is None else (first, found)

    def located(self, index: int, path: YamlPath) -> tuple[parse.Located | None, bool]:
        """Where the node at `path` of document `index` is (or its nearest written ancestor), and whether it
        is the whole path. The documents are indexed only when a position is asked for, only as far as that
        document, and kept for the run."""
        if self._indexes is None:
            self._indexes = parse.document_indexes(self.text)
        while len(self._positions) <= index:
            found = next(self._indexes, None)
            if found is None:
                return None, False
            self._positions.append(found)
        return parse.nearest(self._positions[index], path)


@dataclass
class Manifest:
    """One document of a manifest file, as rules see it."""

    file: ManifestFile
    index: int
    data: Any
    base: YamlPath = ()  # where the object is in its document: () or, for an item of a `kind: List`, ("items", i)
    _strings: list[tuple[YamlPath, str]] | None = field(default=None, repr=False)
    _templates: list[PodTemplate] | None = field(default=None, repr=False)

    def pod_templates(self) -> list[PodTemplate]:
        """Where the object describes its pods (kube/workloads.py), found once for every rule that asks."""
        if self._templates is None:
            self._templates = pod_templates(self.data) if self.is_object else []
        return self._templates

    def strings(self) -> list[tuple[YamlPath, str]]:
        """Every string value with its path, collected once for all the rules that scan text."""
        if self._strings is None:
            from mlopsgen.kube.walk import walk_strings

            self._strings = list(walk_strings(self.data))
        return self._strings

    @cached_property
    def is_object(self) -> bool:
        # Every rule asks, for every document: answered once (a document is never changed after reading).
        return bool(self.file.objects and isinstance(self.data, dict) and isinstance(self.data.get("kind"), str)
                    and "apiVersion" in self.data)

    @cached_property
    def kind(self) -> str:
        return str(self.data.get("kind", "")) if self.is_object else ""

    @property
    def api_group(self) -> str:
        version = str(self.data.get("apiVersion", "")) if self.is_object else ""
        return version.rsplit("/", 1)[0] if "/" in version else ""

    @property
    def name(self) -> str:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str:
        """`metadata.namespace` as written."""
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return str(meta.get("namespace") or "") if isinstance(meta, dict) else ""

    @cached_property
    def _groups(self) -> list[tuple[str, str]]:
        own = self.namespace
        names = {imposed or own for imposed in self.file.namespaces} if self.file.namespaces else {own}
        return sorted((name, "") if name else ("", self.file.display) for name in names)

    def groups(self) -> list[tuple[str, str]]:
        """(namespace, "") for each namespace the object lands in, or ("", file) when that is unknown:
        objects without a namespace are judged with the others of their file, never of the whole run."""
        return self._groups

    def position(self, path: YamlPath = ()) -> tuple[int, int]:
        """Where the field at `path` is (its nearest written ancestor): a scalar's value, or a collection's
        key (`route:`, not its first item)."""
        block = self.file.block_found(self.index, self.base + path)
        if block is not None:
            first, found = block
            mark = found.key if found.node.collection and found.key is not None else found.start
            return first + mark.line + 1, mark.column + 1
        located, _ = self.file.located(self.index, self.base + path)
        if located is None:
            return 1, 1
        mark = located.key if located.collection and located.key is not None else located.start
        return mark.line + 1, mark.column + 1

    def text_position(self, path: YamlPath, needle: str) -> tuple[int, int]:
        """Where `needle` appears inside the scalar at `path` (block scalars span lines)."""
        block = self.file.block_found(self.index, self.base + path)
        if block is not None and block[1].whole and block[1].node.kind == "scalar" and not block[1].node.collection:
            first, found = block
            line = first + found.start.line
            column = self.file.lines[line].find(needle, found.start.column)  # a one-line scalar: the needle is on its line
            return line + 1, (column if column >= 0 else found.start.column) + 1
        located, whole = self.file.located(self.index, self.base + path)
        if located is None or not whole:
            return self.position(path)
        start, end = located.start.line, located.end.line
        lines = self.file.lines
        for number in range(start, min(end, len(lines) - 1) + 1):
            column = lines[number].find(needle, located.start.column if number == start else 0)
            if column >= 0:
                return number + 1, column + 1
        return start + 1, located.start.column + 1


def read_text(path: Path, display: str, stdin: bytes | None, follow_symlinks: bool = True) -> str | Problem:
    if str(path) == STDIN and stdin is not None:
        raw = stdin
    else:
        try:  # regular files only, within the size limit: a FIFO never blocks, /dev/zero never fills memory
            raw = read_regular(path, display, MAX_MANIFEST_BYTES, follow_symlinks=follow_symlinks)
        except UserError as error:
            problem = error.problems[0]
            return Problem(problem.location, problem.message, hint=problem.hint or "fix its permissions or exclude it")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Problem(Location(display, 1, exc.start + 1), "file is not UTF-8", hint="save it as UTF-8")


def document_objects(file: ManifestFile) -> list[Manifest]:
    """The documents of a file as rules see them: a `kind: List` (what `kubectl get -o yaml` writes, and
    some charts render) is its items, each an object of its own at its place in the document."""
    out = []
    for index, data in enumerate(file.documents):
        if data is None:
            continue
        items = data.get("items") if isinstance(data, dict) and data.get("kind") == "List" else None
        if isinstance(items, list) and str(data.get("apiVersion", "")) == "v1":
            out += [Manifest(file, index, item, ("items", i)) for i, item in enumerate(items) if isinstance(item, dict)]
        else:
            out.append(Manifest(file, index, data))
    return out


def _parse_problem(exc: Exception, display: str, hint: str) -> Problem:
    yaml = parse.yaml_module()
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = str(exc.problem or exc.context)
        return Problem(Location(display, line, column), f"YAML syntax error: {problem}", hint=yaml_syntax_hint(problem) + (f"; {hint}" if hint else ""))
    return Problem(Location(display, 1, 1), f"YAML error: {str(exc).splitlines()[0]}", hint="fix the file" + (f"; {hint}" if hint else ""))


def _c_documents(text: str) -> list[Any] | None:
    """One document's text as the C loader reads it within the bounds, or None (the whole file then is)."""
    yaml = parse.yaml_module()
    try:
        return None if bounds_problem(text, "") is not None else list(yaml.load_all(text, Loader=parse.loader()))
    except yaml.YAMLError:
        return None


def parsed(path: Path, display: str, text: str, hint: str = "") -> ManifestFile | Problem:
    """A file's documents as Kubernetes reads them, within the depth and alias bounds: by fastyaml-rs where
    its reading is the C loader's (kube/fastread.py), else by the C loader, which locates what it refuses."""
    documents = fast_documents(text, _c_documents)
    if documents is not None:
        return ManifestFile(path, display, text, documents)
    yaml = parse.yaml_module()
    try:
        bounded = bounds_problem(text, display)
        if bounded is not None:
            return bounded
        return ManifestFile(path, display, text, list(yaml.load_all(text, Loader=parse.loader())))
    except yaml.YAMLError as exc:
        return _parse_problem(exc, display, hint)


def read_manifest(path: Path, display: str, follow_symlinks: bool = True, hint: str = "") -> ManifestFile | Problem:
    """One manifest file read and parsed through lint's bounds: a ManifestFile, or the located problem."""
    text = read_text(path, display, None, follow_symlinks)
    return text if isinstance(text, Problem) else parsed(path, display, text, hint)


