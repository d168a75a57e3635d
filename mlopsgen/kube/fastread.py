"""The fast path of the one reader: fastyaml-rs (a Rust YAML parser, 6-9x faster than PyYAML's C loader
on manifests) where its reading is provably the C loader's, and nothing otherwise.

fastyaml-rs reads YAML 1.2 (core schema); the API server reads YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2),
as PyYAML does. The two differ only on plain scalars that one schema resolves and the other does not
(`yes`/`on`/`off`, `0755`, `0o17`, `1_000`, `12:30`, `1e3`, `-.5`), on tags, directives, merge keys,
aliases, tabs where 1.1 forbids them, `...` with no document, a clipped block scalar at the very end of
the text, line breaks 1.1 has and 1.2 does not, characters 1.1 refuses, and simple keys over 1,024
characters. SCREEN finds every place such a token could start, conservatively (inside a quoted or block
scalar too); a text it matches, or one fastyaml-rs refuses, is read by PyYAML, which also gives the
located error and the depth and alias bounds. The differential fuzz harness (tests/fuzz/reader.py) and
tests/kube/test_fastread.py hold the two readings equal on everything the screen lets through.
"""

from __future__ import annotations

import re
from typing import Any

from mlopsgen.readfile import MAX_DEPTH

# Where a node can start: at a line's start after indentation, after a block indicator and a blank, or in
# a flow collection. (A plain scalar's own text can look like this too: the screen then only costs speed.)
_START = r"(?:^|(?<=[\[{,])|(?<=[-?:][ \t]))[ \t]*"
# Where a plain scalar ends: the line's end, a comment, a key's `:`, or a flow separator.
_END = r"(?=[ \t]*(?:$|#|:(?:[ \t]|$)|[,\]}]))"
# Plain scalars YAML 1.1 (PyYAML's resolver) and 1.2 core resolve differently, written broadly.
_DIVERGENT = (
    r"(?:[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF"
    r"|[-+]?(?:0[0-9_]+(?:\.[0-9_]*)?"  # 1.1 octal (0755 is 493), or a leading zero 1.2 reads as decimal
    r"|0[bBoOxX][0-9a-fA-F_]*"  # binary (1.1 only), octal 0o (1.2 only), hex with underscores
    r"|[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?"  # sexagesimal (1.1 only): `- 8080:80` is 484880
    r"|[0-9._]*_[0-9._]*"  # digit separators (1.1 only)
    r"|(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9_]+)[eE][-+]?[0-9]+"  # exponents (1.1 needs a dot and a sign)
    r"|\.(?:inf|Inf|INF|nan|NaN|NAN))"
    r"|[-+]\.[0-9_.]*)"  # a sign before a bare fraction (1.2 only)
)
SCREEN = re.compile(
    _START + r"(?:[!%]|" + _DIVERGENT + _END + r")"  # tags and directives, divergent plain scalars
    r"|^[ \t]*:(?:[ \t]|$)"  # a value with no key (1.1 refuses it)
    r"|^\.\.\.(?:[ \t]|$)"  # a document end marker
    r"|(?:^|[-?:,\[{])[ ]*\t"  # a tab in indentation or after an indicator
    r"|<<"  # merge keys
    r"|\r(?!\n)|[^\x09\x0A\x0D\x20-\x7E\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]"  # CR, NEL, LS, PS; unprintables
    r"|^[^\n]{1024,}:(?:[ \t]|$)",  # a simple key over 1,024 characters
    re.M,
)
_ANCHOR = re.compile(_START + r"&", re.M)
_ALIAS = re.compile(_START + r"\*", re.M)
_BLOCK_SCALAR = re.compile(_START + r"[|>]", re.M)
_CONTENT = re.compile(r"^[ \t]*[^ \t\n#]", re.M)


def fast_documents(text: str) -> list[Any] | None:
    """The documents of `text` exactly as the C loader (kube/yaml.py) would build them, or None: the
    text needs that loader (for its YAML 1.1 reading, its located errors or its bounds)."""
    parser = _parser()
    if parser is None or not _CONTENT.search(text):
        return None  # no fast parser on this platform, or no document: the C loader says what that is
    if SCREEN.search(text) or (_ANCHOR.search(text) and _ALIAS.search(text)):
        return None
    if not text.endswith("\n") and _BLOCK_SCALAR.search(text):
        return None  # a block scalar ending the text keeps its last line break in 1.2, not in PyYAML
    try:
        # one pass enforces the depth bound: a stricter limit than the C path's, so anything near it
        # is refused here and judged (and located) there
        return list(parser.safe_load_all(text, max_depth=MAX_DEPTH - 1))
    except Exception:  # noqa: BLE001 - whatever it refuses, the C loader reads or refuses with a location
        return None


_MODULE: list[Any] = []


def _parser() -> Any:
    """fastyaml-rs, imported once; None where it has no wheel (PyYAML then reads everything)."""
    if not _MODULE:
        try:
            import fast_yaml
        except ImportError:
            fast_yaml = None
        _MODULE.append(fast_yaml)
    return _MODULE[0]
