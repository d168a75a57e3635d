"""One error hierarchy: every problem a user can fix carries its location and a hint.

Exit codes used across the CLI:
  0  success
  1  the check failed (stale tree, lint findings)
  2  invalid input or usage
  3  internal error (a bug in mlopsgen)
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 3


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
        text = f"{self.location}: error: {self.message}"
        if self.pointer:
            text += f" (at {self.pointer})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
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
