"""User text made harmless before it reaches a terminal, a CI log or a YAML comment.

A terminal obeys control characters (ESC starts a colour or cursor sequence, CR
rewrites the line); a CI log splits at LF, and GitHub Actions runs `::command::`
found at the start of any line; YAML 1.1 readers (PyYAML, and so most tools)
also break lines at NEL U+0085 and U+2028/U+2029; bidirectional overrides make
text read differently from what it is. Such characters are shown as escapes, so
a message stays on its line and says exactly what the input held.
"""

from __future__ import annotations

import re

UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str, keep: str = "") -> str:
    """`text` on one line, every control, line-breaking or invisible formatting character escaped
    (except those in `keep`)."""
    if not UNSAFE.search(text):
        return text
    return UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


# --- one function per output format ------------------------------------------------------------------
# Every report of every command passes user text (file names, object names, messages that quote them)
# through exactly one of these; `tests/test_output_escaping.py` drives each format with hostile names.

def markdown_code(text: str, in_table: bool = False) -> str:
    """`text` as a Markdown code span: nothing inside is HTML, emphasis, a link, a mention or a
    reference (GitHub renders none of them in code). The fence is one backtick longer than the longest
    run inside (CommonMark 6.1), padded with spaces where the text starts or ends with one; in a table
    cell `|` is escaped, which GFM requires even inside code spans."""
    text = printable(text)
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_fence(lines: list[str]) -> str:
    """The fence for a fenced code block holding `lines` (each already printable): longer than any run
    of backticks in them, so no line can close the block early."""
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    return "`" * max(3, longest + 1)


def mermaid_label(text: str) -> str:
    """Text for a quoted Mermaid label: its entity codes for the characters that end or mark up a label (a pipe
    ends an edge's label, a backquote starts a Markdown string)."""
    text = printable(text).replace("#", "#35;")
    text = text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return text.replace("|", "#124;").replace("`", "#96;")


def dot_string(text: str) -> str:
    """Text inside a double-quoted DOT string: backslashes (DOT's escapes) and quotes escaped."""
    return printable(text).replace("\\", "\\\\").replace('"', '\\"')


def uri_reference(path: str) -> str:
    """A relative URI reference (RFC 3986) for a file name, as SARIF's artifactLocation.uri needs: every
    byte but unreserved characters and `/` percent-encoded. A name that is not UTF-8 (held as surrogate
    escapes, as os.fsdecode gives it) is encoded from its original bytes, losslessly."""
    from urllib.parse import quote

    return quote(path.encode("utf-8", "surrogateescape"), safe="/")
