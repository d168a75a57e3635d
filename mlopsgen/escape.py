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
