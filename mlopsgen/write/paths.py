"""Names in and beside the output directory: rendered paths, the marker, staging and lock files."""

from __future__ import annotations

import json
import secrets
from pathlib import PurePosixPath

from mlopsgen.catalog.conventions import LOCK, PREVIOUS, STAGING
from mlopsgen.errors import UserError

MARKER_LIMIT = 16 * 1024 * 1024


def safe_relative(path: str) -> PurePosixPath:
    """Reject any path that could leave the output directory."""
    pure = PurePosixPath(path)
    if (pure.is_absolute() or not pure.parts or pure.as_posix() != path
            or any(part in ("", ".", "..") for part in pure.parts) or "\\" in path or "\0" in path):
        raise ValueError(f"refusing to write outside the output directory: {path!r}")
    return pure


def relative_parts(path: str) -> tuple[str, ...]:
    """`gitops.path` as components below the repository root (a trailing slash is fine, `..` is not)."""
    parts = tuple(part for part in path.split("/") if part)
    if not parts or path.startswith("/") or any(part in (".", "..") or "\0" in part for part in parts):
        raise UserError.single(path, "output path must stay inside the repository",
                               hint="use a path from the repository root such as deploy")
    return parts


def staging_name(tree: str) -> str:
    return f".{tree}{STAGING}{secrets.token_hex(6)}"


def previous_name(tree: str) -> str:
    return f".{tree}{PREVIOUS}{secrets.token_hex(6)}"


def lock_name(tree: str) -> str:
    return f".{tree}{LOCK}"


def parse_marker(raw: bytes, display: str) -> set[str]:
    """The files a marker lists, each checked like a rendered path: a marker never points out of its tree."""
    def corrupt(why: str) -> UserError:
        return UserError.single(display, f"marker file is corrupt: {why}", hint="delete it and render with --force")

    try:
        files = json.loads(raw.decode("utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        raise corrupt("not the JSON mlopsgen writes") from None
    if not isinstance(files, list):
        raise corrupt("'files' is not a list")
    for entry in files:
        if not isinstance(entry, str):
            raise corrupt(f"entry {entry!r} is not a path")
        try:
            safe_relative(entry)
        except ValueError:
            raise corrupt(f"entry {entry!r} points outside the tree") from None
    return set(files)
