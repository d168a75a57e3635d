"""Reading an input file: regular files only, bounded in size, never blocking.

A FIFO named *.yaml would block `open()` until a writer appears, and a symlink
to /dev/zero never ends: the type is checked with stat before opening, and the
file is opened with O_NONBLOCK (which makes opening a FIFO return at once) and
checked again with fstat, so a file swapped in between is caught too. The size
is taken from fstat before reading and the read stops one byte past the limit.
"""

from __future__ import annotations

import os
import stat

from mlopsgen.errors import UserError

# Folders below a root that any walk of a tree enters (render's scan, lint's discovery, verify's reader).
# A rendered tree is five levels deep and repositories a few dozen; past this, a folder is refused, so a
# tree nested thousands of levels costs neither recursion nor time.
MAX_FOLDER_DEPTH = 64
# Every YAML reader's bounds (specs and manifests): nesting depth, and nodes after alias expansion, so a
# 452-byte "billion laughs" stops early.
MAX_DEPTH = 64
MAX_NODES = 100_000


def too_deep(display: str) -> UserError:
    return UserError.single(display, f"folders nested deeper than {MAX_FOLDER_DEPTH} levels",
                            hint="flatten the folders, or exclude them")

_KINDS = ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symbolic link"))


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_regular(display: str, mode: int) -> UserError:
    return UserError.single(display, f"is {kind_of(mode)}, not a regular file",
                            hint="mlopsgen reads regular files only")


def read_regular(path: str | os.PathLike, display: str, limit: int, dir_fd: int | None = None,
                 follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or a UserError that says why not.

    With follow_symlinks=False the last component must not be a symbolic link (O_NOFOLLOW).
    """
    try:
        before = os.stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        raise UserError.single(display, "file not found", hint="check the path") from None
    except OSError as exc:
        raise UserError.single(display, f"cannot read file: {exc.strerror}") from None
    if not stat.S_ISREG(before.st_mode):
        raise not_regular(display, before.st_mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as exc:
        raise UserError.single(display, f"cannot read file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise not_regular(display, info.st_mode)
        if info.st_size > limit:
            raise too_large(display, info.st_size, limit)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew after fstat
            raise too_large(display, size, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise UserError.single(display, f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)


def too_large(display: str, size: int, limit: int) -> UserError:
    return UserError.single(display, f"file is {size} bytes; the limit is {limit}",
                            hint="split it into smaller files")
