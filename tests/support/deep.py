"""Folders nested deeper than PATH_MAX allows to name at once: made one level at a time, by descriptor."""

from __future__ import annotations

import os
from pathlib import Path


def nest(base: Path, depth: int, leaf: str = "", data: bytes = b"") -> None:
    """`depth` folders named `d` below `base`, and in the deepest a file `leaf` holding `data`."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        if leaf:
            file = os.open(leaf, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(file, data)
            os.close(file)
    finally:
        os.close(fd)


def unnest(base: Path) -> None:
    """Remove what nest() made below `base` (pytest's own clean-up recurses, and would fail on it)."""
    fds = [os.open(base, os.O_RDONLY | os.O_DIRECTORY)]
    try:
        while "d" in os.listdir(fds[-1]):
            fds.append(os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fds[-1]))
        while len(fds) > 1:
            fd = fds.pop()
            for name in os.listdir(fd):
                os.unlink(name, dir_fd=fd)
            os.close(fd)
            os.rmdir("d", dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)
