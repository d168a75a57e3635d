"""Where the tree goes: a resolved anchor folder, then components opened without following links.

An output folder given with -o is resolved once (realpath), so a link the user
names deliberately is honoured, and everything after that moment is reached
by file descriptor. The default output, `gitops.path` below the spec's folder,
is walked component by component: a link anywhere in it is refused.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from mlopsgen.errors import UserError
from mlopsgen.readfile import kind_of
from mlopsgen.write import fs
from mlopsgen.write.paths import relative_parts


@dataclass(frozen=True)
class OutputRoot:
    anchor: str  # an existing, resolved folder
    parts: tuple[str, ...]  # below it, each opened with O_NOFOLLOW; the last one is the tree itself
    display: str  # the tree's path as the user wrote it

    @property
    def name(self) -> str:
        return self.parts[-1]

    @classmethod
    def explicit(cls, path: str | os.PathLike) -> OutputRoot:
        real = os.path.realpath(path)
        head, parts = os.path.dirname(real), [os.path.basename(real)]
        if not parts[0]:
            raise UserError.single(str(path), "cannot render into the root folder", hint="name a folder for the tree")
        while not os.path.isdir(head):
            head, tail = os.path.split(head)
            parts.insert(0, tail)
        return cls(head, tuple(parts), str(path))

    @classmethod
    def beside(cls, spec: str | os.PathLike, relative: str) -> OutputRoot:
        """`relative` (gitops.path) below the folder of `spec`."""
        base = os.path.dirname(os.path.abspath(spec))
        return cls(os.path.realpath(base), relative_parts(relative), str(Path(spec).parent / relative))

    def component(self, count: int) -> str:
        return os.path.join(self.anchor, *self.parts[:count])

    def open_parent(self, create: bool) -> int | None:
        """The folder holding the tree (created when `create`), or None when it does not exist."""
        fd = os.open(self.anchor, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for count, part in enumerate(self.parts[:-1], start=1):
                if create:
                    child = fs.ensure_dir(fd, part, self.component(count))
                elif fs.lstat(fd, part) is None:
                    os.close(fd)
                    return None
                else:
                    child = fs.open_dir(fd, part, self.component(count))
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    def tree_info(self, parent_fd: int) -> os.stat_result | None:
        """The tree folder's lstat, or None when it does not exist yet; links, files and mount points are refused."""
        info = fs.lstat(parent_fd, self.name)
        if info is None:
            return None
        if stat.S_ISLNK(info.st_mode):
            raise fs.link_refused(self.display)
        if not stat.S_ISDIR(info.st_mode):
            raise UserError.single(self.display, f"output path exists and is {kind_of(info.st_mode)}, not a folder")
        if info.st_dev != os.fstat(parent_fd).st_dev:
            # rename(2) cannot move a mount point (EBUSY/EXDEV), and the staging folder lives beside it
            raise fs.mount_refused(self.display)
        return info


def as_root(out) -> OutputRoot:
    return out if isinstance(out, OutputRoot) else OutputRoot.explicit(out)
