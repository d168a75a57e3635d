"""What Argo CD would apply: the roots, the Applications they deliver, and each app's objects.

Argo CD semantics followed here:
- a root is an Application nobody delivers: it is applied by hand at bootstrap;
- an Application's Git source is a Kustomize build when the directory holds a
  kustomization, else its YAML files (`directory.recurse`, `directory.include`);
- a chart source installs a Helm chart: the values files (`$values/...`) and inline values it passes are
  recorded, and charts.py renders it with helm as the repo server does, where helm and the chart are at hand;
- a Git source's `path` and a `$values/...` file are paths from the repository root (mlopsgen/repopath.py):
  read in the tree as rendered for `gitops.path`, and recorded (`App.repo_refs`) for the bootstrap journey to
  check where the tree really sits;
- namespaced objects without a namespace land in `destination.namespace`;
- `argocd.argoproj.io/sync-wave` orders the resources of one parent (default 0).
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field

from mlopsgen.repopath import in_tree
from mlopsgen.verify.kustomize import build, kustomization_file
from mlopsgen.verify.tree import CLUSTER_SCOPED, Obj, TreeReader

WAVE = "argocd.argoproj.io/sync-wave"
HUB_SERVER = "https://kubernetes.default.svc"  # Argo CD's own cluster


@dataclass
class ChartSource:
    repo_url: str
    chart: str
    version: str
    values: dict  # merged values files, as Helm merges them (later files win)
    values_files: list[str]
    release: str  # Argo CD's Helm release name: helm.releaseName, else the Application's name
    index: int = 0  # its place in spec.sources (or -1 for spec.source)
    value_texts: list[tuple[str, str]] = field(default_factory=list)  # (where, YAML) as helm gets them, in order
    parameters: list[tuple[str, str, bool]] = field(default_factory=list)  # helm.parameters
    include_crds: bool = True  # helm.skipCrds
    kube_version: str = ""  # helm.kubeVersion, else the cluster's
    api_versions: list[str] = field(default_factory=list)  # helm.apiVersions, else the cluster's
    namespace: str = ""  # helm.namespace, else the destination's
    skip_schema_validation: bool = False
    rendered: bool = False  # its objects are in the app's objects (charts.py)
    unseen: str = ""  # why it was not rendered: its objects are not known
    error: str = ""  # helm refused to render it, as the repo server would
    problems: list[dict] = field(default_factory=list)  # documents it renders that do not parse
    unstable: list[str] = field(default_factory=list)  # templates that render differently each time

    @property
    def label(self) -> str:
        return f"{self.chart} {self.version}"

    def path(self) -> tuple:
        """Where the source is in its Application."""
        return ("spec", "source") if self.index < 0 else ("spec", "sources", self.index)


@dataclass(frozen=True)
class RepoRef:
    """A repository path an Application names, as Argo CD resolves it, and what it found in the tree."""

    where: tuple  # the node naming it in the Application
    path: str  # from the repository root
    folder: bool  # a Git source's folder, else a values file
    rel: str | None  # the tree path it was read from; None: in no place of the tree


@dataclass
class App:
    obj: Obj
    name: str
    project: str
    server: str
    namespace: str
    wave: int
    objects: list[Obj] = field(default_factory=list)  # what its Git sources apply
    charts: list[ChartSource] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # tree paths of its Git sources
    parent: str | None = None  # the Application that delivers it; None for a root
    missing_paths: list[str] = field(default_factory=list)
    repo_refs: list[RepoRef] = field(default_factory=list)

    @property
    def sync_options(self) -> list[str]:
        return list(((self.obj.spec.get("syncPolicy") or {}).get("syncOptions")) or [])


def wave_of(obj: Obj) -> int:
    try:
        return int(str(obj.annotations.get(WAVE, "0")))
    except ValueError:
        return 0


def _directory_files(reader: TreeReader, rel: str, directory: dict) -> list[str]:
    recurse = bool(directory.get("recurse"))
    files = reader.yaml_files(rel, recurse)
    include, exclude = directory.get("include"), directory.get("exclude")

    def matches(pattern: str, path: str) -> bool:
        patterns = pattern.strip("{}").split(",") if pattern.startswith("{") else [pattern]
        return any(fnmatch.fnmatch(path, p.strip()) for p in patterns)

    inner = [f[len(rel) + 1:] if rel else f for f in files]
    return [f for f, short in zip(files, inner, strict=True)
            if (not include or matches(str(include), short)) and not (exclude and matches(str(exclude), short))]


def merge_values(base: dict, extra: dict) -> dict:
    """Helm's merge of values: maps merge key by key, anything else in `extra` replaces."""
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = merge_values(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


class Deployment:
    """Every Application of a tree, resolved from its roots; objects per destination cluster."""

    def __init__(self, reader: TreeReader, gitops_path: str, repo_url: str, place_path: str | None = None):
        self.reader = reader
        self.cluster_kinds = CLUSTER_SCOPED  # and the kinds of cluster-scoped CRDs its charts install (charts.py)
        self.gitops_path = gitops_path
        # Repository paths are read in the tree as rendered for gitops.path, then from where the tree is found to
        # be: the journeys judge what it holds, and bootstrap says where Argo CD would not find it.
        self.tree_paths = [gitops_path] + ([place_path] if place_path is not None and place_path != gitops_path else [])
        self.repo_url = repo_url
        self.apps: dict[str, App] = {}
        candidates = [o for rel in reader.yaml_files("argocd", True) for o in reader.objects(rel) if o.kind == "Application"]
        delivered: set[tuple[str, int]] = set()
        resolved = {o.name: self._app(o) for o in candidates}
        for app in resolved.values():
            for child in app.objects:
                delivered.add((child.source.display, child.index))
        self.roots = [a for a in resolved.values() if (a.obj.source.display, a.obj.index) not in delivered]
        for app in resolved.values():
            for child in app.objects:
                if child.kind == "Application" and child.name in resolved:
                    resolved[child.name].parent = app.name
        self.apps = dict(sorted(resolved.items()))
        self.projects = {o.name: o for a in self.apps.values() for o in a.objects if o.kind == "AppProject"}
        self.project_files = {o.name: o for rel in reader.yaml_files("argocd", True) for o in reader.objects(rel)
                              if o.kind == "AppProject"}

    def _app(self, obj: Obj) -> App:
        spec = obj.spec
        destination = spec.get("destination") or {}
        app = App(obj, obj.name, str(spec.get("project", "")), str(destination.get("server", HUB_SERVER)),
                  str(destination.get("namespace", "")), wave_of(obj))
        sources = spec.get("sources") or ([spec["source"]] if spec.get("source") else [])
        refs = {s.get("ref"): s for s in sources if s.get("ref")}
        for position, source in enumerate(sources):
            where = ("spec", "sources", position) if spec.get("sources") else ("spec", "source")
            if source.get("chart"):
                app.charts.append(self._chart(app, source, refs, position if spec.get("sources") else -1))
            elif source.get("path") is not None and not source.get("ref"):
                rel = self.tree_path(source)
                app.repo_refs.append(RepoRef((*where, "path"), str(source["path"]), True, rel))
                if rel is None:
                    app.missing_paths.append(str(source["path"]))
                    continue
                app.paths.append(rel)
                objects = self.source_objects(rel, source)
                for o in objects:
                    if o.kind not in CLUSTER_SCOPED and not o.namespace and app.namespace:
                        o.data.setdefault("metadata", {})["namespace"] = app.namespace
                app.objects += objects
        return app

    def tree_path(self, source: dict) -> str | None:
        """The tree folder a Git source points at, or None when it is not in the tree."""
        return self.in_tree(str(source.get("path", "")), folder=True)

    def in_tree(self, repo_path: str, folder: bool) -> str | None:
        """The tree path a repository path names (a folder, or a file), or None when it is not in the tree."""
        for tree in self.tree_paths:
            rel = in_tree(tree, repo_path)
            if rel is not None and (self.reader.is_dir(rel) if folder else bool(rel) and self.reader.exists(rel)):
                return rel
        return None

    def source_objects(self, rel: str, source: dict) -> list[Obj]:
        """What the repo server renders from a Git source at tree folder `rel`, before Argo CD sets the
        destination namespace: a Kustomize build, else the folder's YAML files."""
        if kustomization_file(self.reader, rel):
            return build(self.reader, rel)
        return [o for f in _directory_files(self.reader, rel, source.get("directory") or {}) for o in self.reader.objects(f)]

    def _chart(self, app: App, source: dict, refs: dict, index: int) -> ChartSource:
        helm = source.get("helm") or {}
        values: dict = {}
        files = []
        texts: list[tuple[str, str]] = []
        for number, entry in enumerate(helm.get("valueFiles") or []):
            entry = str(entry)
            rel = None
            if entry.startswith("$"):
                ref, _, repo_path = entry[1:].partition("/")
                if ref in refs:  # `$<ref>` is the root of the ref source's repository
                    rel = self.in_tree(repo_path, folder=False)
                    where = ("spec", "sources", index) if index >= 0 else ("spec", "source")
                    app.repo_refs.append(RepoRef((*where, "helm", "valueFiles", number), repo_path, False, rel))
            if rel is not None:
                files.append(rel)
                texts.append((self.reader.display(rel), self.reader.file(rel).text))
                doc = self.reader.file(rel).documents
                values = merge_values(values, doc[0] if doc and isinstance(doc[0], dict) else {})
            else:
                app.missing_paths.append(entry)
        # Argo CD writes valuesObject (or else the values string) to one more values file, after the others
        if isinstance(helm.get("valuesObject"), dict):
            values = merge_values(values, helm["valuesObject"])
            texts.append((f"{app.name} helm.valuesObject", json.dumps(helm["valuesObject"])))
        elif isinstance(helm.get("values"), str) and helm["values"].strip():
            texts.append((f"{app.name} helm.values", helm["values"]))
        parameters = [(str(p.get("name")), str(p.get("value", "")), bool(p.get("forceString")))
                      for p in helm.get("parameters") or [] if isinstance(p, dict) and p.get("name")]
        return ChartSource(str(source.get("repoURL", "")), str(source["chart"]), str(source.get("targetRevision", "")),
                           values, files, str(helm.get("releaseName") or app.name), index, texts, parameters,
                           not helm.get("skipCrds"), str(helm.get("kubeVersion") or ""),
                           [str(v) for v in helm.get("apiVersions") or []], str(helm.get("namespace") or ""),
                           bool(helm.get("skipSchemaValidation")))

    def on_server(self, server: str) -> list[App]:
        return [a for a in self.apps.values() if a.server == server]

    def objects_on(self, server: str) -> list[Obj]:
        return [o for a in self.on_server(server) for o in a.objects]
