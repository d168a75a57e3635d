"""Generate docs/spec.md, the platform.yaml reference, from the schema's Markdown descriptions.

Run `python -m mlopsgen.specdoc > docs/spec.md`; a test fails when it is stale.
"""

from __future__ import annotations

from mlopsgen.platform.schema import platform_schema


def _resolve(node: dict, root: dict) -> dict:
    """Follow a local $ref, keeping the referring node's own description/default."""
    if "$ref" not in node:
        return node
    target = root
    for part in node["$ref"].lstrip("#/").split("/"):
        target = target[part]
    merged = dict(_resolve(target, root))
    merged.update({k: v for k, v in node.items() if k != "$ref"})
    return merged


def _type_of(node: dict) -> str:
    if "const" in node:
        return f"`{node['const']}`"
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "any")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return "list"
    if kind == "object" and "properties" not in node:
        return "map"
    return kind


def _rows(node: dict, root: dict, prefix: str, required: set, out: list) -> None:
    for name, child in node.get("properties", {}).items():
        child = _resolve(child, root)
        path = f"{prefix}{name}"
        default = f" Default: `{child['default']}`." if "default" in child and child["default"] not in ([], {}) else ""
        needed = "yes" if name in required else ""
        description = child.get("markdownDescription", "").replace("\n", " ").replace("|", "\\|")
        out.append(f"| `{path}` | {_type_of(child)} | {needed} | {description}{default} |")
        if child.get("type") == "object" and "properties" in child:
            _rows(child, root, path + ".", set(child.get("required", [])), out)
        elif child.get("type") == "array":
            items = _resolve(child.get("items", {}), root)
            if "properties" in items:
                _rows(items, root, path + "[].", set(items.get("required", [])), out)
        elif child.get("type") == "object" and isinstance(child.get("additionalProperties"), dict):
            values = _resolve(child["additionalProperties"], root)
            if "properties" in values:
                _rows(values, root, path + ".<name>.", set(values.get("required", [])), out)


def render_spec_reference() -> str:
    schema = platform_schema()
    lines = [
        "# platform.yaml reference",
        "",
        "<!-- Generated from schemas/platform.schema.json by `python -m mlopsgen.specdoc`; do not edit. -->",
        "",
        schema["markdownDescription"],
        "",
        "Names are DNS-1123 labels (lowercase letters, digits, `-`; at most 40 characters).",
        "`<name>` in a path stands for a key you choose (an environment name, for example).",
        "",
        "| Key | Type | Required | Description |",
        "|---|---|---|---|",
    ]
    _rows(schema, schema, "", set(schema.get("required", [])), lines)
    lines += ["", *_cross_field_rules()]
    return "\n".join(lines) + "\n"


def _cross_field_rules() -> list[str]:
    """What validate refuses beyond the schema: each rule's docstring (mlopsgen/platform/semantic*.py)."""
    import inspect

    from mlopsgen.platform.semantic import CAPACITY_RULES, rules

    lines = ["## What validate refuses across fields", "",
             "After the schema, validate checks what one field means for another; each refusal is reported at the",
             "node that causes it, with a hint. Capacity is checked once every reference is sound.", ""]
    for rule in (*rules(), *CAPACITY_RULES):
        doc = inspect.getdoc(rule)
        if not doc:
            raise SystemExit(f"{rule.__module__}.{rule.__name__} has no docstring: say what it refuses and why")
        title = rule.__name__.strip("_").replace("_", " ").capitalize()
        lines.append(f"- **{title}.** " + " ".join(doc.split()))
    return lines


if __name__ == "__main__":
    print(render_spec_reference(), end="")
