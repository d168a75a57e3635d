"""`lint --kustomize`: lint each Kustomize root as `kubectl kustomize` builds it.

A root is a Kustomization of the run that no other kustomization of the run
includes. Roots are built through a wrapper kustomization that names them as its
resources and asks for `buildMetadata: [originAnnotations]`, so each built object
carries `config.kubernetes.io/origin` with the file it came from (`path`, relative
to the wrapper) or the kustomization that generated it (`configuredIn`). Built
objects are linted in place of their sources and reported at the source: the
document of the same kind and name (before name prefixes and suffixes), at the
field where the source has it, else at its nearest ancestor there. Files a root
uses (its resources, patches, components and kustomizations) are linted only
through its build; the other files of the run are linted as they are.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mlopsgen.errors import Location, Problem
from mlopsgen.kube import yaml as parse
from mlopsgen.kube.manifest import Manifest, ManifestFile, read_manifest
from mlopsgen.kube.walk import get
from mlopsgen.lint import kustomize
from mlopsgen.lint.sources import Inputs

ORIGIN = "config.kubernetes.io/origin"
BUILD_TIMEOUT = 300  # seconds per build; remote bases are fetched by kustomize itself (--allow-remote)
GROUP = 16  # roots per build
# Fields whose entries kustomize loads as paths, or fetches when they are no local path (api/internal/loader:
# a URL or a repository spec such as github.com/org/repo//dir?ref=v1 is cloned or downloaded).
FETCHED_FIELDS = ("resources", "bases", "components", "transformers", "generators", "validators")
KUSTOMIZATION_NAMES = (*kustomize.FILE_NAMES, "Kustomization")
# Defence in depth for a build that must stay offline: git may use only local repositories, and HTTP goes
# to a proxy that refuses every connection (Go's net/http and git both honour these variables).
OFFLINE_ENV = {"GIT_ALLOW_PROTOCOL": "file", "GIT_TERMINAL_PROMPT": "0", "NO_PROXY": "", "no_proxy": "",
               **{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
                                                         "https_proxy", "all_proxy")}}


def builder() -> list[str] | None:
    """The command that builds a kustomization directory: kubectl's kustomize, or the kustomize binary."""
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def build_roots(inputs: Inputs, command: list[str], allow_remote: bool = False) -> Inputs:
    """Inputs with every Kustomize root replaced by its build; a root that fails to build is a problem.

    Unless `allow_remote`, a root that names anything kustomize would fetch over the network is not built:
    each such entry is a located problem, and builds run with the network closed to them."""
    files = {kustomize.path_key(f.path): f for f in inputs.manifest_files}
    index, kinds = _kustomizations(inputs.manifest_files)
    # kubectl builds a directory from its kustomization.yaml (or .yml); a Kustomization under another name is no root.
    sources = {d: next((p for p in (os.path.join(d, n) for n in kustomize.FILE_NAMES) if p in files), "")
               for d in index.by_directory if kinds[d] == "Kustomization" and not index.including(d)}
    roots = sorted(d for d, source in sources.items() if source)
    covered: set[str] = set()
    built: list[ManifestFile] = []
    problems: list[Problem] = []
    env = None if allow_remote else {**os.environ, **OFFLINE_ENV}
    if not allow_remote:
        remote = {root: _remote_entries(root, files) for root in roots}
        problems += [p for root in roots for p in remote[root]]
        roots = [root for root in roots if not remote[root]]
    # A build is a process, and kubectl's start-up is most of it: roots are built GROUP at a time in one
    # process. A group that fails (one of its roots does not build) is built again root by root, so the
    # failure is reported at its own root. A few processes run at once; results are taken in root order.
    groups = [roots[i:i + GROUP] for i in range(0, len(roots), GROUP)]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = list(pool.map(lambda group: _build(group, command, files[sources[group[0]]], env), groups))
        retry = [root for group, result in zip(groups, results, strict=True) if isinstance(result, Problem) and len(group) > 1
                 for root in group]
        singles = dict(zip(retry, pool.map(lambda root: _build([root], command, files[sources[root]], env), retry), strict=True))
    batches: list[tuple[list[str], list[dict] | Problem]] = []
    for group, result in zip(groups, results, strict=True):
        batches += [([root], singles[root]) for root in group] if group[0] in singles else [(group, result)]
    for batch, outcome in batches:
        if isinstance(outcome, Problem):
            problems.append(outcome)
            continue
        for root in batch:
            covered |= index.closure(root) | {sources[root]}
        built += _at_sources(outcome, files, files[sources[batch[0]]])
    rest = [f for f in inputs.manifest_files if kustomize.path_key(f.path) not in covered]
    return Inputs(inputs.platform_files, inputs.platform_texts, rest + built, inputs.problems + problems,
                  inputs.templates, inputs.displays)


def _kustomizations(manifest_files: list[ManifestFile]) -> tuple[kustomize.Index, dict[str, str]]:
    found, kinds = [], {}
    for f in manifest_files:
        if len(f.documents) == 1 and kustomize.is_kustomization(f.path, f.documents[0]):
            k = kustomize.parse(f.path, f.documents[0])
            if k:
                found.append(k)
                kinds[k.directory] = str(f.documents[0].get("kind") or "Kustomization")
    return kustomize.Index(found), kinds


def _remote_entries(root: str, files: dict[str, ManifestFile]) -> list[Problem]:
    """Entries of the root's kustomizations (its own and every local one it includes) that are no local
    file or folder: kustomize would fetch them. Walked without recursion, each folder once."""
    problems: list[Problem] = []
    pending, seen = [root], set()
    while pending:
        directory = pending.pop()
        if directory in seen:
            continue
        seen.add(directory)
        source = _kustomization_at(directory, files)
        if source is None or not source.documents or not isinstance(source.documents[0], dict):
            continue  # kubectl reports what it cannot read
        data = source.documents[0]
        for key in FETCHED_FIELDS:
            entries = data.get(key)
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if not isinstance(entry, str):
                    continue
                target = os.path.normpath(os.path.join(directory, entry))
                if os.path.isdir(target):
                    pending.append(target)
                elif not os.path.isfile(target) and looks_remote(entry):  # a missing local file: kubectl says so
                    line, column = Manifest(source, 0, data).position((key, i))
                    problems.append(Problem(Location(source.display, line, column),
                                            f"{key} entry '{entry}' is no file or folder here: kustomize would fetch it over the network",
                                            hint="vendor it into the repository, or pass --allow-remote to let kustomize fetch it"))
    return problems


def looks_remote(entry: str) -> bool:
    """A URL, or a repository spec kustomize clones (api/internal/git/repospec.go: a scheme, `git@`,
    `git::`, `gh:` or the scheme-less github.com shorthand)."""
    return "://" in entry or entry.startswith(("git@", "git::", "gh:", "github.com/", "github.com:"))


def _kustomization_at(directory: str, files: dict[str, ManifestFile]) -> ManifestFile | None:
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(directory, name)
        if path in files:
            return files[path]
        if os.path.isfile(path):
            source = read_manifest(Path(path), os.path.relpath(path))
            return source if isinstance(source, ManifestFile) else None
    return None


def _build(roots: list[str], command: list[str], kustomization: ManifestFile, env: dict[str, str] | None) -> list[dict] | Problem:
    with tempfile.TemporaryDirectory(prefix="mlopsgen-kustomize-") as wrapper:
        entries = _wrap(Path(wrapper), roots)
        (Path(wrapper) / "kustomization.yaml").write_text(
            "resources:\n" + "".join(f"  - {json.dumps(entry)}\n" for entry, _ in entries) + "buildMetadata: [originAnnotations]\n")
        try:
            done = subprocess.run([*command, "--", wrapper], capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False, env=env)
        except (OSError, subprocess.TimeoutExpired) as error:
            return Problem(Location(kustomization.display, 1, 1), f"{' '.join(command)} could not build it: {error}",
                           hint="check the kustomization, or lint without --kustomize")
        if done.returncode != 0:
            why = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "it failed")
            return Problem(Location(kustomization.display, 1, 1), f"{' '.join(command)} failed: {why.strip()}",
                           hint="fix the kustomization (`kubectl kustomize` shows the same), or lint without --kustomize")
        text = done.stdout
        for _, suffix in entries:  # each root's objects as the root alone builds them
            text = text.replace(suffix, "") if suffix else text
        objects = [d for d in parse.load_all(text) if isinstance(d, dict)]
        for obj in objects:
            obj["_origin"] = _origin_path(obj, wrapper)
        return objects


def _wrap(wrapper: Path, roots: list[str]) -> list[tuple[str, str]]:
    """The wrapper's resources: the root itself, or, for several, each through a kustomization of its own
    that suffixes its names with a token found nowhere else, so that two roots' objects never share an id;
    the token is removed from the output again."""
    if len(roots) == 1:
        return [(os.path.relpath(roots[0], wrapper), "")]
    salt = uuid.uuid4().hex[:10]
    entries = []
    for i, root in enumerate(roots):
        own = wrapper / f"root{i}"
        own.mkdir()
        suffix = f"-mlopsgen{salt}r{i}x"  # the closing x: r1x is no part of r10x
        (own / "kustomization.yaml").write_text(f"resources:\n  - {json.dumps(os.path.relpath(root, own))}\nnameSuffix: {suffix}\n")
        entries.append((own.name, suffix))
    return entries


def _origin_path(obj: dict, wrapper: str) -> str | None:
    """The source file of a built object, from its origin annotation, which is then removed."""
    metadata = obj.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    raw = annotations.pop(ORIGIN, None)
    if not annotations:
        metadata.pop("annotations", None)
    origin = parse.load_all(raw)[0] if isinstance(raw, str) else None
    if not isinstance(origin, dict):
        return None
    relative = origin.get("path") or origin.get("configuredIn")
    return os.path.normpath(os.path.join(wrapper, relative)) if isinstance(relative, str) else None


def _at_sources(objects: list[dict], files: dict[str, ManifestFile], fallback: ManifestFile) -> list[ManifestFile]:
    """The built objects as documents of their source files, each at the index of its source document.

    A source document built more than once (a base two roots include) gets one layer of the file per
    build, so each object keeps its own source position."""
    by_source: dict[str, list[dict]] = {}
    for obj in objects:
        origin = obj.pop("_origin")
        by_source.setdefault(origin if origin in files else kustomize.path_key(fallback.path), []).append(obj)
    out = []
    for key, built in sorted(by_source.items()):
        source = files[key]
        layers: list[list[Any]] = []
        for obj in built:
            _place(layers, source.documents, obj)
        out += [ManifestFile(source.path, source.display, source.text, documents) for documents in layers]
    return out


def _place(layers: list[list[Any]], sources: list[Any], obj: dict) -> None:
    kind, name = obj.get("kind"), str(get(obj, "metadata", "name", default=""))
    candidates = [i for i, s in enumerate(sources) if isinstance(s, dict) and s.get("kind") == kind]
    exact = [i for i in candidates if str(get(sources[i], "metadata", "name", default="")) == name]
    renamed = [i for i in candidates if str(get(sources[i], "metadata", "name", default="")) in name]
    wanted = exact or renamed or candidates
    if not wanted:  # generated (configuredIn): reported at the start of the kustomization that made it
        if not layers:
            layers.append([None] * len(sources))
        layers[0].append(obj)
        return
    for documents in layers:
        free = [i for i in wanted if documents[i] is None]
        if free:
            documents[free[0]] = obj
            return
    layers.append([None] * len(sources))
    layers[-1][wanted[0]] = obj
