"""The tree on disk as the writer sees it: every entry by lstat, folder by folder, links never entered."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from mlopsgen.catalog.conventions import MARKER
from mlopsgen.errors import UserError
from mlopsgen.readfile import MAX_FOLDER_DEPTH, read_regular, too_deep
from mlopsgen.write import fs
from mlopsgen.write.paths import MARKER_LIMIT, parse_marker


@dataclass
class Scan:
    dirs: dict[str, os.stat_result] = field(default_factory=dict)  # "" is the tree itself
    entries: dict[str, os.stat_result] = field(default_factory=dict)  # everything that is not a folder
    same: set[str] = field(default_factory=set)  # entries whose bytes are what a render writes there
    managed: set[str] | None = None  # the marker's files; None when the tree has no marker


def scan_tree(parent_fd: int, name: str, info: os.stat_result, display: str, desired: dict[str, bytes]) -> Scan:
    """Every entry of the tree, folder by folder in name order, without recursion and to a bounded depth."""
    result = Scan(dirs={"": info})
    stack: list[tuple[int, str, Iterator[str]]] = []
    try:
        fd = fs.open_dir(parent_fd, name, display)
        stack.append((fd, "", iter(_names(fd, "", display))))
        while stack:
            fd, rel, names = stack[-1]
            entry = next(names, None)
            if entry is None:
                os.close(stack.pop()[0])
                continue
            sub = _entry(fd, rel, entry, display, info.st_dev, desired, result)
            if sub is not None:
                child = rel + entry + "/"
                if len(stack) > MAX_FOLDER_DEPTH:
                    os.close(sub)
                    raise too_deep(os.path.join(display, child.rstrip("/")))
                stack.append((sub, child, iter(_names(sub, child, display))))
    finally:
        for fd, _, _ in stack:
            os.close(fd)
    return result


def _names(fd: int, rel: str, display: str) -> list[str]:
    try:
        return sorted(os.listdir(fd))
    except OSError as exc:
        raise fs.cannot(os.path.join(display, rel.rstrip("/")), exc, "read folder") from None


def _entry(fd: int, rel: str, name: str, display: str, dev: int, desired: dict[str, bytes], result: Scan) -> int | None:
    """Record one entry; for a folder, return it opened (the caller walks and closes it)."""
    child = rel + name
    shown = os.path.join(display, child)
    try:
        info = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except OSError as exc:
        raise fs.cannot(shown, exc, "read") from None
    if stat.S_ISDIR(info.st_mode):
        if info.st_dev != dev:
            raise fs.mount_refused(shown)
        result.dirs[child] = info
        try:
            return fs.open_dir(fd, name, shown)
        except OSError as exc:
            raise fs.cannot(shown, exc, "read folder") from None
    result.entries[child] = info
    if child == MARKER and stat.S_ISREG(info.st_mode):
        result.managed = parse_marker(read_regular(name, shown, MARKER_LIMIT, fd, follow_symlinks=False), shown)
    elif child == MARKER:
        raise (fs.link_refused(shown) if stat.S_ISLNK(info.st_mode)
               else UserError.single(shown, "marker file is not a regular file", hint="remove it"))
    data = desired.get(child)
    if (data is not None and stat.S_ISREG(info.st_mode) and info.st_size == len(data)
            and read_regular(name, shown, len(data), fd, follow_symlinks=False) == data):
        result.same.add(child)
    return None
