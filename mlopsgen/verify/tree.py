"""Reading a rendered tree from disk: YAML documents that remember where they came from.

Every object verify reasons about keeps its source file and document index,
so a finding can point at `file:line:col` of the object, or of the rule in it
that decides a flow. Positions are composed only for the files that have
findings (lint's ManifestFile does that lazily).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlopsgen.errors import Location, Problem, UserError
from mlopsgen.lint.sources import ManifestFile

# Cluster-scoped kinds the rendered trees (and the charts they install) use:
# Kustomize and Argo CD leave these without a namespace.
CLUSTER_SCOPED = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass",
    "StorageClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "IPPool", "ClusterIssuer",
    "ClusterServingRuntime", "ClusterStorageContainer", "ClusterWorkflowTemplate", "PersistentVolume",
})


@dataclass
class Obj:
    """One Kubernetes object as the cluster would get it, and where it was written."""

    data: dict
    source: ManifestFile
    index: int  # document index in the source file
    patched_by: list[str] = field(default_factory=list)  # patch files that changed it

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
        """How reports name the object: Kind namespace/name."""
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"

    def locate(self, *path: Any) -> Location:
        """Position of `path` in the object's source (its nearest written ancestor)."""
        roots = composed(self.source)
        node = roots[self.index] if self.index < len(roots) else None
        if node is None:
            return Location(self.source.display, 1, 1)
        for part in path:  # walk down the node tree along the path only: no index of the whole file
            child = _child(node, part)
            if child is None:
                break
            node = child
        return Location(self.source.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def copy(self) -> Obj:
        import copy

        return Obj(copy.deepcopy(self.data), self.source, self.index, list(self.patched_by))


def composed(source: ManifestFile) -> list:
    """The node trees of a file's documents, composed once (PyYAML's C composer), for positions."""
    cached = getattr(source, "_verify_roots", None)
    if cached is None:
        import yaml

        cached = list(yaml.compose_all(source.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        source._verify_roots = cached  # type: ignore[attr-defined]
    return cached


def _load_with_nodes(yaml, text: str) -> tuple[list, list]:
    """Documents and their node trees from one pass of PyYAML's C parser (positions come for free)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    docs, roots = [], []
    try:
        while loader.check_node():
            node = loader.get_node()
            roots.append(node)
            docs.append(loader.construct_document(node))
    finally:
        loader.dispose()
    return docs, roots


def _child(node, part):
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and (key.value == part or key.value == str(part)):
                return value
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


class TreeReader:
    """Reads and caches the YAML files of one tree; paths are relative to its root."""

    def __init__(self, root: Path, display_root: str = ""):
        self.root = root
        self.display_root = display_root
        self._files: dict[str, ManifestFile] = {}

    def display(self, rel: str) -> str:
        return f"{self.display_root.rstrip('/')}/{rel}" if self.display_root else rel

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def is_dir(self, rel: str) -> bool:
        return (self.root / rel).is_dir()

    def yaml_files(self, rel: str, recurse: bool) -> list[str]:
        base = self.root / rel
        pattern = "**/*" if recurse else "*"
        found = [p for p in base.glob(pattern) if p.is_file() and p.suffix in (".yaml", ".yml")]
        return sorted(p.relative_to(self.root).as_posix() for p in found)

    def file(self, rel: str) -> ManifestFile:
        if rel not in self._files:
            import yaml

            path = self.root / rel
            display = self.display(rel)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UserError.single(display, f"cannot read file: {exc}", hint="is the tree rendered?") from None
            try:
                docs, roots = _load_with_nodes(yaml, text)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                raise UserError([Problem(Location(display, line, column), f"invalid YAML: {getattr(exc, 'problem', exc)}",
                                         hint="fix the file, or re-render the tree with `mlopsgen render`")]) from None
            source = ManifestFile(path, display, text, docs)
            source._verify_roots = roots  # type: ignore[attr-defined]
            self._files[rel] = source
        return self._files[rel]

    def objects(self, rel: str) -> list[Obj]:
        """The Kubernetes objects of one file (documents with a kind), fresh copies each call."""
        source = self.file(rel)
        return [Obj(doc, source, i).copy() for i, doc in enumerate(source.documents)
                if isinstance(doc, dict) and doc.get("kind")]
