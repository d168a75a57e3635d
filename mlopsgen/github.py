"""GitHub Actions workflow commands (`::error file=...,line=...::message`), escaped as the runner expects."""

from __future__ import annotations

from mlopsgen.errors import Problem
from mlopsgen.escape import printable


def escape_data(value: str) -> str:
    """The runner's escapes for `%`, CR and LF, then escapes for the other controls (ESC, NEL...) a log shows."""
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def workflow_command(kind: str, message: str, file: str = "", line: int = 0, column: int = 0, title: str = "") -> str:
    """One annotation; properties the runner cannot use (no file, line 0) are left out."""
    properties = []
    if file:
        properties.append(f"file={escape_property(file)}")
        if line > 0:
            properties.append(f"line={line}")
            if column > 0:
                properties.append(f"col={column}")
    if title:
        properties.append(f"title={escape_property(title)}")
    head = f"::{kind} {','.join(properties)}" if properties else f"::{kind}"
    return f"{head}::{escape_data(message)}"


def problem_command(problem: Problem, title: str = "mlopsgen") -> str:
    message = problem.message + (f" (at {problem.pointer})" if problem.pointer else "")
    if problem.hint:
        message += f"\nhint: {problem.hint}"
    where = problem.location
    return workflow_command("error", message, where.file, where.line, where.column, title)
