"""One error hierarchy: every problem a user can fix carries its location and a hint.

Exit codes used across the CLI:
  0  success
  1  the check failed (stale tree, lint findings)
  2  invalid input or usage
  3  internal error (a bug in mlopsgen)
  141 the reader closed the output pipe early (`| head`); nothing is printed, as with git
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 3
EXIT_UNKNOWN = 4  # verify: nothing failed, but not everything was seen (a chart not rendered): not proven
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a source file."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located precisely."""

    location: Location
    message: str
    pointer: str = ""
    hint: str = ""

    def format(self) -> str:
        """The problem for a terminal: user text (file names, values) escaped, so each part keeps its line."""
        from mlopsgen.escape import printable

        text = f"{printable(str(self.location))}: error: {printable(self.message)}"
        if self.pointer:
            text += f" (at {printable(self.pointer)})"
        if self.hint:
            text += f"\n  hint: {printable(self.hint)}"
        return text

    def as_dict(self) -> dict:
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "message": self.message,
            "pointer": self.pointer,
            "hint": self.hint,
        }


class MlopsgenError(Exception):
    """Base class: anything raised on purpose by mlopsgen."""


class UserError(MlopsgenError):
    """The input is wrong; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    @classmethod
    def single(cls, file: str, message: str, hint: str = "", line: int = 0, column: int = 0) -> UserError:
        return cls([Problem(Location(file, line, column), message, hint=hint)])


# Operating-system errors that are about the user's files and machine, not a
# bug: each becomes a located problem with what to do about it.
_OS_HINTS = {
    errno.EACCES: "check the permissions of {path}, or choose another location",
    errno.EPERM: "check the permissions of {path}, or choose another location",
    errno.EROFS: "the file system is read-only; choose a writable location",
    errno.ENOSPC: "the disk is full; free some space and run again",
    errno.EDQUOT: "your disk quota is used up; free some space and run again",
    errno.EFBIG: "the file is larger than the file system allows",
    errno.ENOENT: "check that the path exists",
    errno.EEXIST: "{path} is in the way; remove it or choose another path",
    errno.ENOTDIR: "a part of the path is a file, not a directory",
    errno.EISDIR: "the path is a directory; give a file",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.ELOOP: "the path has a symbolic link loop",
    errno.EIO: "the device reported an I/O error; check the disk",
    errno.EBUSY: "the file is in use by another process",
}


def os_error_problem(error: OSError, default_path: str = "<stdout>") -> Problem | None:
    """The problem a user can fix, or None when the error is not one (then it is a bug)."""
    if error.errno not in _OS_HINTS:
        return None
    hint = _OS_HINTS[error.errno]
    path = os.fsdecode(error.filename) if error.filename is not None else default_path
    return Problem(Location(path), error.strerror or os.strerror(error.errno), hint=hint.format(path=path))


# What YAML parsers (libyaml, PyYAML) say when a line is indented wrongly: the error is reported where the
# parser noticed, often the line after the one that moved.
_INDENTATION = ("expected <block end>", "did not find expected key", "could not find expected ':'",
                "expected <document start>", "did not find expected '-' indicator")


def yaml_syntax_hint(message: str) -> str:
    """A hint for a YAML syntax error, from the parser's message."""
    if "'\\t'" in message or "tab" in message.lower():
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted"
    if any(marker in message for marker in _INDENTATION):
        return ("check the indentation: keys of one mapping start in the same column, so this line or the one "
                "above it is indented differently from its siblings")
    return "check indentation and quoting around this position"
