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
