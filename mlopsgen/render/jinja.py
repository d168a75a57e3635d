"""The one Jinja environment every template renders through.

StrictUndefined turns a misspelt variable into an error instead of an empty
string. Values reach YAML only through the `yaml` filters below, which emit
scalars and collections through a serializer, never by concatenation.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jinja2

from mlopsgen.resources import data_dir

# Plain scalars that read back as the same string in both YAML 1.1 and 1.2.
_SAFE_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@-]*$")
_AMBIGUOUS = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$"
)


def yaml_value(value: Any) -> str:
    """A value as an inline YAML node: plain where unambiguous, else JSON (a YAML subset)."""
    if isinstance(value, str):
        if _SAFE_PLAIN.match(value) and not _AMBIGUOUS.match(value):
            return value
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    if isinstance(value, (dict, list, tuple)) or hasattr(value, "items"):
        return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)
    raise TypeError(f"cannot write {type(value).__name__} to YAML")


def yaml_block(value: Any, indent: int) -> str:
    """A mapping or list as a block at `indent` spaces, starting with a newline.

    Scalars and empty collections stay on the key's line, after a space.
    """
    value = _plain(value)
    if not isinstance(value, (dict, list)) or not value:
        return " " + yaml_value(value)
    pad = " " * indent
    lines: list[str] = []
    _emit(value, pad, lines)
    return "\n" + "\n".join(lines)


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _emit(value: Any, pad: str, lines: list[str]) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            child = value[key]
            if isinstance(child, (dict, list)) and child:
                lines.append(f"{pad}{yaml_value(key)}:")
                _emit(child, pad + "  ", lines)
            else:
                lines.append(f"{pad}{yaml_value(key)}: {yaml_value(child)}")
    else:
        for item in value:
            if isinstance(item, dict) and item:
                sub: list[str] = []
                _emit(item, pad + "  ", sub)
                sub[0] = pad + "- " + sub[0][len(pad) + 2:]
                lines.extend(sub)
            else:  # scalars, and nested lists in flow style
                lines.append(f"{pad}- {yaml_value(item)}")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yaml"] = yaml_value
    env.filters["yaml_block"] = yaml_block
    return env


def render_template(template: str, /, **context: Any) -> str:
    return environment().get_template(template).render(**context)
