"""How the CLI speaks to people: colour (`--color`, NO_COLOR), `--quiet`, and problem output.

Colour is modest (the severity word, the location, `hint:`) and only where a
person reads it: `auto` colours a stream that is a terminal, unless NO_COLOR
is set (https://no-color.org); `always` and `never` override both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

import click

from mlopsgen.errors import Problem
from mlopsgen.escape import printable

COLOR_CHOICES = ("auto", "always", "never")
PROBLEM_FORMATS = ("text", "github")
_STYLES: dict[str, dict[str, Any]] = {
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow", "bold": True},
    "info": {"fg": "cyan", "bold": True},
    "note": {"fg": "cyan"},
    "location": {"bold": True},
    "hint": {"fg": "cyan"},
}


def paint(text: str, role: str, enabled: bool) -> str:
    return click.style(text, **_STYLES[role]) if enabled else text


def diagnostic(location: str, severity: str, message: str, hint: str = "", color: bool = False) -> str:
    """`file:line:col: error: message` and an indented `hint:` line: one shape for problems and findings.

    File names, messages and hints carry user text: escaped (before colour is added), so none can break
    its line, move the cursor or start a CI workflow command."""
    location, message, hint = printable(location), printable(message), printable(hint)
    text = f"{paint(location, 'location', color)}: {paint(severity + ':', severity, color)} {message}"
    if hint:
        text += f"\n  {paint('hint:', 'hint', color)} {hint}"
    return text


@dataclass(frozen=True)
class Console:
    color: str = "auto"
    quiet: bool = False

    def colors(self, stream: TextIO) -> bool:
        if self.color != "auto":
            return self.color == "always"
        if os.environ.get("NO_COLOR"):
            return False
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())

    def note(self, message: str) -> None:
        """Summaries and notes, on stderr; `--quiet` drops them, never errors or findings."""
        if not self.quiet:
            click.echo(printable(message), err=True, color=self.colors(sys.stderr))

    def report(self, line: str, err: bool = True) -> None:
        """A line that is a result (an error, a stale file): kept under `--quiet`."""
        stream = sys.stderr if err else sys.stdout
        click.echo(printable(line), err=err, color=self.colors(stream))

    def problems(self, problems: Iterable[Problem], output_format: str = "text") -> None:
        problems = list(problems)
        if output_format == "github":
            from mlopsgen.github import problem_command

            for problem in problems:
                click.echo(problem_command(problem))
        else:
            color = self.colors(sys.stderr)
            for problem in problems:
                message = problem.message + (f" (at {problem.pointer})" if problem.pointer else "")
                click.echo(diagnostic(str(problem.location), "error", message, problem.hint, color), err=True, color=color)
        count = len(problems)
        self.note(f"{count} problem{'s' if count != 1 else ''} found.")


DEFAULT_CONSOLE = Console()  # frozen: safe to share as a default
