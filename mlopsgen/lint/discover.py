"""Which files a lint run reads: the paths named, YAML files below folders, minus what is excluded.

Excluded are the configuration's `exclude` patterns and, by default, what git
ignores: each `.gitignore` from the repository root down to the file, the
deepest deciding, as git-scm.com/docs/gitignore specifies ("patterns in the
higher level files are overridden by those in lower level files"), with the
pathspec library's implementation of its pattern syntax. `-` is standard input.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlopsgen.catalog.conventions import MARKER, leftover_tree
from mlopsgen.errors import Location, Problem, UserError
from mlopsgen.kube.manifest import STDIN
from mlopsgen.lint.config import LintConfig
from mlopsgen.readfile import MAX_FOLDER_DEPTH, read_regular, too_deep
from mlopsgen.repopath import dot_git_root

YAML_SUFFIXES = (".yaml", ".yml")
GITIGNORE_LIMIT = 100 * 1024 * 1024
ALWAYS_EXCLUDED = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".venv-tools", ".tox"}


class GitIgnores:
    """The `.gitignore` files of the repositories a run reads, each read once. With `top`, only those
    in `top` and below it count (a folder named on the command line that an outer one ignores)."""

    def __init__(self, top: str | None = None) -> None:
        self.top = top
        self._specs: dict[str, object | None] = {}
        self._chains: dict[str, list[tuple[str, object]]] = {}  # folder -> its .gitignore specs, deepest first

    def _spec(self, directory: str):
        if directory not in self._specs:
            ignore = os.path.join(directory, ".gitignore")
            spec = None
            if os.path.isfile(ignore):
                from mlopsgen.lint.config import compiled

                # a regular file of at most git's own limit for pattern files (dir.c, PATTERN_MAX_FILE_SIZE)
                text = read_regular(ignore, ignore, GITIGNORE_LIMIT).decode("utf-8", errors="replace")
                spec = compiled(tuple(text.splitlines()))
            self._specs[directory] = spec
        return self._specs[directory]

    def _chain(self, folder: str) -> list[tuple[str, object]]:
        if folder not in self._chains:
            root = dot_git_root(Path(folder))
            chain: list[tuple[str, object]] = []
            if root is not None:  # outside a repository git ignores nothing
                directory, top = folder, self.top or str(root)
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


def walk(top: str, unreadable: Callable[[OSError], None], problems: list[Problem]) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk's top-down (folder, sorted subfolders, sorted files), without recursion (os.walk recurses
    before Python 3.12) and to a bounded depth: a deeper folder is a problem, not entered. The caller may
    prune the subfolders in place; links to folders are listed, never entered."""
    pending = [(top, 0)]
    while pending:
        directory, depth = pending.pop()
        try:
            with os.scandir(directory) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as error:
            unreadable(error)
            continue
        subdirs = [e.name for e in entries if _is_dir(e)]
        files = [e.name for e in entries if not _is_dir(e)]
        yield directory, subdirs, files
        linked = {e.name for e in entries if e.is_symlink()}
        for name in reversed(subdirs):
            if name in linked:
                continue
            if depth >= MAX_FOLDER_DEPTH:
                problem = too_deep(os.path.join(directory, name)).problems[0]
                problems.append(Problem(problem.location, problem.message, hint="flatten the folders, or exclude them; nothing below was linted"))
                continue
            pending.append((os.path.join(directory, name), depth + 1))


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def left_by_render(directory: str, name: str) -> bool:
    """Whether the folder `name` is what a render of the tree beside it left: named as its staging or
    previous folder, beside a tree with mlopsgen's marker, and not in Git (a render never commits; a
    folder a pull request committed under such a name is content, and Argo CD deploys what it holds)."""
    tree = leftover_tree(name)
    if tree is None:
        return False
    try:
        marker = os.lstat(os.path.join(directory, tree, MARKER))
    except OSError:
        return False
    if not stat.S_ISREG(marker.st_mode):
        return False
    if dot_git_root(Path(directory)) is None:
        return True
    listed = subprocess.run(["git", "-C", directory, "ls-files", "-z", "--", name], capture_output=True, check=False)
    return listed.returncode == 0 and not listed.stdout


@dataclass
class Selection:
    files: list[Path] = field(default_factory=list)
    configs: dict[Path, LintConfig] = field(default_factory=dict)  # file -> the configuration that governs it
    problems: list[Problem] = field(default_factory=list)  # folders that could not be read: one each


def discover(arguments: list[tuple[str, LintConfig]], gitignore: bool = True) -> Selection:
    """Files named (always read, as git reads a path given on its command line) and YAML files under
    folders named, minus excluded and git-ignored ones and what renders left behind. Missing paths
    are usage errors; a folder that cannot be read, or lies deeper than the walk goes, is reported,
    never skipped in silence."""
    ignores = GitIgnores() if gitignore else None
    selection = Selection()
    missing = []

    def unreadable(error: OSError) -> None:
        selection.problems.append(Problem(Location(os.path.normpath(os.fsdecode(error.filename))), f"cannot read folder: {error.strerror}",
                                          hint="fix its permissions or exclude it"))

    def skip(path: Path, config: LintConfig, is_dir: bool, active: GitIgnores | None) -> bool:
        return config.excludes(path, is_dir) or (active is not None and active.ignored(path, is_dir))

    for argument, config in arguments:
        path = Path(argument)
        if argument == STDIN or (os.path.exists(path) and not path.is_dir()):  # a FIFO named here is refused when read
            if argument == STDIN or not config.excludes(path):
                selection.configs.setdefault(path, config)
        elif path.is_dir():
            active = ignores
            if ignores is not None and ignores.ignored(path, is_dir=True):
                # Named on the command line, it is read though an outer .gitignore lists it (as `make demo`
                # lints its gitignored output folder); .gitignore files inside it still apply.
                active = GitIgnores(top=os.path.abspath(path))
            for directory, subdirs, files in walk(str(path), unreadable, selection.problems):
                subdirs[:] = [d for d in subdirs if d not in ALWAYS_EXCLUDED and not left_by_render(directory, d)
                              and not skip(Path(directory, d), config, True, active)]
                for name in files:
                    if name.endswith(YAML_SUFFIXES) and not skip(Path(directory, name), config, False, active):
                        selection.configs.setdefault(Path(directory, name), config)
        else:
            missing.append(Problem(Location(argument), "no such file or directory", hint="check the path"))
    if missing:
        raise UserError(missing)
    selection.files = list(selection.configs)
    return selection
