"""Reading manifests as Kubernetes reads them, fast, and finding positions only when asked.

Documents are read by PyYAML's C parser with a safe constructor that accepts what the API server
accepts: sigs.k8s.io/yaml reads YAML 1.1 and turns it into JSON, so the 1.1 value tag (`=` unquoted, as
upstream CRDs write it in enums) is a plain string and timestamps stay strings. A position is found only
for a node something reports: the document holding it is composed (in C) and walked along the node's
path, nothing else.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import Any

Path = tuple[Any, ...]  # keys and indexes from a document's root


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
    """The documents of `text` as the API server reads them (the bounds are the caller's: kube/manifest.py)."""
    return list(yaml_module().load_all(text, Loader=loader()))


def _key(node: Any) -> object:
    """A mapping key as the loader built it: integer keys (ports) stay integers."""
    if node.tag.endswith(":int"):
        try:
            return int(node.value)
        except ValueError:
            return node.value
    return node.value


def child(node: Any, part: Any) -> tuple[Any, Any] | None:
    """(key node, value node) of a mapping's entry `part`, or (None, item) of a sequence's item `part`."""
    yaml = yaml_module()
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and _key(key) == part:
                return key, value
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None


def descend(root: Any, path: Path) -> tuple[Any, Any, bool]:
    """Along `path` from `root`, as far as the document has it: (the last key node passed or None, the
    node reached, whether it is the whole path). Only the nodes on the path are visited."""
    key, node = None, root
    for part in path:
        found = child(node, part)
        if found is None:
            return key, node, False
        key, node = found
    return key, node, True


def is_collection(node: Any) -> bool:
    yaml = yaml_module()
    return isinstance(node, (yaml.MappingNode, yaml.SequenceNode))
