"""`mlopsgen schema`: print the platform JSON Schema."""

from __future__ import annotations

import click

from mlopsgen.errors import EXIT_OK
from mlopsgen.resources import data_path


def run_schema() -> int:
    click.echo(data_path("schemas", "platform.schema.json").read_text(encoding="utf-8"), nl=False)
    return EXIT_OK
