"""Positions in plain block documents, read off the lines instead of parsing the document again.

Most manifests are block mappings and sequences of one-line scalars. In such a document indentation alone
says where each node is, so a finding's position is a walk over a table of its document's lines, built once
per document with one regular expression per line. The table is built only where every line of the
document is one of those forms (an entry `key: value` or `key:`, sequence dashes, a one-line plain or
quoted scalar, an empty `{}` or `[]`, a comment, a blank); anything else (block or multi-line scalars,
flow collections, anchors, tags, quoted or complex keys, directives, tabs, line breaks other than LF) is
left to the event index of kube/yaml.py, and so is any node the walk cannot vouch for (an empty value).
The answers are the event index's, mark for mark: a test compares both on every node of the corpora.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any, Literal, NamedTuple

from mlopsgen.kube.yaml import Path, plain_key

# A plain scalar on one line: no indicator first (`-`, `?` and `:` only before a non-blank), no `: ` and
# no ` #` inside. Quoted scalars close on their line.
# Every repetition is possessive (`*+`): its alternatives start with different characters, so there is one
# way to read a line, and a line that is not one of these forms is refused in linear time (a run of `'` in a
# flow would otherwise be read in exponentially many ways before the refusal).
_PLAIN = r"(?:[^\s#'\"&*!|>%@`{}\[\],?:\-]|[-?:](?=\S))(?:[^:#\n]|:(?=\S)|(?<=\S)#)*+"
_QUOTED = r"'(?:[^'\n]|'')*+'|\"(?:[^\"\\\n]|\\[^\n])*+\""
# A flow collection closed on its line, nested at most twice, is one node here: what is inside it is left to
# the index. No `#` inside (after a blank it starts a comment, and the collection would go on below).
_IN_FLOW = r"(?:[^\[\]{}\"'\n#]|" + _QUOTED + ")*+"
_FLOW = (r"[\[{]" + _IN_FLOW + r"(?:[\[{]" + _IN_FLOW + r"(?:[\[{]" + _IN_FLOW + r"[\]}]" + _IN_FLOW + r")*+[\]}]"
         + _IN_FLOW + r")*+[\]}]")
_KEY = r"[A-Za-z0-9_./$][A-Za-z0-9_./$@+~=-]*+"
_LINE = (
    rf"(?P<ind> *+)(?P<dashes>(?:-(?: ++|$))*+)"
    rf"(?:(?P<key>{_KEY}):(?: ++(?P<value>{_PLAIN}|{_QUOTED}|{_FLOW}))?|(?P<item>{_PLAIN}|{_QUOTED}|{_FLOW}))?"
    r" *+(?:(?<![^ ])#.*)?$")
# Any line break YAML counts but LF, or a form of a marker line the table does not read (at a line's start: after
# a LF, or at the text's). Three patterns, each led by a class or a literal: one alternation led by `^` would be
# tried at every character.
_ODD_BREAK = r"[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]"
_ODD_MARKER = r"%|\.\.\.|--- *+[^ #\n]"
_ODD_LINE = r"\n(?:" + _ODD_MARKER + ")"
_MARKER_START = r"(?m)^---"
_CONTENT_LINE = r"(?m)^ *+[^ #\n]"  # a line with content: not blank, not a comment


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """Compiled on first use: a run that asks for no position (a lint of specs alone) never pays for them."""
    return re.compile(pattern)


class Mark(NamedTuple):
    line: int  # 0-based, as the parser's marks
    column: int


class Entry(NamedTuple):
    """One line with content: its line in the document, its indentation, the columns of its dashes, its key (as
    the index keys it) at its column, and the column of the scalar or flow collection on it (or -1) with what
    it is."""

    line: int
    indent: int
    dashes: tuple[int, ...]
    key: Any
    key_column: int
    value_column: int
    value_kind: str  # "scalar", "empty" (`{}` or `[]`) or "flow" (a collection on one line)


Table = list[Entry]  # the lines of the document with content, in order (blanks and comments left out)


def document_lines(text: str, documents: int) -> list[tuple[int, int]] | None:
    """(first line, end line) of each document, or None where the markers are not plain `---` lines or the
    count is not the parser's (the index then answers for the whole file). Read off the text with one scan
    for the markers: the file is not split into lines for it."""
    if _regex(_ODD_BREAK).search(text) or _regex(_ODD_LINE).search(text) or _regex(_ODD_MARKER).match(text):
        return None
    # Past those, a line starting with `---` is a plain marker line (`---`, blanks, a comment).
    markers, line, last = [], 0, 0
    starts = []
    for match in _regex(_MARKER_START).finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        markers.append(line)
        starts.append(last)
    total = text.count("\n") + 1
    bounds = [(0, markers[0] if markers else total)]
    bounds += [(m + 1, nxt) for m, nxt in zip(markers, [*markers[1:], total], strict=False)]
    if not _regex(_CONTENT_LINE).search(text, 0, starts[0] if starts else len(text)):
        bounds = bounds[1:]  # comments before the first `---` are no document
    return bounds if len(bounds) == documents else None


def table(lines: list[str], first: int, end: int) -> Table | None:
    """The document's lines as entries, or None if one is of a form this module does not read."""
    rows: Table = []
    append, form_of = rows.append, _form
    for number, line in enumerate(lines[first:end]):
        form = form_of(line)
        if form is None:
            return None
        if form is not _NOTHING:
            append(Entry(number, *form))
    return rows


_NOTHING: tuple[()] = ()  # the form of a blank line or a comment


@lru_cache(maxsize=1 << 16)
def _form(line: str) -> tuple[Any, ...] | None:
    """A line's entry but for its line number, or None if the line is of a form this module does not read.
    Kept per distinct line: manifests repeat most of theirs (`containers:`, `- name: main`, `resources:`)."""
    match = _regex(_LINE).match(line)
    if match is None:
        return None
    key, value, item, dashes_text = match.group("key", "value", "item", "dashes")
    if key is None and item is None and not dashes_text:
        return _NOTHING
    if item is not None and not dashes_text:
        return None  # a scalar alone on its line: a multi-line scalar or a root scalar
    indent = match.end("ind")
    # the dashes' text is dashes and blanks only
    dashes = ((indent,) if dashes_text.count("-") == 1 else tuple(indent + i for i, c in enumerate(dashes_text) if c == "-")) \
        if dashes_text else ()
    if key is None:
        value = item
    return (indent, dashes, None if key is None else plain_key(key), match.start("key") if key else -1,
            -1 if value is None else match.start("value" if key is not None else "item"), _value_kind(value))


def _value_kind(value: str | None) -> str:
    if value in ("{}", "[]"):
        return "empty"
    return "flow" if value and value[0] in "[{" else "scalar"


class Node(NamedTuple):
    """A node the walk reached: a mapping whose first key, or a sequence whose first dash, is at (row,
    column), or a one-line scalar or flow collection at (row, column); a row is an index of the Table."""

    kind: str  # "mapping", "sequence", or the value kinds of Entry
    row: int
    column: int
    collection: bool


class Found(NamedTuple):
    node: Node
    start: Mark  # where the node starts, in the document
    key: Mark | None  # the mark of its key, for a mapping's value
    whole: bool  # the whole path, not its nearest ancestor


def locate(rows: Table, path: Path) -> Found | None:
    """The node at `path` or its nearest written ancestor, as the index places it; None where only the
    index can tell."""
    node = _root(rows)
    if node is None:
        return None
    key: Mark | None = None
    for element in path:
        child = _child(rows, node, element)
        if child is None:
            return None
        if child is False:
            return Found(node, Mark(rows[node.row].line, node.column), key, False)  # absent: the nearest ancestor stands
        node, key = child
    return Found(node, Mark(rows[node.row].line, node.column), key, True)


def _root(rows: Table) -> Node | None:
    return _block(rows, 0) if rows else None


def _block(rows: Table, row: int) -> Node:
    """The node a row's first dash or key starts."""
    entry = rows[row]
    if entry.dashes:
        return Node("sequence", row, entry.dashes[0], True)
    return Node("mapping", row, entry.key_column, True)


def _below(rows: Table, row: int) -> tuple[int, Entry] | None:
    return (row + 1, rows[row + 1]) if row + 1 < len(rows) else None


def _key_value(rows: Table, row: int, column: int) -> Node | None:
    """The value of the key at (row, column); None where it is empty (a null only the parser places)."""
    entry = rows[row]
    if entry.value_column >= 0:
        return Node(entry.value_kind, row, entry.value_column, entry.value_kind != "scalar")
    below = _below(rows, row)
    if below is None:
        return None
    nxt, under = below
    if under.indent > column:
        return _block(rows, nxt)
    if under.indent == column and under.dashes and under.dashes[0] == column:
        return Node("sequence", nxt, column, True)  # YAML's indentless sequence: dashes at the key's column
    return None


def _item_value(rows: Table, row: int, dash: int) -> Node | None:
    """The item after the dash at (row, dash); None where it is empty."""
    entry = rows[row]
    later = [d for d in entry.dashes if d > dash]
    if later:
        return Node("sequence", row, later[0], True)
    if entry.key is not None:
        return Node("mapping", row, entry.key_column, True)
    if entry.value_column >= 0:
        return Node(entry.value_kind, row, entry.value_column, entry.value_kind != "scalar")
    below = _below(rows, row)
    if below is None or below[1].indent <= dash:
        return None
    return _block(rows, below[0])


def _child(rows: Table, node: Node, element: Any) -> tuple[Node, Mark | None] | Literal[False] | None:
    """The child at `element` with its key's mark; False when it is certainly absent; None when unknown."""
    if node.kind == "flow":
        return None  # inside a flow collection: the index knows
    if node.kind in ("scalar", "empty"):
        return False  # nothing is under a scalar or an empty collection
    if node.kind == "mapping":
        found = None
        for row in _entries(rows, node):
            if rows[row].key == element:
                if found is not None:
                    return None  # a repeated key: the data holds the last entry, the index mixes both
                found = row
        if found is None:
            return False
        value = _key_value(rows, found, node.column)
        return None if value is None else (value, Mark(rows[found].line, node.column))
    if not isinstance(element, int) or isinstance(element, bool) or element < 0:
        return False
    for count, row in enumerate(_entries(rows, node)):
        if count == element:
            value = _item_value(rows, row, node.column)
            return None if value is None else (value, None)
    return False


def _entries(rows: Table, node: Node) -> Iterator[int]:
    """The rows holding a mapping's keys or a sequence's dashes at node.column, in order."""
    yield node.row
    column, mapping = node.column, node.kind == "mapping"
    for n in range(node.row + 1, len(rows)):
        entry = rows[n]
        if entry.indent > column:
            continue
        if entry.indent < column:
            return
        if mapping:
            if not entry.dashes:
                yield n  # a dash here is an indentless sequence, a value of the key above
        elif entry.dashes and entry.dashes[0] == column:
            yield n
        else:
            return  # a key at the dashes' column: the indentless sequence ended
