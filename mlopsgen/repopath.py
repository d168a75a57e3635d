"""Repository paths: the one model of where the rendered tree sits in its Git repository.

`gitops.path` is the tree's path from the root of the GitOps repository, and every path the tree names is
resolved by Argo CD from a repository root: a Git source's `path` is "a directory path within the Git
repository" (ApplicationSource, pkg/apis/application/v1alpha1), and in a `$values/...` value file `$values`
"resolves to the root of the" repository of the `ref` source, the path being "always relative to the root of the
referenced source" (docs/user-guide/multiple_sources.md). So the tree names `<gitops.path>/<path in the tree>`
(`in_repository`), verify reads such a path back with `in_tree`, and the tree works only when it is committed
at `<repository root>/<gitops.path>`.

The repository root of a folder is the top of the Git work tree holding it (`git rev-parse --show-toplevel`;
where git is missing or does not answer, the nearest folder holding `.git`). A spec in no Git work tree has its own folder as the
root: the folder that becomes the repository when committed. `place` says where a tree is: its path from the
root of the work tree holding it, or, in none, gitops.path when it is the spec's default output; anywhere else
it is not known (render then writes it with a note, and verify judges nothing about it and says so).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

# Set by git for hooks (pre-commit runs the hooks with them): they would name another repository than the
# folder asked about, or none once `-C` has changed the working directory.
_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE")


def git_env() -> dict[str, str]:
    """The environment git runs in: the folder it is given decides the repository, and it never prompts."""
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTS}
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def normalized(path: str) -> str:
    """A repository path without `.`, empty parts or a trailing slash: '' for the root."""
    path = posixpath.normpath(path.strip("/")) if path.strip("/") else "."
    return "" if path == "." else path


def in_repository(tree: str, relative: str) -> str:
    """The repository path of `relative`, a path inside the tree whose repository path is `tree`."""
    root = normalized(tree)
    return f"{root}/{relative}" if root else relative


def in_tree(tree: str, repo_path: str) -> str | None:
    """The path inside the tree (`tree` its repository path) of a repository path: '' for the tree itself,
    None when it lies outside the tree."""
    path, root = normalized(repo_path), normalized(tree)
    if path == ".." or path.startswith("../") or path.startswith("/"):
        return None
    if not root:
        return path
    if path == root:
        return ""
    return path[len(root) + 1:] if path.startswith(root + "/") else None


def repository_root(folder: str | os.PathLike) -> Path | None:
    """The top of the Git work tree holding `folder` (an existing folder), resolved; None outside any.

    Git is run with no shell and the folder as the value of `-C`, never where an option could be read. Where git
    is missing or will not answer (a repository another user owns, a mount point on the way up), the nearest
    folder holding `.git` is the root, as for lint's configuration: the same folder for an ordinary repository."""
    import shutil  # only here: lint imports this module for dot_git_root, and starts fast
    import subprocess

    folder = os.path.realpath(folder)
    if shutil.which("git") is not None:
        done = subprocess.run(["git", "-C", folder, "rev-parse", "--show-toplevel"], capture_output=True,
                              env=git_env(), check=False)
        if done.returncode == 0 and done.stdout.strip():
            return Path(os.path.realpath(os.fsdecode(done.stdout.rstrip(b"\n"))))
    return dot_git_root(Path(folder))


def dot_git_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a folder, or the file of a worktree or submodule):
    the repository's top without asking git (lint's configuration and discovery stop there too)."""
    for directory in (start, *start.parents):
        if os.path.lexists(directory / ".git"):
            return directory
    return None


def spec_root(spec: str | os.PathLike) -> Path:
    """The repository root for a spec: the Git work tree holding its folder, else its folder."""
    folder = Path(os.path.realpath(os.path.dirname(os.path.abspath(spec))))
    return repository_root(folder) or folder


@dataclass(frozen=True)
class Place:
    """Where a tree is in the repository Argo CD will read."""

    path: str | None  # from the repository root ('' for the root itself); None: not known
    root: str  # the repository root's folder (a revision for a tree read from Git's objects); '' when not known
    how: str  # how it was found, or why it is not known

    def matches(self, gitops_path: str) -> bool:
        """Whether the tree is where its Applications say it is (`gitops.path`)."""
        return self.path is not None and self.path == normalized(gitops_path)


def place(tree: str | os.PathLike, spec: str | os.PathLike, gitops_path: str) -> Place:
    """Where `tree` (a folder, existing or not) sits: its path in the Git work tree holding it. In none, the
    spec's folder stands for the root only as far as it places the default output: a tree at gitops.path below
    it is there; anywhere else, where it will be committed is not known (nothing is refused or proven on a guess)."""
    real = os.path.realpath(tree)
    existing = real
    while not os.path.isdir(existing):
        existing = os.path.dirname(existing)
    root = repository_root(existing)
    if root is not None:
        return Place(_relative(real, str(root)), str(root), "the Git work tree holding it")
    folder = spec_root(spec)
    if real == os.path.realpath(folder.joinpath(*normalized(gitops_path).split("/"))):
        return Place(normalized(gitops_path), str(folder), "the spec's folder, as no Git work tree holds the tree")
    return Place(None, "", "no Git work tree holds it, and it is not at gitops.path below the spec's folder")


def _below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _relative(path: str, folder: str) -> str | None:
    if not _below(path, folder):
        return None
    return normalized(Path(os.path.relpath(path, folder)).as_posix())
