"""The tree on disk as the writer sees it: every entry by lstat, folder by folder, links never entered."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from mlopsgen.catalog.conventions import MARKER
from mlopsgen.errors import UserError
from mlopsgen.readfile import read_regular
from mlopsgen.write import fs
from mlopsgen.write.paths import MARKER_LIMIT, parse_marker


@dataclass
class Scan:
    dirs: dict[str, os.stat_result] = field(default_factory=dict)  # "" is the tree itself
    entries: dict[str, os.stat_result] = field(default_factory=dict)  # everything that is not a folder
    same: set[str] = field(default_factory=set)  # entries whose bytes are what a render writes there
    managed: set[str] | None = None  # the marker's files; None when the tree has no marker


def scan_tree(parent_fd: int, name: str, info: os.stat_result, display: str, desired: dict[str, bytes]) -> Scan:
    result = Scan(dirs={"": info})
    fd = fs.open_dir(parent_fd, name, display)
    try:
        _walk(fd, "", display, info.st_dev, desired, result)
    finally:
        os.close(fd)
    return result


def _walk(fd: int, rel: str, display: str, dev: int, desired: dict[str, bytes], result: Scan) -> None:
    try:
        names = sorted(os.listdir(fd))
    except OSError as exc:
        raise fs.cannot(os.path.join(display, rel.rstrip("/")), exc, "read folder") from None
    for name in names:
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
                sub = fs.open_dir(fd, name, shown)
            except OSError as exc:
                raise fs.cannot(shown, exc, "read folder") from None
            try:
                _walk(sub, child + "/", display, dev, desired, result)
            finally:
                os.close(sub)
            continue
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
