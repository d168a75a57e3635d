"""The fast path of the one reader: fastyaml-rs (a Rust YAML parser, 6-9x faster than PyYAML's C loader
on manifests) where its reading is provably the C loader's, and nothing otherwise.

fastyaml-rs reads YAML 1.2 (core schema); the API server reads YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2),
as PyYAML does. They differ on plain scalars one schema resolves and the other does not (`on`, `0755`,
`1_000`, `8080:80`, `1e3`, `-.5`), on tags, anchors, directives, merge keys, a node starting with `:`,
tabs where 1.1 forbids them, flow collections over several lines or with 1.1's stricter flow rules, `...`,
block scalars that end the text or form a whole document, and line breaks and characters 1.1 treats
otherwise. Every check below looks for where such a form could start (led by a character that is rare in
manifests, so each costs a fraction of the parse); a match only sends the document to PyYAML, which also
gives located errors and the depth and alias bounds. Strings 1.1 would have resolved are looked for in the
parsed document itself, when its text has a candidate. A stream is read in one pass where each of its
documents would pass; otherwise each document is judged on its own.
The differential fuzz harness (tests/fuzz/reader.py) holds the two readings equal on everything that passes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from mlopsgen.readfile import MAX_DEPTH

# Where a plain scalar ends: the line's end, a comment, a key's `:`, or a flow separator.
_END = r"(?=[ \t]*+(?:\n|$|#|:(?:[ \t]|\n|$)|[,\]}]))"
# Scalars 1.2 reads as numbers that 1.1 reads otherwise (or as other numbers).
_NUMBERS_12 = (
    r"[-+]?(?:0[0-9_]+(?:\.[0-9_]*)?"  # 1.1 octal (0755 is 493), or a leading zero 1.2 reads as decimal
    r"|0[oOxX][0-9a-fA-F_]*"  # octal 0o (1.2 only), hex (1.1 allows underscores)
    r"|(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9_]+)[eE][-+]?[0-9]+"  # exponents (1.1 needs a dot and a sign)
    r"|\.(?:inf|Inf|INF|nan|NaN|NAN))"
    r"|[-+]\.[0-9_.]*"  # a sign before a bare fraction (1.2 only)
)
# Plain scalars 1.1 resolves (booleans, numbers) that 1.2 keeps as strings.
_STRINGS_12 = (
    r"(?:[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF"
    r"|[-+]?(?:0[bB][0-9_]*|0[xX][0-9a-fA-F_]*_[0-9a-fA-F_]*"  # binary; hex with underscores
    r"|[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?"  # sexagesimal: `- 8080:80` is 484880 in 1.1
    r"|[0-9._]*_[0-9._]*))"  # digit separators
)
# Patterns are compiled on first use (_regex). Each check is one regular expression led by a character
# class, so the scan skips to the few places that class allows (a scan costs about 8 ns a character; an
# alternation of leads would cost 60). Blanks before what must follow them are taken possessively (`*+`): no
# alternative after them starts with a blank, so giving some back could never match, and costs a try each.
# A node's start: after a line break and indentation, `- ` or `? `, a `:` (a quoted key's value needs no
# blank in a flow), or a flow indicator. Only the leading character is consumed (what follows is looked
# ahead at), so one candidate never hides the next: `{: 13:7` is a `:` indicator and a sexagesimal.
_AT_NODE = (r"[\n\-?:\[{,](?<![-?](?![ \t]))(?=[ \t]*+(?:"
            r"(?P<indicator>[!&%:])"  # tags, anchors (aliases need one), directives, a node starting with `:`
            r"|(?=[-+.0-9])(?:" + _NUMBERS_12 + r")" + _END +
            r"|(?P<strings>(?=[-+0-9YyNnOo])" + _STRINGS_12 + _END + r")))")
# A flow collection starting at a node in block context and left open at its line's end (a line whose last
# character is not `]` or `}`, trailing blanks and comments too): 1.2 lets a mapping's keys span lines.
# A sequence over several lines (a command's arguments) reads the same in both unless, before the `]`
# that ends a line, it holds a key, a node starting with an indicator, a comment or a nested flow, or no
# such `]` comes within 4 kB.
_FLOW_OPENER = r"(?m)(?:^[ \t]*|[\-?:][ \t]+)[\[{]"  # (searched within one line)
_FLOW_END = r"\][ \t]*(?:#[^\n]*)?(?:\n|$)"
_IN_FLOW = r"(?:(?!" + _FLOW_END + r")[\s\S]){0,4096}?"
_OPEN_FLOW = (r"(?:\n[ \t]*+|[\-?:][ \t]++)(?:\{[^\n]*+(?<![\]}])|\[(?=[^\n]*+(?<![\]}]))"
              r"(?:(?=" + _IN_FLOW + r"(?::[ \t\n,?\[\]{}]|[\[{,][ \t]*[!&%?:|>#\[{]|\n[ \t]*[!&%?:|>#\[{]))"
              r"|(?!" + _IN_FLOW + _FLOW_END + r")))")
# What 1.1's flow rules refuse and 1.2's accept: `:` against a flow indicator or `?`, an indicator starting
# a node in a flow, a block indicator where no block scalar can start.
_FLOW_PAIRS = r":[,?\[\]{}]|[\[{,][ \t]*[!&%?:|>]|:[ \t]+(?:\?|[|>](?![0-9+-]*[ \t]*(?:#|\n|$)))"
# Rarer forms, each behind a substring test: (substring, what it must be to count).
_RARE = (
    ("\n...", r"\n\.\.\.(?:[ \t]|\n|$)"),  # a document end marker
    ("\t", r"[\n\-?:,\[{][ ]*\t"),  # a tab in indentation or after an indicator
    ("<<", r"[\n\-?:\[{,][ \t]*<<"),  # merge keys (and `<<` alone, which 1.1 resolves to one)
    ("\r", r"\r"),  # a CR alone: a line break 1.2 does not have
)
_UNPRINTABLE = r"[^\x09\x0A\x0D\x20-\x7E\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]"
_ASCII_UNPRINTABLE = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
# The same strings in a parsed document as JSON writes them (a whole string: after `[`, `{`, `, ` or `: `).
_STRINGS_12_IN_JSON = r'[\[{ ]"' + _STRINGS_12 + '"'
_DOCUMENT_START = r"(?m)^---(?=[ \t\r\n]|$)"
_CONTENT = r"(?m)^[ \t]*[^ \t\r\n#]"
_BLOCK_HEADER = r"[|>][0-9+-]*[ \t]*(?:#.*)?$"
_ROOT_BLOCK = r"(?:[ \t]*(?:---)?[ \t]*(?:#[^\n]*)?\n)*[ \t]*(?:---[ \t]+)?[|>]"


def fast_documents(text: str, slow: Callable[[str], list[Any] | None]) -> list[Any] | None:
    """The documents of `text` exactly as the C loader would build them, or None: the text needs that
    loader as a whole (for its located errors or its bounds). A document the fast path cannot vouch for is
    read by `slow` (one document's text -> its documents, or None for any problem)."""
    if _parser() is None:
        return None  # no fast parser on this platform
    starts = [match.start() for match in _regex(_DOCUMENT_START).finditer(text)]
    if not starts or starts == [0]:
        return _fast(text)
    bounds = ([0] if starts[0] else []) + starts + [len(text)]
    parts = [text[start:end] for start, end in itertools.pairwise(bounds)]
    if starts[0] and _prelude(parts[0]):
        parts = parts[1:]  # comments before the first `---` are no document
    whole = _fast_whole(text, parts)
    if whole is not None:
        return whole
    documents: list[Any] = []
    for part in parts:
        read = _fast(part)
        if read is None:
            read = slow(part)
        if read is None:
            return None
        documents += read
    return documents


def _prelude(part: str) -> bool:
    """Whether the text before a file's first `---` is no document (blanks and comments only)."""
    return not _regex(_CONTENT).search(part) and _printable(part) and not {"\r", "\t"} & set(part)


def _fast_whole(text: str, parts: list[str]) -> list[Any] | None:
    """A stream's documents read in one pass, where each of its documents would pass on its own: the screen's
    checks are local but for those at a document's edges (a root block scalar, a block scalar ending it, no
    content at all), so those are asked of each document, and the rest of the whole text at once. None sends
    the stream to the reading document by document (so does a CR: the edge checks read LF line breaks)."""
    if "\r" in text or not all(_regex(_CONTENT).search(part) and not _block_scalar_at_edge(part) for part in parts):
        return None
    documents = _fast(text)
    return documents if documents is not None and len(documents) == len(parts) else None


def _fast(text: str) -> list[Any] | None:
    if not _regex(_CONTENT).search(text):
        return None  # no document: the C loader says what that is
    # the checks read LF line breaks (CRLF reads the same in both; a CR left alone is a form of its own),
    # after one that stands for the text's start
    lines = "\n" + (text.replace("\r\n", "\n") if "\r" in text else text)
    maybe_strings_12 = _screen(lines)
    if maybe_strings_12 is None:
        return None
    try:
        # one pass enforces the depth bound: a stricter limit than the C path's, so anything near it
        # is refused here and judged (and located) there
        documents = list(_parser().safe_load_all(text, max_depth=MAX_DEPTH - 1))
    except Exception:  # whatever it refuses, the C loader reads or refuses with a location
        return None
    if maybe_strings_12 and _regex(_STRINGS_12_IN_JSON).search(_json(documents)):
        return None  # a string here may have been a plain `on` or `8080:80`, which 1.1 resolves
    return documents


def _screen(lines: str) -> bool | None:
    """None if the text (its line breaks LF, after a leading one) has a form the readings may differ on;
    else whether it has a plain string 1.1 may resolve, for the parsed document to tell."""
    maybe_strings_12 = False
    for match in _regex(_AT_NODE).finditer(lines):
        if match.lastgroup == "strings":
            maybe_strings_12 = True
        elif match.lastgroup != "indicator" or lines[match.start()] not in ",[{" or _opens_flow(lines, match.start()):
            return None
    if _regex(_OPEN_FLOW).search(lines) or _block_scalar_at_edge(lines[1:]) or not _printable(lines):
        return None
    if any(_opens_flow(lines, match.start()) for match in _regex(_FLOW_PAIRS).finditer(lines)):
        return None
    if any(substring in lines and _regex(pattern).search(lines) for substring, pattern in _RARE):
        return None
    return maybe_strings_12


def _opens_flow(text: str, position: int) -> bool:
    """Whether the line holding `position` opens a flow collection at a node before it: only then can a
    flow rule apply there (a `, !has(x)` in a CEL rule, a `[-1:]` in a JSONPath, are plain text). A flow
    sequence continued from a line before is _OPEN_FLOW's to judge: it sends one holding such a form to the
    C loader."""
    return bool(_regex(_FLOW_OPENER).search(text, text.rfind("\n", 0, position) + 1, position + 1))


def _printable(text: str) -> bool:
    """No character 1.1 refuses, nor NEL, LS or PS, which it reads as line breaks."""
    return not (_regex(_ASCII_UNPRINTABLE).search(text) if text.isascii() else _regex(_UNPRINTABLE).search(text))


def _block_scalar_at_edge(text: str) -> bool:
    """A block scalar as the whole document (1.1 wants its lines indented), or one that may run to the end
    of the text with no content or no final line break (1.2 keeps a line break there that PyYAML does not)."""
    if _regex(_ROOT_BLOCK).match(text):
        return True
    if not text.endswith("\n"):
        return "|" in text or ">" in text
    end = len(text)
    while end > 0:  # the last line with content, read backwards a line at a time
        start = text.rfind("\n", 0, end - 1) + 1
        line = text[start:end].strip()
        if line and not line.startswith("#"):
            return bool(_regex(_BLOCK_HEADER).search(line))
        end = start
    return False


def _json(documents: list[Any]) -> str:
    import json

    return json.dumps(documents, ensure_ascii=False)


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A pattern compiled on first use: a lint of specs alone never pays for them."""
    return re.compile(pattern)


_MODULE: list[Any] = []


def _parser() -> Any:
    """fastyaml-rs, imported once; None where it has no wheel (PyYAML then reads everything)."""
    if not _MODULE:
        try:
            import fast_yaml

            _MODULE.append(fast_yaml)
        except ImportError:
            _MODULE.append(None)
    return _MODULE[0]
