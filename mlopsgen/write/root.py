"""Where the tree goes: a resolved anchor folder, then components opened without following links.

An output folder given with -o is resolved once (realpath), so a link the user
names deliberately is honoured, and everything after that moment is reached
by file descriptor. The default output, `gitops.path` below the root of the
spec's repository (mlopsgen/repopath.py), is walked component by component from
that root: a link anywhere in it is refused.
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
    def in_repository(cls, spec: str | os.PathLike, relative: str) -> OutputRoot:
        """`relative` (gitops.path) below the root of the repository holding `spec` (else its folder)."""
        from mlopsgen.repopath import spec_root

        parts = relative_parts(relative)
        root, folder = spec_root(spec), os.path.realpath(os.path.dirname(os.path.abspath(spec)))
        if str(root) == folder:  # as the user wrote the spec's path
            return cls(folder, parts, str(Path(spec).parent / relative))
        return cls(str(root), parts, _shown(os.path.join(root, *parts)))

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


def _shown(path: str) -> str:
    """A path from the working folder when it is below it, else absolute."""
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working folder was removed: the absolute path says it all
        return path
    return os.path.relpath(path, here) if path.startswith(here.rstrip(os.sep) + os.sep) else path


def as_root(out) -> OutputRoot:
    return out if isinstance(out, OutputRoot) else OutputRoot.explicit(out)
