"""Reading a rendered tree from disk: YAML documents that remember where they came from.

Every object verify reasons about keeps its source file and document index,
so a finding can point at `file:line:col` of the object, or of the rule in it
that decides a flow. Positions are composed only for the files that have
findings (lint's ManifestFile does that lazily).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlopsgen.errors import Location, Problem, UserError
from mlopsgen.kube.manifest import ManifestFile, read_manifest
from mlopsgen.readfile import MAX_FOLDER_DEPTH, too_deep

YAML_SUFFIXES = (".yaml", ".yml")
REPAIR_HINT = "or re-render the tree with `mlopsgen render`"

# Cluster-scoped kinds the rendered trees (and the charts they install) use:
# Kustomize and Argo CD leave these without a namespace.
CLUSTER_SCOPED = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass",
    "StorageClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "IPPool", "ClusterIssuer",
    "ClusterServingRuntime", "ClusterStorageContainer", "ClusterWorkflowTemplate", "PersistentVolume",
    "APIService", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment", "FlowSchema",
    "PriorityLevelConfiguration", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "Node",
    "CertificateSigningRequest", "ClusterTrustBundle", "DeviceClass",
    "ResourceFlavor", "ClusterQueue", "Cohort",
})


@dataclass
class Obj:
    """One Kubernetes object as the cluster would get it, and where it was written."""

    data: dict
    source: ManifestFile
    index: int  # document index in the source file
    patched_by: list[str] = field(default_factory=list)  # patch files that changed it
    origin: str = ""  # for an object a chart renders: "chart <name> <version>, <template>"
    anchor: tuple[Obj, tuple] | None = None  # ... and where its Application names the chart: findings point there
    size: int = 0  # for a chart's object, its bytes as JSON (what client-side apply stores in an annotation)

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def group(self) -> str:
        api = str(self.data.get("apiVersion", ""))
        return api.rpartition("/")[0] if "/" in api else ""

    @property
    def name(self) -> str:
        return str((self.data.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str | None:
        return (self.data.get("metadata") or {}).get("namespace")

    @property
    def labels(self) -> dict:
        return (self.data.get("metadata") or {}).get("labels") or {}

    @property
    def annotations(self) -> dict:
        return (self.data.get("metadata") or {}).get("annotations") or {}

    @property
    def spec(self) -> dict:
        return self.data.get("spec") or {}

    @property
    def ref(self) -> str:
        """How reports name the object: Kind namespace/name (and the chart template that renders it)."""
        ref = f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"
        return f"{ref} ({self.origin})" if self.origin else ref

    def locate(self, *path: Any) -> Location:
        """Position of `path` in the object's source (its nearest written ancestor); for a chart's object, the
        chart source of its Application, the line to change (values) to change the object."""
        if self.anchor is not None:
            return self.anchor[0].locate(*self.anchor[1])
        located, _ = self.source.located(self.index, path)
        if located is None:
            return Location(self.source.display, 1, 1)
        return Location(self.source.display, located.start.line + 1, located.start.column + 1)

    def copy(self) -> Obj:
        import copy

        return Obj(copy.deepcopy(self.data), self.source, self.index, list(self.patched_by), self.origin, self.anchor, self.size)


class TreeReader:
    """Reads and caches the YAML files of one tree; paths are relative to its root.

    The tree is input a pull request controls, read as lint reads files: every path is checked to stay
    inside the tree, links are never followed (Argo CD's repo server refuses links that leave the
    repository; a rendered tree has none), only regular files are opened (a FIFO never blocks, a link to
    /dev/zero never fills memory), within lint's size, depth and alias bounds. A refusal is a located
    problem at the file, never a traceback."""

    def __init__(self, root: Path, display_root: str = "", refused: dict[str, str] | None = None):
        self.root = root
        self.display_root = display_root
        self.refused = refused or {}  # tree path -> why it was not extracted (`verify --diff REV`)
        self._real_root = os.path.realpath(root)
        self._files: dict[str, ManifestFile] = {}
        self._real_dirs: dict[str, str] = {}
        self.remote_files: dict[str, Path] = {}  # URL of a remote resource -> the same file at hand (verify/remote.py)
        self.unseen_remote: dict[str, str] = {}  # URL -> why its objects are not known

    def display(self, rel: str) -> str:
        return f"{self.display_root.rstrip('/')}/{rel}" if self.display_root else rel

    def join(self, directory: str, entry: str, where: str, what: str) -> str:
        """`entry` of a file in `directory`, as a tree path; a located problem at `where` if it leaves the tree."""
        target = posixpath.normpath(posixpath.join(directory, entry))
        if posixpath.isabs(entry) or target == ".." or target.startswith("../") or "\0" in entry:
            raise UserError.single(where, f"{what} '{entry}' leaves the tree", hint="keep every path inside the tree")
        return "" if target == "." else target

    def _path(self, rel: str) -> str:
        rel = posixpath.normpath(rel) if rel else ""
        if rel in (".", ""):
            return self._real_root
        if posixpath.isabs(rel) or rel == ".." or rel.startswith("../") or "\0" in rel:
            raise UserError.single(self.display(rel), "path leaves the tree", hint="keep every path inside the tree")
        return os.path.join(self._real_root, rel)

    def _linked(self, rel: str) -> bool:
        """Whether the path is, or passes through, a symbolic link (each folder resolved once per run)."""
        path = self._path(rel)
        folder = os.path.dirname(path)
        real = self._real_dirs.get(folder)
        if real is None:
            real = self._real_dirs[folder] = os.path.realpath(folder)
        return real != folder or os.path.islink(path)

    def exists(self, rel: str) -> bool:
        return rel in self.refused or os.path.lexists(self._path(rel))

    def is_dir(self, rel: str) -> bool:
        return rel not in self.refused and not self._linked(rel) and os.path.isdir(self._path(rel))

    def yaml_files(self, rel: str, recurse: bool) -> list[str]:
        """The YAML files of a folder (and below it, with `recurse`): links named *.yaml are listed, so that
        reading them is refused where they are; folders are walked without recursion, to a bounded depth."""
        below = rel + "/" if rel else ""
        found: list[str] = [r for r in self.refused if r.endswith(YAML_SUFFIXES)
                            and (posixpath.dirname(r) == rel or (recurse and r.startswith(below)))]
        pending = [(rel, 0)] if self.is_dir(rel) else []
        while pending:
            folder, depth = pending.pop()
            if depth > MAX_FOLDER_DEPTH:
                raise too_deep(self.display(folder))
            try:
                entries = list(os.scandir(self._path(folder)))
            except OSError as exc:
                raise UserError.single(self.display(folder), f"cannot read folder: {exc.strerror}") from None
            for entry in entries:
                child = posixpath.join(folder, entry.name) if folder else entry.name
                if entry.is_dir(follow_symlinks=False):
                    if recurse:
                        pending.append((child, depth + 1))
                elif entry.name.endswith(YAML_SUFFIXES):
                    found.append(child)
        return sorted(set(found))

    def file(self, rel: str) -> ManifestFile:
        if rel not in self._files:
            display = self.display(rel)
            if rel in self.refused:
                raise UserError.single(display, f"not read: {self.refused[rel]}", hint="verify reads regular files only")
            if self._linked(rel):
                raise UserError.single(display, "is a symbolic link (or inside a linked folder); verify does not follow links",
                                       hint="a rendered tree holds regular files only; replace the link with the file")
            source = read_manifest(Path(self._path(rel)), display, follow_symlinks=False, hint=REPAIR_HINT)
            if isinstance(source, Problem):
                raise UserError([source])
            self._files[rel] = source
        return self._files[rel]

    def remote_objects(self, url: str) -> list[Obj]:
        """The objects of a remote resource, from its copy at hand; none (and why, kept) where there is no copy."""
        path = self.remote_files.get(url)
        if path is None:
            self.unseen_remote.setdefault(url, "not at hand: give the folder holding it with --charts")
            return []
        if url not in self._files:
            source = read_manifest(path, url, follow_symlinks=False, hint=REPAIR_HINT)
            if isinstance(source, Problem):
                raise UserError([source])
            self._files[url] = source
        origin = f"manifests {url}"
        return [Obj(doc, self._files[url], i, origin=origin).copy() for i, doc in enumerate(self._files[url].documents)
                if isinstance(doc, dict) and doc.get("kind")]

    def objects(self, rel: str) -> list[Obj]:
        """The Kubernetes objects of one file (documents with a kind), fresh copies each call."""
        source = self.file(rel)
        return [Obj(doc, source, i).copy() for i, doc in enumerate(source.documents)
                if isinstance(doc, dict) and doc.get("kind")]
