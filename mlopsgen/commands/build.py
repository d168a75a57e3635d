"""`mlopsgen build`: what one Application of the tree deploys, printed from the spec, with no tree written.

This is the generate command of the Argo CD config management plugin (integrations/argocd/plugin.yaml):
the repo server runs it in the Application's source folder, where the spec is, and applies what it
prints. The tree is rendered in memory (into a private temporary folder, for the same reader verify
uses) and the Application's Git sources are built as Argo CD builds them from a committed tree: a
Kustomize build, or a folder's YAML files with the source's include, exclude and recurse.

With `--plugin NAME`, the Applications printed are made to be rendered the same way: each Git source
inside the tree becomes a source of the spec's folder with `plugin: {name: NAME, parameters: [app]}`,
and each Helm values file taken from the tree (`$values/<tree>/...`) becomes `helm.valuesObject`
(Argo CD gives valuesObject precedence over valueFiles, so the values the chart gets are the same).
"""

from __future__ import annotations

import copy
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlopsgen.errors import EXIT_OK, UserError

APP_PARAMETER = "app"  # the plugin parameter naming the Application to build


@dataclass(frozen=True)
class BuildOptions:
    spec: str
    app: str | None  # the Application to build; None: the tree's root
    plugin: str | None  # rewrite the Applications printed to be rendered by this plugin
    source_path: str = "."  # the spec's folder in the repository (Argo CD: ARGOCD_APP_SOURCE_PATH)
    manifests: tuple[str, ...] = ()  # folders holding pinned release manifests (else fetched and checked)


def run_build(options: BuildOptions) -> int:
    import yaml

    from mlopsgen.commands.releases import release_files
    from mlopsgen.render import render_spec
    from mlopsgen.verify.argocd import Deployment
    from mlopsgen.verify.tree import TreeReader

    rendered = render_spec(options.spec)
    gitops = rendered.platform.gitops
    with tempfile.TemporaryDirectory(prefix="mlopsgen-build-") as tmp:
        root, releases = Path(tmp) / "tree", Path(tmp) / "releases"
        releases.mkdir()
        for rel, text in rendered.files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        reader = TreeReader(root, gitops.path)
        reader.remote_files = release_files(rendered.files, [Path(f) for f in options.manifests], releases)
        # Rendered in memory, the tree is where its Applications say: gitops.path from the repository root.
        deployment = Deployment(reader, gitops.path, gitops.repo_url)
        app = _application(deployment, options.app)
        objects: list[dict] = []
        for source in _sources(app.obj.data):
            folder = deployment.tree_path(source) if source.get("path") is not None and not source.get("ref") else None
            if folder is not None:
                objects += [o.data for o in deployment.source_objects(folder, source)]
        if options.plugin:
            objects = [_as_plugin_app(o, deployment, options) if o.get("kind") == "Application" else o for o in objects]
    sys.stdout.write(yaml.safe_dump_all(objects, sort_keys=False, width=1 << 16, allow_unicode=False))
    return EXIT_OK


def _application(deployment, name: str | None):
    if name is None:
        if len(deployment.roots) != 1:
            raise UserError.single("--app", "the tree has no single root Application", hint="name the Application with --app")
        return deployment.roots[0]
    if name not in deployment.apps:
        names = ", ".join(sorted(deployment.apps)[:12])
        raise UserError.single(name, "no such Application in the tree", hint=f"Applications: {names}")
    return deployment.apps[name]


def _sources(data: dict) -> list[dict]:
    spec = data.get("spec") or {}
    return list(spec.get("sources") or ([spec["source"]] if spec.get("source") else []))


def _as_plugin_app(data: dict, deployment, options: BuildOptions) -> dict:
    from mlopsgen.verify.argocd import merge_values

    app = copy.deepcopy(data)
    spec = app.setdefault("spec", {})
    sources = copy.deepcopy(_sources(app))
    refs = {s["ref"]: s for s in sources if s.get("ref")}
    used_refs: set[str] = set()
    out = []
    for source in sources:
        if source.get("ref"):
            out.append(source)
        elif source.get("path") is not None and deployment.tree_path(source) is not None:
            out.append({"repoURL": source.get("repoURL"), "targetRevision": source.get("targetRevision"),
                        "path": options.source_path,
                        "plugin": {"name": options.plugin,
                                   "parameters": [{"name": APP_PARAMETER, "string": app["metadata"]["name"]}]}})
        else:
            helm = source.get("helm") or {}
            kept: list = []
            values: dict = {}
            moved = False
            for entry in helm.get("valueFiles") or []:
                ref, _, repo_path = str(entry)[1:].partition("/") if str(entry).startswith("$") else ("", "", "")
                rel = deployment.in_tree(repo_path, folder=False) if ref in refs else None
                if rel is not None:
                    documents = deployment.reader.file(rel).documents
                    values = merge_values(values, documents[0] if documents and isinstance(documents[0], dict) else {})
                    moved = True
                else:
                    kept.append(entry)
                    used_refs.add(ref)
            if moved:
                helm = {key: value for key, value in helm.items() if key not in ("valueFiles", "valuesObject")}
                merged = merge_values(values, source.get("helm", {}).get("valuesObject") or {})
                helm.update({"valueFiles": kept} if kept else {})
                helm.update({"valuesObject": merged} if merged else {})
                source = {**source, "helm": helm}
            out.append(source)
    out = [s for s in out if not s.get("ref") or s["ref"] in used_refs]
    replaced = {"source": out[0]} if len(out) == 1 else {"sources": out}
    rebuilt: dict = {}
    for key, value in spec.items():  # in place, so the object reads as the tree's does
        if key in ("source", "sources"):
            rebuilt.update(replaced)
        else:
            rebuilt[key] = value
    app["spec"] = rebuilt
    return app
