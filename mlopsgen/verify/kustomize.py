"""A small Kustomize: exactly the features rendered trees use, built offline without kubectl.

Supported in kustomization.yaml: `resources` (files and directories holding a
kustomization, and remote release manifests the catalog pins, read from a --charts folder), `namespace`, and `patches` with a `target` (group, version,
kind, name) and a JSON 6902 patch (`path` to a file, or inline `patch`).
Anything else is refused with a located error rather than silently ignored:
a verifier that skips part of the build would prove the wrong tree.
tests/verify/test_kustomize.py compares the result with `kubectl kustomize`.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from mlopsgen.errors import Location, Problem, UserError
from mlopsgen.kube.manifest import parsed
from mlopsgen.readfile import MAX_FOLDER_DEPTH
from mlopsgen.verify.tree import CLUSTER_SCOPED, REPAIR_HINT, Obj, TreeReader

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "namespace", "patches"}


def kustomization_file(reader: TreeReader, directory: str) -> str | None:
    for name in KUSTOMIZATION_FILES:
        rel = posixpath.join(directory, name) if directory else name
        if reader.exists(rel):
            return rel
    return None


def build(reader: TreeReader, directory: str, _stack: tuple[str, ...] = ()) -> list[Obj]:
    """The objects `kustomize build directory` emits (order aside)."""
    rel = kustomization_file(reader, directory)
    if rel is None:
        raise UserError.single(reader.display(directory), "no kustomization.yaml in this directory",
                               hint="a resource directory must hold a kustomization")
    if directory in _stack:
        raise UserError.single(reader.display(rel), "kustomization includes itself", hint=" -> ".join(_stack))
    if len(_stack) > MAX_FOLDER_DEPTH:
        raise UserError.single(reader.display(rel), f"kustomizations nested deeper than {MAX_FOLDER_DEPTH} levels",
                               hint="a rendered tree nests a few; flatten the includes")
    source = reader.file(rel)
    spec = source.documents[0] if source.documents else {}
    if not isinstance(spec, dict):
        raise UserError.single(source.display, "a kustomization must be a mapping", line=1, column=1)
    unsupported = sorted(set(spec) - SUPPORTED_FIELDS, key=str)
    if unsupported:
        located, _ = source.located(0, (unsupported[0],))  # the key as read (an integer key stays one)
        line = located.key.line + 1 if located is not None and located.key is not None else 1
        raise UserError.single(source.display, f"kustomization field '{unsupported[0]}' is not supported by verify",
                               hint="verify assembles resources, namespace and JSON 6902 patches only", line=line, column=1)
    objects: list[Obj] = []
    for entry in _listed(spec, "resources", source.display):
        if "://" in str(entry):  # a remote resource: upstream release manifests, read where verify has them
            objects += reader.remote_objects(str(entry))
            continue
        target = reader.join(directory, str(entry), source.display, "resource")
        if reader.is_dir(target):
            objects += build(reader, target, _stack + (directory,))
        elif reader.exists(target):
            objects += reader.objects(target)
        else:
            raise UserError.single(source.display, f"resource '{entry}' does not exist", hint="re-render the tree")
    for number, patch in enumerate(_listed(spec, "patches", source.display)):
        if not isinstance(patch, dict):
            raise UserError.single(source.display, f"patches[{number}] is not a mapping", hint="verify supports targeted JSON 6902 patches")
        _apply_patch(reader, directory, source.display, number, patch, objects)
    namespace = spec.get("namespace")
    if namespace:
        for obj in objects:
            set_namespace(obj, str(namespace))
    return objects


def _listed(spec: dict, key: str, display: str) -> list:
    value = spec.get(key) or []
    if not isinstance(value, list):
        raise UserError.single(display, f"kustomization field '{key}' is not a list", hint=f"write {key}: [...]")
    return value


def set_namespace(obj: Obj, namespace: str) -> None:
    """Kustomize's namespace transformer: namespaced objects move, ServiceAccount subjects follow."""
    if obj.kind not in CLUSTER_SCOPED:
        obj.data.setdefault("metadata", {})["namespace"] = namespace
    if obj.kind in ("RoleBinding", "ClusterRoleBinding"):
        for subject in obj.data.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount" and subject.get("namespace") in (None, "", "default"):
                subject["namespace"] = namespace


def _matches(target: dict, obj: Obj) -> bool:
    api = str(obj.data.get("apiVersion", ""))
    version = api.rpartition("/")[2]
    return all((
        target.get("kind") in (None, obj.kind),
        target.get("name") in (None, obj.name),
        target.get("group") in (None, obj.group),
        target.get("version") in (None, version),
        target.get("namespace") in (None, obj.namespace),
    ))


def _apply_patch(reader: TreeReader, directory: str, display: str, number: int, patch: dict, objects: list[Obj]) -> None:
    target = patch.get("target")
    if not isinstance(target, dict):
        raise UserError.single(display, f"patches[{number}] has no target", hint="verify supports targeted JSON 6902 patches")
    if "path" in patch:
        rel = reader.join(directory, str(patch["path"]), display, f"patches[{number}] path")
        documents, where = reader.file(rel).documents, reader.display(rel)
    else:  # inline: read like a file, within the same bounds
        inline = parsed(Path(display), display, str(patch.get("patch", "")), REPAIR_HINT)
        if isinstance(inline, Problem):
            raise UserError([Problem(Location(display), f"patches[{number}]: {inline.message}", hint=inline.hint)])
        documents, where = inline.documents, display
    ops = documents[0] if documents else None
    if not isinstance(ops, list):
        raise UserError.single(where, "not a JSON 6902 patch (a list of operations)",
                               hint="strategic merge patches are not supported by verify")
    if not all(isinstance(op, dict) for op in ops):
        raise UserError.single(where, "every JSON 6902 operation is a mapping", hint="e.g. {op: add, path: /metadata/labels/x, value: y}")
    for obj in objects:
        if _matches(target, obj):
            for op in ops:
                try:
                    apply_operation(obj.data, op)
                except (KeyError, IndexError, ValueError, TypeError) as exc:
                    raise UserError([Problem(Location(where), f"patch {op.get('op')} {op.get('path')} fails on {obj.ref}: {exc}",
                                             hint="the patch and the resource it targets disagree; re-render the tree")]) from None
            obj.patched_by.append(where)


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(doc, parts: list[str]):
    node = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def apply_operation(doc: dict, op: dict) -> None:
    """RFC 6902 add, remove, replace, move, copy, test on `doc` in place."""
    import copy

    kind = op["op"]
    parts = _pointer(op["path"])
    if not parts:
        raise ValueError("patching the whole document is not supported")
    if kind in ("move", "copy"):
        source = _pointer(op["from"])
        value = copy.deepcopy(_get(doc, source))
        if kind == "move":
            _remove(doc, source)
        _add(doc, parts, value)
    elif kind == "add":
        _add(doc, parts, copy.deepcopy(op["value"]))
    elif kind == "remove":
        _remove(doc, parts)
    elif kind == "replace":
        _get(doc, parts)  # must exist
        parent, key = _parent(doc, parts), parts[-1]
        parent[int(key) if isinstance(parent, list) else key] = copy.deepcopy(op["value"])
    elif kind == "test":
        if _get(doc, parts) != op["value"]:
            raise ValueError("test failed")
    else:
        raise ValueError(f"unknown operation {kind!r}")


def _get(doc, parts: list[str]):
    node = doc
    for part in parts:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _add(doc, parts: list[str], value) -> None:
    parent, key = _parent(doc, parts), parts[-1]
    if isinstance(parent, list):
        parent.insert(len(parent) if key == "-" else int(key), value)
    elif isinstance(parent, dict):
        parent[key] = value
    else:
        raise TypeError(f"cannot add below a {type(parent).__name__}")


def _remove(doc, parts: list[str]) -> None:
    parent, key = _parent(doc, parts), parts[-1]
    if isinstance(parent, list):
        del parent[int(key)]
    else:
        del parent[key]
