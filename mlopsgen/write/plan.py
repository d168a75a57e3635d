"""What a render would change, read without writing: --check, --diff, --dry-run and the stale-render rule.

Only regular files inside the tree are read, each reached without following a
link (a link at or above a rendered path is refused), and the marker's entries
are checked like any path, so neither can make mlopsgen print a file outside
the tree.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from mlopsgen.catalog.conventions import MARKER
from mlopsgen.errors import UserError
from mlopsgen.escape import printable
from mlopsgen.readfile import kind_of, read_regular
from mlopsgen.write import fs
from mlopsgen.write.paths import MARKER_LIMIT, parse_marker, safe_relative

DIFF_LIMIT = 16 * 1024 * 1024  # a file this large at a rendered path is refused rather than diffed


@dataclass(frozen=True)
class Change:
    """What writing would do, or what --check found, path by path."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    diffs: dict = field(default_factory=dict, compare=False)

    @property
    def up_to_date(self) -> bool:
        return not (self.created or self.updated or self.removed)


class _Reader:
    """Entries of the tree by relative path, through a cached chain of folders opened with O_NOFOLLOW."""

    def __init__(self, tree_fd: int, display: str):
        self.tree_fd, self.display = tree_fd, display
        self.folder, self.folder_fd = "", tree_fd

    def close(self) -> None:
        if self.folder_fd != self.tree_fd:
            os.close(self.folder_fd)
        os.close(self.tree_fd)

    def _open_folder(self, folder: str) -> int | None:
        if folder == self.folder:
            return self.folder_fd
        if self.folder_fd != self.tree_fd:
            os.close(self.folder_fd)
        self.folder, self.folder_fd = "", self.tree_fd
        fd, done = self.tree_fd, []
        for part in folder.split("/") if folder else ():
            done.append(part)
            if fs.lstat(fd, part) is None:
                if fd != self.tree_fd:
                    os.close(fd)
                return None
            child = fs.open_dir(fd, part, os.path.join(self.display, *done))
            if fd != self.tree_fd:
                os.close(fd)
            fd = child
        self.folder, self.folder_fd = folder, fd
        return fd

    def info(self, rel: str) -> tuple[int, str, os.stat_result] | None:
        folder, _, name = rel.rpartition("/")
        fd = self._open_folder(folder)
        if fd is None:
            return None
        found = fs.lstat(fd, name)
        return (fd, name, found) if found is not None else None

    def read(self, rel: str, limit: int) -> bytes | None:
        found = self.info(rel)
        if found is None:
            return None
        fd, name, info = found
        shown = os.path.join(self.display, rel)
        if stat.S_ISLNK(info.st_mode):
            raise fs.link_refused(shown)
        if not stat.S_ISREG(info.st_mode):
            raise UserError.single(shown, f"is {kind_of(info.st_mode)} where mlopsgen writes a file",
                                   hint="move it out of the way")
        return read_regular(name, shown, limit, fd, follow_symlinks=False)

    def text(self, rel: str) -> str:
        """An entry known to exist, as text for a diff."""
        return (self.read(rel, DIFF_LIMIT) or b"").decode("utf-8", "replace")


def plan_changes(out, files: dict[str, str], with_diff: bool = False) -> Change:
    """Compare the desired files (marker included) with what is on disk."""
    from mlopsgen.write.root import as_root

    root = as_root(out)
    parent = root.open_parent(create=False)
    if parent is None or root.tree_info(parent) is None:
        if parent is not None:
            os.close(parent)
        diffs = {rel: _diff("", text, rel) for rel, text in files.items()} if with_diff else {}
        return Change(created=tuple(files), diffs=diffs)
    try:
        reader = _Reader(fs.open_dir(parent, root.name, root.display), root.display)
    finally:
        os.close(parent)
    try:
        return _compare(reader, files, with_diff)
    finally:
        reader.close()


def _compare(reader: _Reader, files: dict[str, str], with_diff: bool) -> Change:
    raw_marker = reader.read(MARKER, MARKER_LIMIT)
    managed = parse_marker(raw_marker, os.path.join(reader.display, MARKER)) if raw_marker is not None else set()
    created, updated, unchanged, diffs = [], [], [], {}
    for rel, text in files.items():
        safe_relative(rel)
        new = text.encode("utf-8")
        found = reader.info(rel)
        if found is None:
            created.append(rel)
            if with_diff:
                diffs[rel] = _diff("", text, rel)
            continue
        info = found[2]
        if not stat.S_ISREG(info.st_mode):
            reader.read(rel, 0)  # refuses the link, folder or device with its reason
        if info.st_size == len(new) and reader.read(rel, len(new)) == new:
            unchanged.append(rel)
            continue
        updated.append(rel)
        if with_diff:
            diffs[rel] = _diff(reader.text(rel), text, rel)
    removed = []
    for rel in sorted(managed - files.keys()):
        found = reader.info(rel)
        if found is None or stat.S_ISDIR(found[2].st_mode):
            continue
        removed.append(rel)
        if with_diff:
            diffs[rel] = _diff(reader.text(rel), "", rel)
    return Change(tuple(created), tuple(updated), tuple(unchanged), tuple(removed), diffs)


def _diff(old: str, new: str, rel: str) -> str:
    import difflib

    # printable: a file in the tree may hold terminal escape sequences; the diff shows them as text
    return "".join(printable(line.rstrip("\n"), keep="\t") + "\n" for line in difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"))
