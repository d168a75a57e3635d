"""JSON Schema validation of a loaded document, with every error located.

jsonschema reports paths; the document knows where each path came from, so
every problem points at the line and column of the offending node (for a
missing key, at the mapping that lacks it) and carries a hint.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from mlopsgen.errors import Problem
from mlopsgen.platform.loader import Document
from mlopsgen.resources import data_path

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@lru_cache(maxsize=1)
def platform_schema() -> dict:
    return json.loads(data_path("schemas", "platform.schema.json").read_text(encoding="utf-8"))


def ecma_anchors(pattern: str) -> str:
    """`pattern` with each `$` outside a character class as `\\Z`.

    JSON Schema patterns are ECMA-262 regular expressions, whose `$` matches only
    at the end of the string; Python's also matches before a final newline, so
    "name\\n" would pass `^[a-z]+$` here and fail in every other validator.
    """
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append(r"\Z")
            continue
        out.append(char)
    return "".join(out)


@lru_cache(maxsize=1)
def _validator():
    import re

    from jsonschema import Draft202012Validator, ValidationError, validators

    def pattern(validator, value, instance, schema):
        if validator.is_type(instance, "string") and not re.search(ecma_anchors(value), instance):
            yield ValidationError(f"{instance!r} does not match {value!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})(platform_schema())


@lru_cache(maxsize=1)
def _fast_validator():
    # jsonschema-rs answers "valid?" in a fraction of jsonschema's import time;
    # jsonschema, with its detailed errors, is loaded only for invalid documents.
    import jsonschema_rs

    return jsonschema_rs.validator_for(platform_schema())


def is_valid(data) -> bool | None:
    """True/False from the fast validator, or None when it cannot judge this data."""
    try:
        return _fast_validator().is_valid(data)
    except Exception:  # e.g. values JSON cannot hold (NaN): let jsonschema decide
        return None


def json_pointer(path) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def schema_problems(doc: Document) -> list[Problem]:
    """Every schema violation in ``doc``, most specific first, each located."""
    if is_valid(doc.data):
        return []
    problems: list[Problem] = []
    for error in _validator().iter_errors(doc.data):
        problems.extend(_explain(doc, _most_specific(error)))
    # Several branches (allOf, if/then) can require the same key of the same mapping: say it once.
    return list(dict.fromkeys(problems))


def _most_specific(error):
    """For anyOf/oneOf failures, the branch error that explains the most."""
    from jsonschema.exceptions import best_match

    while error.context:
        error = best_match(error.context)
    return error


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    for name, python_type in (("a mapping", dict), ("a list", list), ("a string", str), ("an integer", int), ("a number", float)):
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def _field_name(path) -> str:
    names = [str(p) for p in path if isinstance(p, str)]
    return names[-1] if names else "document"


# A sentence ends at '.', '!' or '?' before a capital letter; "e.g." and "i.e." never end one.
_SENTENCE_END = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!?])\s+(?=[A-Z])")


def first_sentence(text: str) -> str:
    """The first whole sentence of ``text``, without its final full stop."""
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    return sentence[:-1] if sentence.endswith(".") else sentence


def _format_hint(schema: dict) -> str:
    return first_sentence(schema.get("description", ""))


def _explain(doc: Document, error) -> list[Problem]:
    import difflib  # only invalid documents need suggestions

    path = tuple(error.absolute_path)
    pointer = json_pointer(path)
    kind = error.validator
    instance = error.instance
    schema = error.schema

    def at(location_path, message, hint="", at_key=False, where=pointer):
        return Problem(doc.locate(location_path, at_key=at_key), message, where, hint)

    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        out = []
        for key in sorted(k for k in instance if k not in schema.get("properties", {})):
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
            out.append(at(path + (key,), f"unknown key '{key}'", hint, at_key=True, where=json_pointer(path + (key,))))
        return out or [at(path, f"key not allowed here (invalid key {error.message})")]
    if kind == "required" and isinstance(instance, dict):
        # A misspelt key is reported once, as unknown with a suggestion, not also as missing.
        unknown = [k for k in instance if k not in schema.get("properties", {})]
        return [
            at(path, f"missing required key '{key}'", f"add '{key}:' to this mapping")
            for key in error.validator_value
            if key not in instance and not difflib.get_close_matches(key, unknown, n=1, cutoff=0.6)
        ]
    if "propertyNames" in error.relative_schema_path:
        key = instance if isinstance(instance, str) else str(instance)
        hint = _format_hint(schema) or "rename the key"
        return [at(path + (key,), f"invalid name '{key}' in {_field_name(path)}", hint, at_key=True, where=json_pointer(path + (key,)))]
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        wanted = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in expected)
        hint = "quote the value to make it a string" if "string" in expected else _format_hint(schema)
        return [at(path, f"{_field_name(path)} must be {wanted}, not {_describe(instance)}", hint)]
    if kind == "enum":
        options = [str(o) for o in error.validator_value]
        close = difflib.get_close_matches(str(instance), options, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(options)}"
        return [at(path, f"{instance!r} is not a valid {_field_name(path)}", hint)]
    if kind == "const":
        return [at(path, f"{_field_name(path)} must be {error.validator_value!r}, not {instance!r}", f"write {error.validator_value}")]
    if kind == "pattern":
        # The message editors show for this pattern (yaml-language-server reads patternErrorMessage).
        hint = first_sentence(schema.get("patternErrorMessage", "")) or _format_hint(schema)
        if isinstance(instance, str) and "://" in instance and "host" in _field_name(path).lower():
            from urllib.parse import urlsplit

            try:
                bare = urlsplit(instance).hostname or ""
            except ValueError:  # not even a URL ("https://[" is no IPv6 address): the pattern's own hint
                bare = ""
            hint = f"write the host name alone, without the scheme or a path: {bare}" if bare else hint
        return [at(path, f"{instance!r} is not a valid {_field_name(path)}", hint)]
    if kind in ("minItems", "minProperties") and not instance:
        return [at(path, f"{_field_name(path)} must not be empty", _format_hint(schema))]
    return [at(path, f"{_field_name(path)}: {error.message}", _format_hint(schema))]
