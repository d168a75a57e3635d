"""Safe YAML loading that remembers where every value came from.

Documents are built straight from the parser's event stream (libyaml's, through
PyYAML), so nothing is ever constructed from a tag and every node keeps its line
and column. The parser only says where nodes are and how each scalar is written;
values follow the YAML 1.2 core schema (``yes`` and ``on`` stay strings), resolved
here (platform/scalars.py). Every fault becomes a located ``Problem``; all of them
are raised at once as a UserError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlopsgen.errors import Location, Problem, UserError, yaml_syntax_hint
from mlopsgen.platform.scalars import resolve_plain_scalar
from mlopsgen.readfile import MAX_DEPTH, MAX_NODES, read_regular

MAX_BYTES = 2 * 1024 * 1024

JsonPath = tuple  # a JSON path: tuple of str keys and int indexes

@dataclass(frozen=True)
class Document:
    """A loaded YAML document: plain data plus the position of every node."""

    file: str
    data: Any
    marks: dict = field(repr=False)  # path -> (line, column) of the value, 1-based
    key_marks: dict = field(repr=False)  # path -> (line, column) of the mapping key

    def locate(self, path: JsonPath, at_key: bool = False) -> Location:
        """Position of the node at ``path``, or of its nearest located ancestor."""
        path = tuple(path)
        if at_key and path in self.key_marks:
            return Location(self.file, *self.key_marks[path])
        while path not in self.marks and path:
            path = path[:-1]
        line, column = self.marks.get(path, (1, 1))
        return Location(self.file, line, column)


def load_file(path: str | Path, display_name: str | None = None) -> Document:
    name = display_name or str(path)
    return load_bytes(read_spec(path, name), name)


def read_spec(path: str | Path, name: str) -> bytes:
    """A spec file's bytes: a regular file within the size limit (FIFOs and devices are refused)."""
    return read_regular(path, name, MAX_BYTES)


def load_bytes(raw: bytes, name: str) -> Document:
    return load_text(_decode(raw, name), name)


def _decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        raise UserError.single(
            name, f"file is {len(raw)} bytes; the limit is {MAX_BYTES}", hint="split the platform into smaller files"
        )
    if b"\0" in raw:
        line, column = _byte_position(raw, raw.index(b"\0"))
        raise UserError.single(
            name, "file contains a NUL byte", hint="is this a binary file?", line=line, column=column
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(raw, exc.start)
        raise UserError.single(
            name,
            f"invalid UTF-8 byte 0x{raw[exc.start]:02x}",
            hint="save the file as UTF-8",
            line=line,
            column=column,
        ) from None


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def load_text(text: str, name: str) -> Document:
    import yaml
    from yaml.error import MarkedYAMLError, YAMLError

    builder = _Builder(name)
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            builder.feed(event)
            if builder.fatal:
                break
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = (exc.problem or exc.context or "invalid YAML").strip()
        if exc.context_mark and exc.context and "end of stream" in message:
            # "unexpected end of stream" is found at the end; the cause is where the construct began
            mark, message = exc.context_mark, f"{message} {exc.context.strip()}"

        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        builder.problems.append(
            Problem(Location(name, line, column), f"YAML syntax error: {message}", hint=yaml_syntax_hint(message))
        )
    except YAMLError as exc:  # reader errors: non-printable characters and the like
        offset = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        character = getattr(exc, "character", None)
        what = f"character U+{character:04X}" if isinstance(character, int) else "character"
        builder.problems.append(
            Problem(
                Location(name, line, column),
                f"YAML does not allow the control {what} here",
                hint="remove it, or write it as an escape inside a double-quoted string",
            )
        )
    if builder.problems:
        raise UserError(builder.problems)
    if not builder.documents:
        raise UserError.single(name, "file is empty", hint="run `mlopsgen init` for a starter platform.yaml", line=1, column=1)
    return Document(name, builder.documents[0], builder.marks, builder.key_marks)


class _Builder:
    """Turns parser events into plain Python data, recording marks and faults."""

    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []
        self.documents: list[Any] = []
        self.marks: dict[JsonPath, tuple[int, int]] = {}
        self.key_marks: dict[JsonPath, tuple[int, int]] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0
        self.fatal = False  # set when going on would only repeat the same fault
        # Each frame: [container, path, pending_key, pending_key_mark, node_count_at_start, anchor, start_mark]
        self.stack: list[list] = []

    def _fail(self, mark, message: str, hint: str = "") -> None:
        self.problems.append(Problem(Location(self.name, mark.line + 1, mark.column + 1), message, hint=hint))

    def feed(self, event) -> None:
        kind = type(event).__name__
        if kind == "DocumentStartEvent":
            if self.documents:
                self._fail(
                    event.start_mark,
                    "more than one YAML document in the file",
                    "a platform file holds exactly one document; remove the '---' separator",
                )
            return
        if kind in ("StreamStartEvent", "StreamEndEvent", "DocumentEndEvent"):
            return
        if kind in ("MappingEndEvent", "SequenceEndEvent"):
            done, _path, _key, _kmark, start_count, anchor, start_mark = self.stack.pop()
            if anchor:
                self.anchors[anchor] = (done, self.nodes - start_count)
            self._attach(done, start_mark, is_end=True)
            return
        if getattr(event, "tag", None) not in (None, "!"):
            # Reported, then the node is read as if untagged: nothing is built from a tag.
            self._fail(
                event.start_mark,
                f"YAML tag '{event.tag}' is not allowed",
                "mlopsgen reads plain data only; remove the tag (quote the value if it must be a string)",
            )
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._fail(event.start_mark, f"document has more than {MAX_NODES} nodes", "split the file")
            self.fatal = True
            return
        if kind == "AliasEvent":
            if event.anchor not in self.anchors:
                self._fail(event.start_mark, f"unknown alias '*{event.anchor}'", "define the anchor before using it")
                self._attach(None, event.start_mark)  # keeps keys and values paired
                return
            value, size = self.anchors[event.anchor]
            self.nodes += size
            if self.nodes > MAX_NODES:
                self._fail(
                    event.start_mark,
                    f"aliases expand the document beyond {MAX_NODES} nodes",
                    "this looks like an alias bomb; write the values out",
                )
                self.fatal = True
                return
            self._attach(value, event.start_mark)
            return
        if kind == "ScalarEvent":
            plain = not event.style and event.implicit[0]  # a plain scalar's style is "" (None without libyaml)
            value = resolve_plain_scalar(event.value) if plain else event.value
            if event.anchor:
                self.anchors[event.anchor] = (value, 1)
            mark = event.start_mark
            if plain and event.value == "" and self.stack and self.stack[-1][3] is not None:
                mark = self.stack[-1][3]  # an empty value has no position of its own: use its key
            self._attach(value, mark)
            return
        # MappingStartEvent / SequenceStartEvent
        if len(self.stack) >= MAX_DEPTH:
            self._fail(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels", "flatten the structure")
            self.fatal = True
            return
        container: Any = {} if kind == "MappingStartEvent" else []
        path = self._child_path()
        self.stack.append([container, path, None, None, self.nodes, event.anchor, event.start_mark])
        if path is not None:
            self.marks[path] = (event.start_mark.line + 1, event.start_mark.column + 1)

    def _child_path(self) -> JsonPath | None:
        """The path the next value will take, or None when it is a mapping key."""
        if not self.stack:
            return ()
        container, path, key = self.stack[-1][:3]
        if path is None:
            return None
        if isinstance(container, list):
            return path + (len(container),)
        if key is _NO_KEY or key is None:
            return None  # we are reading a key
        return path + (key,)

    def _attach(self, value: Any, mark, is_end: bool = False) -> None:
        if not is_end:
            path = self._child_path()
            if path is not None and path not in self.marks:
                self.marks[path] = (mark.line + 1, mark.column + 1)
        if not self.stack:
            self.documents.append(value)
            return
        frame = self.stack[-1]
        container, path, key = frame[0], frame[1], frame[2]
        if isinstance(container, list):
            container.append(value)
            return
        if key is None:  # this value is a key
            if not isinstance(value, str):
                self._fail(
                    mark,
                    f"mapping key {value!r} is not a string",
                    "quote the key" if not isinstance(value, (dict, list)) else "keys must be plain strings",
                )
                frame[2], frame[3] = _NO_KEY, mark
                return
            if value in container:
                first = self.key_marks.get(path + (value,)) if path is not None else None
                where = f" (first defined at line {first[0]})" if first else ""
                self._fail(mark, f"duplicate key '{value}'{where}", "remove one of them")
                frame[2], frame[3] = _NO_KEY, mark
                return
            frame[2], frame[3] = value, mark
            if path is not None:
                self.key_marks[path + (value,)] = (mark.line + 1, mark.column + 1)
            return
        if key is not _NO_KEY:
            container[key] = value
        frame[2], frame[3] = None, None


class _NoKey:
    """Marks a key that was rejected: its value is read and dropped."""


_NO_KEY = _NoKey()
