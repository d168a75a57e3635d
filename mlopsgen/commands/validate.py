"""`mlopsgen validate`: check platform files, report every problem."""

from __future__ import annotations

import json

import click

from mlopsgen.console import Console
from mlopsgen.errors import EXIT_OK, EXIT_USER_ERROR, Problem, UserError
from mlopsgen.platform import load_platform


def run_validate(files: tuple[str, ...], output_format: str, console: Console) -> int:
    problems: list[Problem] = []
    for file in files:
        try:
            load_platform(file)
        except UserError as error:
            problems.extend(error.problems)
    if output_format == "json":
        click.echo(json.dumps({"valid": not problems, "files": list(files), "problems": [p.as_dict() for p in problems]}, indent=2))
        return EXIT_USER_ERROR if problems else EXIT_OK
    if problems:
        raise UserError(problems)  # text and github: reported by the CLI's handler
    console.note(f"{len(files)} file{'s' if len(files) != 1 else ''} valid")
    return EXIT_OK
