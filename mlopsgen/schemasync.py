"""Keep each schema's two descriptions in step, and its layout stable.

`markdownDescription` is the one written by hand: editors running
yaml-language-server render it as Markdown (a plain `description` is shown
escaped). `description` is derived from it as plain text, for every other
tool and for the CLI's hints; code spans become single-quoted.

Run `python -m mlopsgen.schemasync` after editing a schema; a test fails when
a schema is not what this would write.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from mlopsgen.resources import data_path

SCHEMAS = ("platform.schema.json", "lint-config.schema.json")
WIDTH = 118  # a node fits on one line up to here, as hand-written JSON Schemas usually do

_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1")  # not '_': snake_case names stay whole


def plain_text(markdown: str) -> str:
    """The Markdown this project writes in schemas (code, links, emphasis) as plain text."""
    parts = _CODE.split(markdown)  # odd items are the insides of code spans, kept verbatim
    return "".join(f"'{part}'" if i % 2 else _EMPHASIS.sub(r"\2", _LINK.sub(r"\1 (\2)", part))
                   for i, part in enumerate(parts))


def synced(node):
    """A copy of ``node`` in which every `description` is derived from its `markdownDescription`."""
    if isinstance(node, list):
        return [synced(child) for child in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "description" and "markdownDescription" in node:
            continue  # re-derived just before markdownDescription
        if key == "markdownDescription":
            out["description"] = plain_text(value)
        out[key] = value if key in ("markdownDescription", "patternErrorMessage") else synced(value)
    return out


def dumps(node, indent: int = 0, prefix: str = "") -> str:
    """JSON with small nodes on one line: readable, reviewable, and the same every time."""
    inline = json.dumps(node, ensure_ascii=False)
    if not isinstance(node, (dict, list)) or not node or indent + len(prefix) + len(inline) <= WIDTH:
        return inline
    pad = " " * (indent + 2)
    if isinstance(node, list):
        items = [pad + dumps(child, indent + 2) for child in node]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    items = []
    for key, value in node.items():
        head = json.dumps(key, ensure_ascii=False) + ": "
        items.append(pad + head + dumps(value, indent + 2, head))
    return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"


def schema_text(path: Path) -> str:
    return dumps(synced(json.loads(path.read_text(encoding="utf-8")))) + "\n"


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    stale = []
    for name in SCHEMAS:
        path = data_path("schemas", name)
        text = schema_text(path)
        if path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{path}: {'stale' if check else 'rewritten'}", file=sys.stderr)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
