"""A tree as it was at a Git revision, for `verify --diff REV`: read from Git's objects, never from an archive.

The revision is user input that a pull request can choose, so it never reaches
Git where an option could: it may not start with `-`, and it is resolved with
`rev-parse --verify --end-of-options` to a tree id before anything else runs.
Files are listed with `ls-tree` and read with `cat-file --batch` (no `git
archive`: no tar to extract, no attributes that rewrite content, no
`--remote`). Only regular files are written, each checked as a relative path
below the extraction folder and created exclusively; links, submodules and
files over the size limit are not written but recorded, so the tree reader
reports them where they are read.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from mlopsgen.errors import UserError
from mlopsgen.kube.manifest import MAX_MANIFEST_BYTES
from mlopsgen.repopath import Place, git_env, normalized, repository_root

REGULAR_MODES = ("100644", "100755")
MAX_TREE_BYTES = 1 << 30  # what a revision's tree may hold in all: its blobs are read into memory
NOT_REGULAR = {"120000": "a symbolic link", "160000": "a submodule", "040000": "a folder"}


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    # git_env: a revision never makes Git ask for credentials (no command here uses the network), and a hook's
    # GIT_DIR never points Git at another repository than the tree's.
    return subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, env=git_env(), check=False)


def _refuse(tree: Path, revision: str, message: str, hint: str) -> UserError:
    return UserError.single(str(tree), f"--diff {revision}: {message}", hint=hint)


def resolve(tree: Path, revision: str) -> tuple[Path, str, str]:
    """The repository root, the tree's path in it, and the id of the tree object `revision` names."""
    if not revision or revision.startswith("-") or "\0" in revision:
        raise _refuse(tree, revision, "not a revision (it starts like an option)",
                      "name a branch, tag or commit, e.g. origin/main or HEAD~1")
    root = repository_root(tree)  # the one model of repository paths (mlopsgen/repopath.py)
    if root is None:
        raise _refuse(tree, revision, "not a directory, and the tree is not in a Git repository",
                      "pass an old tree directory or a revision of the repository holding the tree")
    rel = Path(os.path.realpath(tree)).relative_to(root).as_posix()
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{tree}}")
    if found.returncode != 0:
        raise _refuse(tree, revision, "no such revision in the repository holding the tree",
                      "name a revision that contains the tree, e.g. origin/main or HEAD~1")
    return root, rel, found.stdout.decode().strip()


def _entries(root: Path, tree_id: str, rel: str) -> list[tuple[str, str, str, str]]:
    """(mode, object id, size, path) of every entry below `rel` in the tree object."""
    args = ["ls-tree", "-r", "-l", "-z", "--full-tree", tree_id]
    listed = _git(root, *(args if rel == "." else [*args, "--", rel]))
    if listed.returncode != 0:
        raise UserError.single(rel, f"git ls-tree failed: {listed.stderr.decode(errors='replace').strip()}")
    out = []
    for record in listed.stdout.split(b"\0"):
        if not record:
            continue
        head, _, path = record.partition(b"\t")
        mode, _kind, oid, size = head.decode().split(maxsplit=3)
        out.append((mode, oid, size.strip(), os.fsdecode(path)))
    return out


def _safe(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(pure.parts) and not pure.is_absolute() and pure.as_posix() == path and not any(
        part in ("", ".", "..") or "\\" in part for part in pure.parts)


def checkout(tree: Path, revision: str, workdir: Path) -> tuple[Path, dict[str, str], Place]:
    """The tree at `revision`, written under `workdir`, what was not written (tree path -> why), and where the
    tree is in the repository at that revision (where the tree is now: its path is the same)."""
    root, rel, tree_id = resolve(tree, revision)
    prefix = "" if rel == "." else rel + "/"
    refused: dict[str, str] = {}
    wanted: list[tuple[str, str]] = []
    total = 0
    for mode, oid, size, path in _entries(root, tree_id, rel):
        inner = path[len(prefix):] if path.startswith(prefix) else path
        if not _safe(path):
            refused[inner] = "a path that leaves the tree"
        elif mode not in REGULAR_MODES:
            refused[inner] = f"{NOT_REGULAR.get(mode, 'not a regular file')} in {revision}"
        elif int(size) > MAX_MANIFEST_BYTES:
            refused[inner] = f"{size} bytes in {revision}; the limit is {MAX_MANIFEST_BYTES}"
        else:
            wanted.append((oid, path))
            total += int(size)
    if total > MAX_TREE_BYTES:
        raise _refuse(tree, revision, f"the tree holds {total} bytes there; the limit is {MAX_TREE_BYTES}",
                      "compare with a tree directory instead, or a revision of a smaller tree")
    blobs = _git(root, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid, _ in wanted).encode())
    data, at = blobs.stdout, 0
    for _oid, path in wanted:
        header_end = data.index(b"\n", at)
        length = int(data[at:header_end].split()[2])
        content = data[header_end + 1:header_end + 1 + length]
        at = header_end + 1 + length + 1
        target = workdir.joinpath(*PurePosixPath(path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
    out = workdir if rel == "." else workdir.joinpath(*PurePosixPath(rel).parts)
    out.mkdir(parents=True, exist_ok=True)
    return out, refused, Place(normalized(rel), str(root), f"the Git revision {revision}")
