"""Check generated Helm values against the charts' own defaults and schema (../shared/charts)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from jsonschema import validators


def deep_merge(base, override):
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return override


# Maps a chart passes through whole, whose keys its values.yaml cannot list: istiod hands
# meshConfig to Istio as its MeshConfig (istio.io "Global Mesh Options").
FREE_FORM = {"meshConfig"}


def unknown_or_mistyped(values: dict, defaults: dict, path: str = "") -> list[str]:
    """Keys the chart does not have, and values whose type differs from the default's."""
    problems = []
    for key, value in values.items():
        where = f"{path}.{key}" if path else key
        if where in FREE_FORM and isinstance(value, dict):
            continue
        if not isinstance(defaults, dict) or (defaults and key not in defaults):
            problems.append(f"{where}: not a key of the chart's values")
            continue
        if key not in defaults:  # parent default is an empty map: free-form
            continue
        default = defaults[key]
        if default is None:
            continue
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(f"{where}: expected a mapping")
            elif default:
                problems.extend(unknown_or_mistyped(value, default, where))
        elif isinstance(default, bool) != isinstance(value, bool) or (type(default) is not type(value) and not (
            isinstance(default, (int, float)) and isinstance(value, (int, float))
        )):
            problems.append(f"{where}: {type(value).__name__} where the chart has {type(default).__name__}")
    return problems


def read_by_templates(key: str, chart_source: Path | None) -> bool:
    """Whether the chart's templates read `.Values.<key>`: a value its values.yaml does not list but uses
    (istio's base.validationFailurePolicy is only a comment there)."""
    if chart_source is None:
        return False
    return any(f".Values.{key}" in t.read_text(errors="replace") for t in (chart_source / "templates").rglob("*")
               if t.is_file())


def check_values(values: dict, chart_dir: Path, chart_source: Path | None = None) -> list[str]:
    problems = _check_values(values, chart_dir)
    return [p for p in problems if not (p.endswith(": not a key of the chart's values")
                                        and read_by_templates(p.split(":", 1)[0], chart_source))]


def _check_values(values: dict, chart_dir: Path) -> list[str]:
    defaults = yaml.safe_load((chart_dir / "values.yaml").read_text()) or {}
    if set(defaults) == {"_internal_defaults_do_not_set"}:  # Istio's charts: users set these keys at the top level
        defaults = defaults["_internal_defaults_do_not_set"]
    schema_file = chart_dir / "values.schema.json"
    if not schema_file.is_file():  # only the keys of values.yaml are known
        return unknown_or_mistyped(values, defaults)
    # Helm validates the defaults merged with the user's values against the schema.
    schema = json.loads(schema_file.read_text())
    validator = validators.validator_for(schema, default=validators.Draft7Validator)(schema)
    merged = deep_merge(defaults, values)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(merged)]
