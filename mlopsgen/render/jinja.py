"""The one Jinja environment every template renders through.

StrictUndefined turns a misspelt variable into an error instead of an empty
string. Values reach YAML only through the `yaml` filters below, which emit
scalars and collections through a serializer, never by concatenation. Only
their output may span lines: any other `{{ }}` (a name in a comment, the
header) has its line breaks and control characters escaped, so no text can
end a comment and start YAML of its own.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jinja2

from mlopsgen.escape import printable
from mlopsgen.resources import data_dir

# Plain scalars that read back as the same string in both YAML 1.1 and 1.2.
_SAFE_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@-]*$")
_AMBIGUOUS = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$"
)


# JSON leaves these raw, but YAML does not allow them in a document (C1 controls, surrogates, U+FFFE/F)
# or, in YAML 1.1 readers such as PyYAML, reads them as line breaks (NEL, U+2028, U+2029).
_NOT_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


class YamlText(str):
    """Output of the serializing filters: the only template text allowed to span lines."""


def _json(value: Any, **options: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, **options)
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _NOT_YAML.search(text) else text


def yaml_value(value: Any) -> str:
    """A value as an inline YAML node: plain where unambiguous, else JSON (a YAML subset)."""
    if isinstance(value, str):
        if _SAFE_PLAIN.fullmatch(value) and not _AMBIGUOUS.fullmatch(value):
            return YamlText(value)
        return YamlText(_json(value))
    if value is None or isinstance(value, (bool, int, float)):
        return YamlText(json.dumps(value))
    if isinstance(value, (dict, list, tuple)) or hasattr(value, "items"):
        return YamlText(_json(_plain(value), sort_keys=True))
    raise TypeError(f"cannot write {type(value).__name__} to YAML")


def yaml_block(value: Any, indent: int) -> str:
    """A mapping or list as a block at `indent` spaces, starting with a newline.

    Scalars and empty collections stay on the key's line, after a space.
    """
    value = _plain(value)
    if not isinstance(value, (dict, list)) or not value:
        return YamlText(" " + yaml_value(value))
    pad = " " * indent
    lines: list[str] = []
    _emit(value, pad, lines)
    return YamlText("\n" + "\n".join(lines))


def literal_block(text: str, indent: int) -> str:
    """Text for a `|` block scalar, indented; it must hold no line break YAML 1.1 would add (NEL, U+2028/9)."""
    if _NOT_YAML.search(text) or "\r" in text:
        raise ValueError("text for a literal block holds characters YAML reads differently")
    pad = " " * indent
    return YamlText("\n".join(pad + line if line else line for line in text.split("\n")))


def _keeping_mark(function):
    """A string filter whose result is still serializer output when its input was (trim, indent)."""
    def keeping(value: Any, *args: Any, **kwargs: Any) -> Any:
        result = function(value, *args, **kwargs)
        return YamlText(result) if isinstance(value, YamlText) else result
    return keeping


def _finalize(value: Any) -> Any:
    if isinstance(value, YamlText) or not isinstance(value, str):
        return value
    return printable(value)


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# A multi-line string that reads back identically as a literal block scalar: printable,
# no tabs, no trailing spaces, not starting with a space, ending in exactly one newline.
_BLOCK_SAFE = re.compile(r"^[^\s][^\t\r\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]*[^\s]\n$", re.S)


def _block_scalar(value: str) -> bool:
    return "\n" in value[:-1] and bool(_BLOCK_SAFE.match(value)) and not any(line != line.rstrip() for line in value.split("\n"))


def _emit(value: Any, pad: str, lines: list[str]) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            child = value[key]
            if isinstance(child, (dict, list)) and child:
                lines.append(f"{pad}{yaml_value(key)}:")
                _emit(child, pad + "  ", lines)
            elif isinstance(child, str) and _block_scalar(child):
                lines.append(f"{pad}{yaml_value(key)}: |")
                lines.extend(f"{pad}  {line}" if line else "" for line in child[:-1].split("\n"))
            else:
                lines.append(f"{pad}{yaml_value(key)}: {yaml_value(child)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                sub: list[str] = []
                _emit(item, pad + "  ", sub)
                sub[0] = pad + "- " + sub[0][len(pad) + 2:]
                lines.extend(sub)
            else:
                lines.append(f"{pad}- {yaml_value(item)}")


def as_manifest(obj: dict | list) -> str:
    """An object (or a JSON patch) as the YAML text of an Argo resource template's `manifest`."""
    return yaml_block(obj, 0).lstrip("\n") + "\n"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["yaml"] = yaml_value
    env.filters["yaml_block"] = yaml_block
    env.filters["literal_block"] = literal_block
    for name in ("trim", "indent"):
        env.filters[name] = _keeping_mark(env.filters[name])
    return env


def render_template(template: str, /, **context: Any) -> str:
    return environment().get_template(template).render(**context)
