"""Which files a lint run reads: the paths named, YAML files below folders, minus what is excluded.

Excluded are the configuration's `exclude` patterns and, by default, what git
ignores: each `.gitignore` from the repository root down to the file, the
deepest deciding, as git-scm.com/docs/gitignore specifies ("patterns in the
higher level files are overridden by those in lower level files"), with the
pathspec library's implementation of its pattern syntax. `-` is standard input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mlopsgen.errors import Location, Problem, UserError
from mlopsgen.lint.config import LintConfig, repository_root
from mlopsgen.lint.sources import STDIN

YAML_SUFFIXES = (".yaml", ".yml")
ALWAYS_EXCLUDED = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".venv-tools", ".tox"}


class GitIgnores:
    """The `.gitignore` files of the repositories a run reads, each read once."""

    def __init__(self) -> None:
        self._specs: dict[str, object | None] = {}
        self._chains: dict[str, list[tuple[str, object]]] = {}  # folder -> its .gitignore specs, deepest first

    def _spec(self, directory: str):
        if directory not in self._specs:
            ignore = os.path.join(directory, ".gitignore")
            spec = None
            if os.path.isfile(ignore):
                from mlopsgen.lint.config import compiled

                with open(ignore, encoding="utf-8", errors="replace") as stream:
                    spec = compiled(tuple(stream.read().splitlines()))
            self._specs[directory] = spec
        return self._specs[directory]

    def _chain(self, folder: str) -> list[tuple[str, object]]:
        if folder not in self._chains:
            root = repository_root(Path(folder))
            chain: list[tuple[str, object]] = []
            if root is not None:  # outside a repository git ignores nothing
                directory, top = folder, str(root)
                while True:
                    spec = self._spec(directory)
                    if spec is not None:
                        chain.append((directory, spec))
                    if directory == top or os.path.dirname(directory) == directory:
                        break
                    directory = os.path.dirname(directory)
            self._chains[folder] = chain
        return self._chains[folder]

    def ignored(self, path: Path, is_dir: bool = False) -> bool:
        full = os.path.abspath(path)
        for directory, spec in self._chain(os.path.dirname(full)):
            relative = full[len(directory) + 1:] + ("/" if is_dir else "")
            decided = spec.check_file(relative).include  # type: ignore[attr-defined]
            if decided is not None:
                return bool(decided)
        return False


@dataclass
class Selection:
    files: list[Path] = field(default_factory=list)
    configs: dict[Path, LintConfig] = field(default_factory=dict)  # file -> the configuration that governs it
    problems: list[Problem] = field(default_factory=list)  # folders that could not be read: one each


def discover(arguments: list[tuple[str, LintConfig]], gitignore: bool = True) -> Selection:
    """Files named (always read, as git reads a path given on its command line) and YAML files under
    folders named, minus excluded and git-ignored ones and the staging folders of renders. Missing paths
    are usage errors; a folder that cannot be read is reported, never skipped in silence."""
    from mlopsgen.catalog.conventions import is_leftover

    ignores = GitIgnores() if gitignore else None
    selection = Selection()
    missing = []

    def unreadable(error: OSError) -> None:
        selection.problems.append(Problem(Location(os.path.normpath(os.fsdecode(error.filename))), f"cannot read folder: {error.strerror}",
                                          hint="fix its permissions or exclude it"))

    def skip(path: Path, config: LintConfig, is_dir: bool) -> bool:
        return config.excludes(path, is_dir) or (ignores is not None and ignores.ignored(path, is_dir))

    for argument, config in arguments:
        path = Path(argument)
        if argument == STDIN or (os.path.exists(path) and not path.is_dir()):  # a FIFO named here is refused when read
            if argument == STDIN or not config.excludes(path):
                selection.configs.setdefault(path, config)
        elif path.is_dir():
            for directory, subdirs, files in os.walk(path, onerror=unreadable):
                subdirs[:] = sorted(d for d in subdirs if d not in ALWAYS_EXCLUDED and not is_leftover(d)
                                    and not skip(Path(directory, d), config, True))
                for name in sorted(files):
                    if name.endswith(YAML_SUFFIXES) and not skip(Path(directory, name), config, False):
                        selection.configs.setdefault(Path(directory, name), config)
        else:
            missing.append(Problem(Location(argument), "no such file or directory", hint="check the path"))
    if missing:
        raise UserError(missing)
    selection.files = list(selection.configs)
    return selection
