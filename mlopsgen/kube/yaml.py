"""Reading manifests as Kubernetes reads them, fast, and finding positions only when asked.

Documents are loaded with PyYAML's C parser and a safe constructor that
accepts what the API server accepts: sigs.k8s.io/yaml reads YAML 1.1 and turns
it into JSON, so the 1.1 value tag (`=` unquoted, as upstream CRDs write it in
enums) is a plain string and timestamps stay strings. Positions are computed
only for files that have findings, by composing that file's node tree once
(also in C) and indexing it by path.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import Any

Path = tuple[Any, ...]  # keys and indexes from a document's root
Marks = dict[Path, Any]  # path (and path + (("key", name),)) -> the YAML node there


def yaml_module() -> ModuleType:
    import yaml

    return yaml


@cache
def loader() -> type:
    """The safe C loader with Kubernetes' reading of YAML 1.1 scalars (a class, built once)."""
    yaml = yaml_module()
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class KubernetesLoader(base):  # type: ignore[valid-type,misc]
        pass

    def as_string(constructor: Any, node: Any) -> str:
        return str(constructor.construct_scalar(node))

    KubernetesLoader.add_constructor("tag:yaml.org,2002:value", as_string)
    KubernetesLoader.add_constructor("tag:yaml.org,2002:timestamp", as_string)
    return KubernetesLoader


def load_all(text: str) -> list[Any]:
    return list(yaml_module().load_all(text, Loader=loader()))


def _key(node: Any) -> object:
    """A mapping key as the loader built it: integer keys (ports) stay integers."""
    if node.tag.endswith(":int"):
        try:
            return int(node.value)
        except ValueError:
            return node.value
    return node.value


def index_nodes(text: str) -> list[Marks]:
    """Per document: path -> node, and (path + (("key", name),)) -> the key's node."""
    yaml = yaml_module()
    mapping, sequence, scalar = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
    out = []
    for root in yaml.compose_all(text, Loader=loader()):
        marks: Marks = {}
        stack: list[tuple[Path, Any]] = [((), root)]
        while stack:
            path, current = stack.pop()
            marks[path] = current
            if isinstance(current, mapping):
                for key, value in current.value:
                    if isinstance(key, scalar):
                        name = _key(key)
                        marks[path + (("key", name),)] = key
                        stack.append((path + (name,), value))
            elif isinstance(current, sequence):
                for i, value in enumerate(current.value):
                    stack.append((path + (i,), value))
        out.append(marks)
    return out


def is_collection(node: Any) -> bool:
    yaml = yaml_module()
    return isinstance(node, (yaml.MappingNode, yaml.SequenceNode))
