"""What Kustomize makes of the files it is given: which are patches, and in which namespace objects land.

kustomize (sigs.k8s.io/kustomize, api/types/kustomization.go) reads `resources`
(files, or directories holding a kustomization) and `components` as objects;
files named by `patches`, `patchesStrategicMerge`, `patchesJson6902`,
`replacements`, `configurations`, `transformers`, `generators`, `openapi` and
the generators' `files`/`envs` are patches, configuration or data, never
objects of their own. Its namespace transformer sets `metadata.namespace` on
every object a kustomization builds, and an including kustomization's runs
last, so the outermost `namespace:` wins.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlopsgen.kube.walk import items

FILE_NAMES = ("kustomization.yaml", "kustomization.yml")
KINDS = ("Kustomization", "Component")
_ENTRY_LISTS = ("patches", "patchesJson6902", "replacements")
_MAYBE_DIRS = ("transformers", "generators", "validators")


@dataclass
class Kustomization:
    directory: str  # absolute, normalised, as every path here
    namespace: str | None
    children: list[str] = field(default_factory=list)  # resources and components: files or directories
    not_objects: set[str] = field(default_factory=set)


def path_key(path: Path | str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _local(directory: str, reference: Any) -> str | None:
    """A local path a kustomization names, normalised; None for remote targets and inline patches."""
    if not isinstance(reference, str) or "\n" in reference or "://" in reference or reference.startswith(("github.com/", "git@")):
        return None
    return os.path.normpath(os.path.join(directory, reference))


def _entries(data: dict, key: str) -> list:
    """A list field as kustomize reads it; any other value is its error to report, nothing to follow here."""
    return items(data.get(key))


def parse(path: Path, data: Any) -> Kustomization | None:
    if not isinstance(data, dict):
        return None
    directory = os.path.dirname(path_key(path))
    namespace = data.get("namespace")
    k = Kustomization(directory, namespace if isinstance(namespace, str) and namespace else None)
    for key in ("resources", "bases", "components"):
        k.children += [p for p in (_local(directory, r) for r in _entries(data, key)) if p]
    for key in ("patchesStrategicMerge", "configurations"):
        k.not_objects |= {p for p in (_local(directory, r) for r in _entries(data, key)) if p}
    for key in _ENTRY_LISTS:
        for entry in _entries(data, key):
            target = _local(directory, entry.get("path")) if isinstance(entry, dict) else None
            if target:
                k.not_objects.add(target)
    for key in _MAYBE_DIRS:  # a file here configures a transformer; a directory is built like a resource
        for reference in _entries(data, key):
            target = _local(directory, reference)
            if target:
                (k.children.append(target) if os.path.isdir(target) else k.not_objects.add(target))
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and _local(directory, openapi.get("path")):
        k.not_objects.add(_local(directory, openapi.get("path")) or "")
    for key in ("configMapGenerator", "secretGenerator"):
        for generator in _entries(data, key):
            if isinstance(generator, dict):
                sources = _entries(generator, "files") + _entries(generator, "envs") + [generator.get("env")]
                for source in sources:  # `files` entries may be `key=path`
                    target = _local(directory, source.split("=", 1)[-1] if isinstance(source, str) else source)
                    if target:
                        k.not_objects.add(target)
    return k


def is_kustomization(path: Path, data: Any) -> bool:
    return path.name in FILE_NAMES or (isinstance(data, dict) and data.get("kind") in KINDS
                                       and str(data.get("apiVersion", "")).startswith("kustomize.config.k8s.io/"))


class Index:
    """The kustomizations of a run and what follows from them for each file."""

    def __init__(self, kustomizations: list[Kustomization]):
        self.by_directory = {k.directory: k for k in kustomizations}
        self.not_objects: set[str] = set().union(*(k.not_objects for k in kustomizations)) if kustomizations else set()
        self._parents: dict[str, list[str]] = {}  # a child (file or directory) -> the directories including it
        for k in kustomizations:
            for child in k.children:
                self._parents.setdefault(child, []).append(k.directory)
        self._imposed: dict[str, frozenset[str | None]] = {}

    def _namespaces_of(self, directory: str) -> frozenset[str | None]:
        """Namespaces the objects a kustomization builds end up in (None: their own): along every chain of
        kustomizations including it, the outermost `namespace:` set. Walked without recursion (a chain may
        be thousands long), each (kustomization, namespace so far) once, so a cycle ends."""
        if directory in self._imposed:
            return self._imposed[directory]
        found: set[str | None] = set()
        start = (directory, self.by_directory[directory].namespace)
        pending, seen = [start], {start}
        while pending:
            current, namespace = pending.pop()
            parents = [p for p in self._parents.get(current, []) if p in self.by_directory]
            ahead = [(p, self.by_directory[p].namespace or namespace) for p in parents]
            if not parents:
                found.add(namespace)
            for state in ahead:
                if state in seen:
                    continue
                seen.add(state)
                pending.append(state)
        result = frozenset(found or {start[1]})  # a cycle with no way out: kustomize refuses it anyway
        self._imposed[directory] = result
        return result

    def namespaces(self, path: str) -> tuple[str | None, ...]:
        """Namespaces the objects of file `path` (a key()) land in; () when no kustomization of the run includes it."""
        including = self._parents.get(path)
        if not including:
            return ()
        found = {n for d in including if d in self.by_directory for n in self._namespaces_of(d)}
        return tuple(sorted(found, key=lambda n: (n is not None, n or "")))

    def is_not_object(self, path: str) -> bool:
        return path in self.not_objects

    def including(self, directory: str) -> bool:
        """Whether a kustomization of the run includes this one."""
        return any(p in self.by_directory for p in self._parents.get(directory, []))

    def closure(self, directory: str) -> set[str]:
        """Every file the kustomization in `directory` uses: its kustomization files, the files it and the
        kustomizations it includes name as resources, patches or data."""
        used: set[str] = set()
        pending, seen = [directory], set()
        while pending:
            current = pending.pop()
            if current in seen or current not in self.by_directory:
                continue
            seen.add(current)
            k = self.by_directory[current]
            used |= {os.path.join(current, name) for name in FILE_NAMES} | k.not_objects
            for child in k.children:
                (pending.append(child) if child in self.by_directory else used.add(child))
        return used
