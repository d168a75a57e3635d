"""`mlopsgen init`: write a starter platform.yaml that validates.

The folder given is resolved once; inside it both files are reached by file
descriptor: a symbolic link at either name is refused (never followed, never
replaced), an existing file is refused without --force and, with it, replaced
by a rename (rename(2) replaces the name, it never writes through it).
"""

from __future__ import annotations

import os
import secrets
import stat

from mlopsgen.console import Console
from mlopsgen.errors import EXIT_OK, UserError
from mlopsgen.readfile import kind_of
from mlopsgen.resources import data_path
from mlopsgen.write import fs

STARTER = ("templates", "init", "platform.yaml")
SCHEMA = ("schemas", "platform.schema.json")
FILES = {"platform.yaml": STARTER, "platform.schema.json": SCHEMA}  # the schema lets editors check offline


def run_init(directory: str, force: bool, console: Console) -> int:
    target = os.path.realpath(directory)
    try:
        os.makedirs(target, exist_ok=True)
        folder = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:  # the CLI reports the user's OS errors with a hint, any other as a bug
        raise OSError(exc.errno, exc.strerror, directory) from None
    try:
        shown = {name: os.path.join(directory, name) for name in FILES}
        problems = [p for name in FILES for p in _refusals(folder, name, shown[name], force)]
        if problems:
            raise UserError(problems)
        for name, source in FILES.items():
            try:
                _replace(folder, name, data_path(*source).read_bytes())
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, shown[name]) from None
    finally:
        os.close(folder)
    spec_file, schema_file = (shown[name] for name in FILES)
    console.note(f"wrote {spec_file} and {schema_file}")
    # Without -o, the tree goes to gitops.path from the repository root, wherever DIRECTORY sits in it.
    console.note(f"next: mlopsgen validate {spec_file} && mlopsgen render {spec_file}")
    return EXIT_OK


def _refusals(folder: int, name: str, shown: str, force: bool) -> list:
    info = fs.lstat(folder, name)
    if info is None:
        return []
    if stat.S_ISLNK(info.st_mode):
        return list(fs.link_refused(shown).problems)
    if not stat.S_ISREG(info.st_mode):
        return list(UserError.single(shown, f"is {kind_of(info.st_mode)}", hint="move it out of the way").problems)
    if not force:
        return list(UserError.single(shown, "already exists", hint="pass --force to overwrite it").problems)
    return []


def _replace(folder: int, name: str, data: bytes) -> None:
    temporary = f".{name}.{secrets.token_hex(6)}.tmp"
    fs.write_file(folder, temporary, data)
    try:
        os.rename(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        os.unlink(temporary, dir_fd=folder)
        raise
