"""File-system primitives that never follow a symbolic link below the output root.

Every path below the root is reached one component at a time from an open
folder (openat with O_NOFOLLOW | O_DIRECTORY, and *at calls with dir_fd), so
the kernel resolves no name on our behalf: a link planted anywhere in the tree
is met as a link, never traversed, and a folder swapped for a link between two
calls is caught by the open that comes next.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from dataclasses import dataclass, field

from mlopsgen.errors import UserError, os_error_problem
from mlopsgen.readfile import kind_of

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
LOCK_TIMEOUT = 120.0  # seconds a render waits for another one writing the same tree
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2  # <linux/fs.h>


def link_refused(display: str) -> UserError:
    return UserError.single(display, "is a symbolic link; mlopsgen never writes, reads or deletes through one",
                            hint="replace the link by a real folder or file, or render somewhere else")


def mount_refused(display: str) -> UserError:
    return UserError.single(display, "is a mount point; mlopsgen never crosses into another file system",
                            hint="unmount it or move it out of the tree, or render somewhere else")


def cannot(display: str, exc: OSError, action: str = "write") -> UserError:
    known = os_error_problem(OSError(exc.errno, exc.strerror, display))
    return UserError.single(display, f"cannot {action}: {exc.strerror or exc}", hint=known.hint if known else "")


def in_the_way(display: str) -> UserError:
    """A file (or FIFO, device...) where a folder must be: reported as mkdir(2) would, EEXIST."""
    problem = os_error_problem(OSError(errno.EEXIST, os.strerror(errno.EEXIST), display))
    assert problem is not None  # EEXIST has its hint
    return UserError([problem])


def lstat(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def open_dir(dir_fd: int, name: str, display: str) -> int:
    """Open the folder `name` inside `dir_fd`; a link or a file there is refused."""
    try:
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        info = lstat(dir_fd, name)
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise link_refused(display) from None
        if info is None:
            raise
        raise in_the_way(display) from None


def ensure_dir(dir_fd: int, name: str, display: str) -> int:
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o777, dir_fd=dir_fd)
    return open_dir(dir_fd, name, display)


def write_file(dir_fd: int, name: str, data: bytes, mode: int | None = None) -> None:
    """Create `name` (never an existing file or link: O_EXCL | O_NOFOLLOW) holding `data`."""
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666, dir_fd=dir_fd)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def carry(src_fd: int, dst_fd: int, name: str, info: os.stat_result, display: str) -> None:
    """Put the entry `name` of src_fd into dst_fd unchanged: a hard link (same inode, times and owner;
    linkat without AT_SYMLINK_FOLLOW links a symlink itself), else a copy where links are not allowed."""
    try:
        os.link(name, name, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)
        return
    except OSError as exc:  # EPERM: protected_hardlinks or a file system without hard links; EMLINK
        if exc.errno not in (errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP, errno.EXDEV):
            raise
    if stat.S_ISLNK(info.st_mode):
        os.symlink(os.readlink(name, dir_fd=src_fd), name, dir_fd=dst_fd)
        return
    if not stat.S_ISREG(info.st_mode):
        raise UserError.single(display, f"cannot carry over {kind_of(info.st_mode)}: hard links are not allowed here",
                               hint="move it out of the tree")
    src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=src_fd)
    try:
        dst = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dst_fd)
        try:
            while chunk := os.read(src, 1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(dst, view):]
            os.fchmod(dst, stat.S_IMODE(info.st_mode))
            os.utime(dst, ns=(info.st_atime_ns, info.st_mtime_ns))
        finally:
            os.close(dst)
    finally:
        os.close(src)


def keep_owner_and_mode(fd: int, info: os.stat_result) -> None:
    os.fchmod(fd, stat.S_IMODE(info.st_mode))
    if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(PermissionError):  # only root may give a folder away; the mode is kept regardless
            os.fchown(fd, info.st_uid, info.st_gid)


@dataclass
class _Level:
    fd: int
    name: str  # in the folder above
    kept: set[str] = field(default_factory=set)  # what has to stay: mount points, and folders holding one


def remove_tree(dir_fd: int, name: str, dev: int) -> bool:
    """Delete `name` and what it holds; links are removed, never followed, and no other file system is
    entered. False if something had to stay (a mount point). Walked without recursion: a leftover of any
    depth goes."""
    info = lstat(dir_fd, name)
    if info is None:
        return True
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(name, dir_fd=dir_fd)
        return True
    if info.st_dev != dev:
        return False
    stack = [_Level(_open_writable(dir_fd, name, info), name)]
    try:
        while stack:
            level = stack[-1]
            child = next((c for c in os.listdir(level.fd) if c not in level.kept), None)
            if child is None:  # the folder holds only what has to stay
                stack.pop()
                os.close(level.fd)
                above = stack[-1] if stack else None
                if level.kept and above is not None:
                    above.kept.add(level.name)
                elif not level.kept:
                    os.rmdir(level.name, dir_fd=above.fd if above else dir_fd)
                if above is None:
                    return not level.kept
                continue
            child_info = lstat(level.fd, child)
            if child_info is None:
                continue
            if not stat.S_ISDIR(child_info.st_mode):
                os.unlink(child, dir_fd=level.fd)
            elif child_info.st_dev != dev:
                level.kept.add(child)
            else:
                stack.append(_Level(_open_writable(level.fd, child, child_info), child))
        return True
    finally:
        for level in stack:
            os.close(level.fd)


def _open_writable(dir_fd: int, name: str, info: os.stat_result) -> int:
    fd = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    if not info.st_mode & stat.S_IWUSR:
        os.fchmod(fd, stat.S_IMODE(info.st_mode) | stat.S_IRWXU)  # a kept read-only folder
    return fd


def lock(dir_fd: int, file_name: str, display: str) -> int:
    """An exclusive flock(2) on the folder `dir_fd`, which holds the tree: no file is left behind, and the
    kernel drops the lock when the process ends, however it ends. Where the file system cannot lock a
    folder (NFS emulates flock with byte-range locks, which need a file open for writing), the lock is
    taken on the file `file_name` beside the tree instead."""
    import fcntl

    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dir_fd)  # an open file of its own
    timeout = LOCK_TIMEOUT
    deadline, on_file = time.monotonic() + timeout, False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise UserError.single(display, f"another render has been writing here for over {timeout:.0f} s",
                                       hint="wait for it to finish, then render again") from None
            time.sleep(0.02)
        except OSError as exc:
            os.close(fd)
            if on_file or exc.errno not in (errno.EBADF, errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            fd, on_file = _lock_file(dir_fd, file_name, display), True


def _lock_file(dir_fd: int, name: str, display: str) -> int:
    try:
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise link_refused(os.path.join(display, name)) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UserError.single(os.path.join(display, name), "lock file is not a regular file", hint="remove it")
    return fd


def rename2(dir_fd: int, old: str, new: str, flags: int) -> bool:
    """renameat2(2) within one folder: False where the call or the flag is not supported."""
    function = _renameat2()
    if function is None:
        return False
    import ctypes

    if function(dir_fd, os.fsencode(old), dir_fd, os.fsencode(new), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), new)


_RENAMEAT2: list = []


def _renameat2():
    if not _RENAMEAT2:
        function = None
        try:
            import ctypes

            function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc >= 2.28, musl >= 1.2.2
            function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
            function.restype = ctypes.c_int
        except (OSError, AttributeError, ImportError):
            function = None
        _RENAMEAT2.append(function)
    return _RENAMEAT2[0]
