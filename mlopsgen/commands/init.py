"""`mlopsgen init`: write a starter platform.yaml that validates."""

from __future__ import annotations

from pathlib import Path

from mlopsgen.console import Console
from mlopsgen.errors import EXIT_OK, UserError
from mlopsgen.resources import data_path

STARTER = ("templates", "init", "platform.yaml")
SCHEMA = ("schemas", "platform.schema.json")


def run_init(directory: str, force: bool, console: Console) -> int:
    target = Path(directory)
    spec_file = target / "platform.yaml"
    if spec_file.exists() and not force:
        raise UserError.single(str(spec_file), "already exists", hint="pass --force to overwrite it")
    target.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(data_path(*STARTER).read_text(encoding="utf-8"), encoding="utf-8")
    # A local copy of the schema lets editors check the file offline (see the modeline).
    (target / "platform.schema.json").write_text(data_path(*SCHEMA).read_text(encoding="utf-8"), encoding="utf-8")
    console.note(f"wrote {spec_file} and {target / 'platform.schema.json'}")
    console.note(f"next: mlopsgen validate {spec_file} && mlopsgen render {spec_file} -o {target / 'deploy'}")
    return EXIT_OK
