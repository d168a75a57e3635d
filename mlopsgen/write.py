"""Writing a rendered tree to disk: atomic, pruning only what mlopsgen wrote.

The new tree is assembled in a staging directory beside the target: unchanged
and user-owned files are hard-linked in, changed files written, then the
staging directory replaces the target with two renames. Any failure before
the swap leaves the previous tree exactly as it was.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mlopsgen.catalog.conventions import MARKER
from mlopsgen.errors import UserError


@dataclass(frozen=True)
class Change:
    """What writing would do, or what --check found, path by path."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    diffs: dict = field(default_factory=dict, compare=False)

    @property
    def up_to_date(self) -> bool:
        return not (self.created or self.updated or self.removed)


def safe_relative(path: str) -> PurePosixPath:
    """Reject any path that could leave the output directory."""
    pure = PurePosixPath(path)
    if (pure.is_absolute() or not pure.parts or pure.as_posix() != path
            or any(part in ("", ".", "..") for part in pure.parts) or "\\" in path):
        raise ValueError(f"refusing to write outside the output directory: {path!r}")
    return pure


def _managed_files(out: Path) -> set[str] | None:
    """Files recorded in the marker, or None when the directory is not ours."""
    marker = out / MARKER
    if not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        files = data["files"]
        return {f for f in files if isinstance(f, str)}
    except (ValueError, KeyError, TypeError, OSError):
        raise UserError.single(str(marker), "marker file is corrupt", hint="delete it and render with --force") from None


def _check_target(out: Path, force: bool) -> set[str]:
    if out.exists() and not out.is_dir():
        raise UserError.single(str(out), "output path exists and is not a directory")
    managed = _managed_files(out) if out.is_dir() else set()
    if managed is None:
        if any(out.iterdir()) and not force:
            raise UserError.single(
                str(out),
                "directory is not empty and was not written by mlopsgen",
                hint="choose another directory, or pass --force to render into it (files mlopsgen does not write are kept)",
            )
        managed = set()
    return managed


def plan_changes(out: Path, files: dict[str, str], with_diff: bool = False) -> Change:
    """Compare the desired files (marker included) with what is on disk."""
    managed = _managed_files(out) if out.is_dir() else set()
    created, updated, unchanged, diffs = [], [], [], {}
    for rel, text in files.items():
        target = out / safe_relative(rel)
        try:
            current = target.read_bytes() if target.is_file() else None
        except OSError:
            current = None
        if current is None:
            created.append(rel)
            if with_diff:
                diffs[rel] = _diff("", text, rel)
        elif current == text.encode("utf-8"):
            unchanged.append(rel)
        else:
            updated.append(rel)
            if with_diff:
                diffs[rel] = _diff(current.decode("utf-8", "replace"), text, rel)
    removed = sorted(rel for rel in (managed or set()) if rel not in files and (out / rel).exists())
    if with_diff:
        for rel in removed:
            diffs[rel] = _diff((out / rel).read_text(encoding="utf-8", errors="replace"), "", rel)
    return Change(tuple(created), tuple(updated), tuple(unchanged), tuple(removed), diffs)


def _diff(old: str, new: str, rel: str) -> str:
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"))


def write_tree(out: Path, files: dict[str, str], force: bool = False) -> Change:
    """Make `out` hold exactly `files` plus any files mlopsgen does not manage."""
    for rel in files:
        safe_relative(rel)
    managed = _check_target(out, force)
    change = plan_changes(out, files)
    if change.up_to_date:
        return change
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        _assemble(staging, out, files, managed, set(change.unchanged))
        os.chmod(staging, (out.stat().st_mode & 0o7777) if out.is_dir() else 0o755)
        _swap(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        where = exc.filename or str(out)
        raise UserError.single(
            str(where), f"cannot write: {exc.strerror or exc}", hint=f"nothing was changed in {out}"
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return change


def _assemble(staging: Path, out: Path, files: dict[str, str], managed: set[str], unchanged: set[str]) -> None:
    if out.is_dir():
        for current in sorted(out.rglob("*")):
            rel = current.relative_to(out).as_posix()
            if current.is_dir() and not current.is_symlink():
                continue
            if rel in files and rel not in unchanged:
                continue  # rewritten below
            if rel in managed and rel not in files:
                continue  # pruned: we wrote it, and no longer do
            _link_into(current, staging / rel)
    for rel, text in files.items():
        if rel not in unchanged:
            write_file(staging / rel, text)


def _link_into(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)  # keeps unchanged files' inode and mtime
    except OSError:
        shutil.copy2(source, target)


def write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
    backup.rmdir()
    os.rename(out, backup)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(backup, out)
        raise
    shutil.rmtree(backup, ignore_errors=True)
