"""Inputs of a lint run: YAML files, split into platform specs, manifest documents and skipped templates.

A file that cannot be read or parsed is a located problem of its own (the
engine reports it as a `parse-error` finding); it never stops the others.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from mlopsgen.errors import Problem
from mlopsgen.kube.manifest import STDIN, Manifest, ManifestFile, document_objects, parsed, read_text
from mlopsgen.lint import kustomize
from mlopsgen.lint.templates import Charts, has_template_syntax

# A platform spec is `kind: Platform` of the mlopsgen.dev API group; a Platform of another group is a manifest.
PLATFORM_KIND = re.compile(r"^kind:\s*[\"']?Platform[\"']?\s*(?:#.*)?$", re.M)
PLATFORM_API = re.compile(r"^apiVersion:\s*[\"']?mlopsgen\.dev/", re.M)
INLINE_DISABLE = re.compile(r"#\s*mlopsgen:\s*disable=([a-z0-9,\s-]+)")
STDIN_DISPLAY = "<stdin>"
LINT_HINT = "the other files were linted"


def is_platform_spec(text: str) -> bool:
    # the substring first: a manifest file is told in one scan, not two per line start
    return "mlopsgen.dev/" in text and PLATFORM_API.search(text) is not None and PLATFORM_KIND.search(text) is not None


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
        return [m for f in self.manifest_files for m in document_objects(f)]


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
        text = read_text(path, display, stdin)
        if isinstance(text, Problem):
            inputs.problems.append(text)
            continue
        if is_platform_spec(text):
            inputs.platform_files.append(path)
            inputs.platform_texts[path] = text
            continue
        source = parsed(path, display, text, LINT_HINT)
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
