"""The schema's `default` values, applied to a validated document.

The schema is the one home of every plain default: editors show it, docs are
generated from it, and the model builder reads documents with these filled
in. Defaults derived from other values (a pool's node label from its name, a
service's pod labels from its host) are the model builder's, and the schema
describes them without a `default` keyword.
"""

from __future__ import annotations

import copy
from typing import Any


def with_defaults(data: Any, schema: dict) -> Any:
    """A copy of `data` with every absent property that has a schema default filled in."""
    return _fill(copy.deepcopy(data), schema, schema)


def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:  # local references only ("#/$defs/..."), as the schema uses
        target = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _fill(value: Any, node: dict, root: dict) -> Any:
    node = _resolve(node, root)
    if isinstance(value, dict):
        properties = node.get("properties", {})
        for key, sub in properties.items():
            sub = _resolve(sub, root)
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                value[key] = _fill(value[key], sub, root)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            for key in value:
                if key not in properties:
                    value[key] = _fill(value[key], extra, root)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        return [_fill(item, node["items"], root) for item in value]
    return value

