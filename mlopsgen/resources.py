"""Access to the data directories (`schemas/`, `templates/`).

An installed wheel carries them inside the package; a source checkout keeps
them at the top of the repository. Both are found the same way.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    packaged = _PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / name


def data_path(directory: str, *parts: str) -> Path:
    return data_dir(directory).joinpath(*parts)
