"""Command line: click options in, a plain call to a command function out.

Each command function returns an exit code; this package only parses arguments, dispatches, and
turns errors into messages and exit codes: app.py the group and what every command shares,
generate.py the commands that write or print what the spec makes, checks.py those that judge.
"""

from mlopsgen.cli import checks, generate  # noqa: F401  (registers the commands on the group)
from mlopsgen.cli.app import cli, main

__all__ = ["cli", "main"]
