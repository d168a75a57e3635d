"""Inputs of a lint run: YAML files, split into platform specs, manifest documents and skipped templates.

A file that cannot be read or parsed is a located problem of its own (the
engine reports it as a `parse-error` finding); it never stops the others.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlopsgen.errors import Location, Problem, UserError, yaml_syntax_hint
from mlopsgen.lint import kustomize, parse
from mlopsgen.lint.bounds import bounds_problem
from mlopsgen.lint.templates import Charts, has_template_syntax
from mlopsgen.readfile import read_regular

# A platform spec is `kind: Platform` of the mlopsgen.dev API group; a Platform of another group is a manifest.
PLATFORM_KIND = re.compile(r"^kind:\s*[\"']?Platform[\"']?\s*(?:#.*)?$", re.M)
PLATFORM_API = re.compile(r"^apiVersion:\s*[\"']?mlopsgen\.dev/", re.M)
MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # etcd stores objects of at most 1.5 MiB; this is many of them
INLINE_DISABLE = re.compile(r"#\s*mlopsgen:\s*disable=([a-z0-9,\s-]+)")
STDIN = "-"
STDIN_DISPLAY = "<stdin>"


def is_platform_spec(text: str) -> bool:
    return PLATFORM_KIND.search(text) is not None and PLATFORM_API.search(text) is not None


def inline_disables(text: str) -> dict[int, set[str]]:
    """`# mlopsgen: disable=rule[,rule]` comments: line -> slugs. A comment on a line of its own covers
    that line and the next; a comment after a value covers its own line only (as yamllint's disable-line)."""
    disabled: dict[int, set[str]] = {}
    if "mlopsgen:" not in text:
        return disabled
    for number, line in enumerate(text.splitlines(), start=1):
        match = INLINE_DISABLE.search(line)
        if match:
            slugs = {s.strip() for s in match.group(1).split(",") if s.strip()}
            own_line = line[:match.start()].strip() == ""
            for target in (number, number + 1) if own_line else (number,):
                disabled.setdefault(target, set()).update(slugs)
    return disabled


class ManifestFile:
    """One YAML file of manifests or Helm values: its documents and, on demand, their positions."""

    def __init__(self, path: Path, display: str, text: str, documents: list[Any]):
        self.path = path
        self.display = display
        self.text = text
        self.documents = documents
        self.namespaces: tuple[str | None, ...] = ()  # imposed by the kustomizations that include the file
        self.objects = True  # False for patches and data a kustomization names: values, not objects
        self._marks: list[dict] | None = None
        self._roots: list | None = None
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

    def node_roots(self) -> list:
        """The node tree of each document, composed once on demand (positions for the files that need them)."""
        if self._roots is None:
            self._roots = list(parse.yaml_module().compose_all(self.text, Loader=parse.loader()))
        return self._roots

    def marks(self, index: int) -> dict:
        """Path -> node for document `index`."""
        if self._marks is None:
            self._marks = parse.index_nodes(self.text)
        return self._marks[index] if index < len(self._marks) else {}


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
        return (self.file.objects and isinstance(self.data, dict) and isinstance(self.data.get("kind"), str)
                and "apiVersion" in self.data)

    @property
    def kind(self) -> str:
        return self.data.get("kind", "") if self.is_object else ""

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

    def groups(self) -> list[tuple[str, str]]:
        """(namespace, "") for each namespace the object lands in, or ("", file) when that is unknown:
        objects without a namespace are judged with the others of their file, never of the whole run."""
        own = self.namespace
        names = {imposed or own for imposed in self.file.namespaces} if self.file.namespaces else {own}
        return sorted((name, "") if name else ("", self.file.display) for name in names)

    def position(self, path: tuple = ()) -> tuple[int, int]:
        """Where the field at `path` is: a scalar's value, or a collection's key (`route:`, not its first item)."""
        marks = self.file.marks(self.index)
        while path not in marks and path:
            path = path[:-1]
        node = marks.get(path)
        key = marks.get(path[:-1] + (("key", path[-1]),)) if path else None
        if key is not None and parse.is_collection(node):
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
    platform_texts: dict[Path, str] = field(default_factory=dict)
    manifest_files: list[ManifestFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # files that could not be read: one each
    templates: list[str] = field(default_factory=list)  # files skipped as templates
    displays: dict[Path, str] = field(default_factory=dict)  # every path read -> its name in reports

    @property
    def manifests(self) -> list[Manifest]:
        return [Manifest(f, i, d) for f in self.manifest_files for i, d in enumerate(f.documents) if d is not None]


def display_path(path: Path, root: Path) -> str:
    return Displays(root)(path)


class Displays:
    """File names as reports show them: relative to the root, links resolved; each folder resolved once."""

    def __init__(self, root: Path):
        self.root = str(root).rstrip("/") + "/"
        self._folders: dict[str, str] = {}

    def __call__(self, path: Path) -> str:
        text = str(path)
        if text == STDIN:
            return STDIN_DISPLAY
        folder, name = os.path.split(text)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder or ".")
        full = os.path.join(real, name)
        if os.path.islink(full):
            full = os.path.realpath(full)
        return full[len(self.root):] if full.startswith(self.root) else path.as_posix()


def _read_text(path: Path, display: str, stdin: bytes | None, follow_symlinks: bool = True) -> str | Problem:
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


LINT_HINT = "the other files were linted"


def _parse_problem(exc, display: str, hint: str) -> Problem:
    yaml = parse.yaml_module()
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = str(exc.problem or exc.context)
        return Problem(Location(display, line, column), f"YAML syntax error: {problem}", hint=f"{yaml_syntax_hint(problem)}; {hint}")
    return Problem(Location(display, 1, 1), f"YAML error: {str(exc).splitlines()[0]}", hint=f"fix the file; {hint}")


def parsed(path: Path, display: str, text: str, hint: str = LINT_HINT) -> ManifestFile | Problem:
    """A file's documents as Kubernetes reads them, within the depth and alias bounds."""
    yaml = parse.yaml_module()
    try:
        bounded = bounds_problem(text, display)
        if bounded is not None:
            return bounded
        return ManifestFile(path, display, text, parse.load_all(text))
    except yaml.YAMLError as exc:
        return _parse_problem(exc, display, hint)


def read_manifest(path: Path, display: str, follow_symlinks: bool = True, hint: str = LINT_HINT) -> ManifestFile | Problem:
    """One manifest file read and parsed through lint's bounds: a ManifestFile, or the located problem."""
    text = _read_text(path, display, None, follow_symlinks)
    return text if isinstance(text, Problem) else parsed(path, display, text, hint)


def read_inputs(paths: list[Path], root: Path, stdin: bytes | None = None) -> Inputs:
    inputs = Inputs()
    charts = Charts()
    displays = Displays(root)
    for path in paths:
        display = displays(path)
        inputs.displays[path] = display
        if str(path) != STDIN and charts.chart_of(path):
            inputs.templates.append(display)
            continue
        text = _read_text(path, display, stdin)
        if isinstance(text, Problem):
            inputs.problems.append(text)
            continue
        if is_platform_spec(text):
            inputs.platform_files.append(path)
            inputs.platform_texts[path] = text
            continue
        source = parsed(path, display, text)
        if isinstance(source, Problem):
            if source.message.startswith("YAML") and has_template_syntax(text):
                inputs.templates.append(display)
            else:
                inputs.problems.append(source)
            continue
        inputs.manifest_files.append(source)
    _apply_kustomizations(inputs)
    return inputs


def _apply_kustomizations(inputs: Inputs) -> None:
    found = [kustomize.parse(f.path, f.documents[0]) for f in inputs.manifest_files
             if len(f.documents) == 1 and kustomize.is_kustomization(f.path, f.documents[0])]
    index = kustomize.Index([k for k in found if k])
    if not index.by_directory:
        return
    for f in inputs.manifest_files:
        path = kustomize.path_key(f.path)
        f.namespaces = index.namespaces(path)
        f.objects = not index.is_not_object(path)
