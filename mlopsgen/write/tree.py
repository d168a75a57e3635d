"""Writing a rendered tree: assembled beside the old one, swapped in by one atomic exchange.

The new tree is built in a staging folder next to the target: files kept from
the old tree (unchanged ones and the user's) are hard-linked in, new and changed
files written, folder modes and owners copied. Then renameat2(RENAME_EXCHANGE)
swaps the two folders in one step, so at every instant the target path holds
the complete old or the complete new tree; the old one, now under the staging
name, is deleted last. A render killed at any point leaves at most a staging
folder, which the next render deletes under the same lock.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from dataclasses import dataclass, field

from mlopsgen.catalog.conventions import MARKER, PREVIOUS, is_leftover
from mlopsgen.errors import UserError
from mlopsgen.readfile import kind_of
from mlopsgen.write import fs
from mlopsgen.write.paths import lock_name, previous_name, safe_relative, staging_name
from mlopsgen.write.plan import Change
from mlopsgen.write.root import as_root
from mlopsgen.write.scan import Scan, scan_tree


@dataclass
class _Layout:
    """The new tree: per folder, its entries, each a folder, a kept entry or bytes to write."""

    children: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    keep: set[str] = field(default_factory=set)
    write: dict[str, bytes] = field(default_factory=dict)

    def add(self, rel: str, folder: bool = False) -> None:
        parts = rel.split("/")
        for depth in range(len(parts)):
            self.children["/".join(parts[:depth])].add(parts[depth])
        if folder:
            self.children[rel] = self.children.get(rel, set())


class _Located(OSError):
    """An OSError whose filename is already the entry's path in the tree."""


def write_tree(out, files: dict[str, str], force: bool = False) -> Change:
    """Make the tree hold exactly `files` plus what mlopsgen does not manage; refuse links and conflicts."""
    for rel in files:
        safe_relative(rel)
    root = as_root(out)
    desired = {rel: text.encode("utf-8") for rel, text in files.items()}
    try:
        parent = root.open_parent(create=True)
    except OSError as exc:
        raise fs.cannot(root.display, exc) from None
    assert parent is not None  # created
    try:
        held = fs.lock(parent, lock_name(root.name), os.path.dirname(root.display) or ".")
        try:
            return _write_locked(parent, root, desired, force)
        finally:
            os.close(held)
    except OSError as exc:
        raise fs.cannot(root.display, exc) from None
    finally:
        os.close(parent)


def _write_locked(parent: int, root, desired: dict[str, bytes], force: bool) -> Change:
    dev = os.fstat(parent).st_dev
    _clean_leftovers(parent, root.name, dev)
    info = root.tree_info(parent)
    old = scan_tree(parent, root.name, info, root.display, desired) if info else Scan()
    change, layout = _plan(old, desired, root.display, force, exists=info is not None)
    if change.up_to_date:
        return change
    staging = staging_name(root.name)
    try:
        _assemble(parent, root.name if info else None, staging, old, layout, root.display)
        garbage = _swap(parent, staging, root.name, exists=info is not None)
    except BaseException as exc:
        fs.remove_tree(parent, staging, dev)
        if isinstance(exc, OSError):
            where = os.path.join(root.display, exc.filename) if isinstance(exc, _Located) else root.display
            raise UserError.single(where, f"cannot write: {exc.strerror or exc}",
                                   hint=f"nothing was changed in {root.display}") from None
        raise
    try:
        if garbage:
            fs.remove_tree(parent, garbage, dev)
    except OSError:  # the new tree is in place; the next render deletes what is left
        pass
    return change


def _swap(parent: int, staging: str, name: str, exists: bool) -> str | None:
    """Put the staging folder at `name`; returns the name the old tree is left under."""
    if not exists:
        if not fs.rename2(parent, staging, name, fs.RENAME_NOREPLACE):
            os.rename(staging, name, src_dir_fd=parent, dst_dir_fd=parent)  # the lock keeps other renders out
        return None
    if fs.rename2(parent, staging, name, fs.RENAME_EXCHANGE):
        return staging  # the old tree, now under the staging name
    # No RENAME_EXCHANGE (another kernel or file system): two renames. A render killed between them
    # leaves the old tree under the previous name, and the next render puts it back first.
    previous = previous_name(name)
    os.rename(name, previous, src_dir_fd=parent, dst_dir_fd=parent)
    try:
        os.rename(staging, name, src_dir_fd=parent, dst_dir_fd=parent)
    except BaseException:
        os.rename(previous, name, src_dir_fd=parent, dst_dir_fd=parent)
        raise
    return previous


def _clean_leftovers(parent: int, name: str, dev: int) -> None:
    """Staging folders of killed renders go; a tree left under a previous name by an interrupted
    two-rename swap comes back first."""
    leftovers = sorted(entry for entry in os.listdir(parent) if is_leftover(entry, name))
    if fs.lstat(parent, name) is None:
        previous = [entry for entry in leftovers if entry.startswith(f".{name}{PREVIOUS}")]
        if previous:
            newest = max(previous, key=lambda entry: getattr(fs.lstat(parent, entry), "st_ctime_ns", 0))
            os.rename(newest, name, src_dir_fd=parent, dst_dir_fd=parent)
            leftovers.remove(newest)
    for entry in leftovers:
        fs.remove_tree(parent, entry, dev)


def _plan(old: Scan, desired: dict[str, bytes], display: str, force: bool, exists: bool):
    managed = old.managed
    if exists and managed is None and old.entries.keys() | (old.dirs.keys() - {""}) and not force:
        raise UserError.single(
            display, "directory is not empty and was not written by mlopsgen",
            hint="choose another directory, or pass --force to render into it (files mlopsgen does not write are kept)")
    managed = managed or set()
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    problems: list = []
    layout = _Layout()
    for rel, data in desired.items():
        problems += _conflicts(old, rel, display, managed, force)
        layout.add(rel)
        if rel in old.same:
            unchanged.append(rel)
            layout.keep.add(rel)
        else:
            (updated if rel in old.entries else created).append(rel)
            layout.write[rel] = data
    if problems:
        raise UserError(problems)
    removed = sorted(rel for rel in managed if rel not in desired and rel in old.entries)
    for rel in old.entries:
        if rel not in desired and rel not in removed:
            layout.add(rel)
            layout.keep.add(rel)
    holding = {rel.rpartition("/")[0] for rel in (*old.entries, *old.dirs) if rel}
    for rel in old.dirs.keys() - holding - {""}:
        layout.add(rel, folder=True)  # mlopsgen never leaves a folder empty: this one is the user's
    return Change(tuple(created), tuple(updated), tuple(unchanged), tuple(removed)), layout


def _conflicts(old: Scan, rel: str, display: str, managed: set[str], force: bool) -> list:
    parts = rel.split("/")
    for depth in range(1, len(parts)):
        above = "/".join(parts[:depth])
        if above in old.entries:
            return _in_the_way(old.entries[above], os.path.join(display, above), "a folder")
    shown = os.path.join(display, rel)
    if rel in old.dirs:
        return [UserError.single(shown, "is a folder where mlopsgen writes a file", hint="move it out of the way").problems[0]]
    info = old.entries.get(rel)
    if info is None or rel in old.same:
        return []
    if not stat.S_ISREG(info.st_mode):
        return _in_the_way(info, shown, "a file")
    if rel not in managed and rel != MARKER and not force:
        return [UserError.single(shown, "exists and was not written by mlopsgen; a render would overwrite it",
                                 hint="move or rename it, or pass --force to replace it").problems[0]]
    return []


def _in_the_way(info: os.stat_result, shown: str, needed: str) -> list:
    if stat.S_ISLNK(info.st_mode):
        return list(fs.link_refused(shown).problems)
    return [UserError.single(shown, f"is {kind_of(info.st_mode)} where mlopsgen needs {needed}",
                             hint="move it out of the way").problems[0]]


def _assemble(parent: int, old_name: str | None, staging: str, old: Scan, layout: _Layout, display: str) -> None:
    os.mkdir(staging, 0o700, dir_fd=parent)  # private until it is complete
    new_fd = fs.open_dir(parent, staging, staging)
    old_fd = fs.open_dir(parent, old_name, display) if old_name else None
    try:
        _fill(new_fd, old_fd, "", old, layout, display)
        if old_name:
            fs.keep_owner_and_mode(new_fd, old.dirs[""])
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(new_fd, 0o777 & ~umask)
    finally:
        os.close(new_fd)
        if old_fd is not None:
            os.close(old_fd)


def _fill(new_fd: int, old_fd: int | None, rel: str, old: Scan, layout: _Layout, display: str) -> None:
    prefix = rel + "/" if rel else ""
    for name in sorted(layout.children.get(rel, ())):
        child = prefix + name
        try:
            if child in layout.children:
                _fill_folder(new_fd, old_fd, name, child, old, layout, display)
            elif child in layout.write:
                previous = old.entries.get(child)
                fs.write_file(new_fd, name, layout.write[child], stat.S_IMODE(previous.st_mode) if previous else None)
            else:
                assert old_fd is not None  # kept entries come from the old tree
                fs.carry(old_fd, new_fd, name, old.entries[child], os.path.join(display, child))
        except _Located:
            raise
        except OSError as exc:
            raise _Located(exc.errno, exc.strerror, child) from None


def _fill_folder(new_fd: int, old_fd: int | None, name: str, child: str, old: Scan, layout: _Layout, display: str) -> None:
    os.mkdir(name, 0o777, dir_fd=new_fd)
    sub_new = fs.open_dir(new_fd, name, child)
    sub_old = None
    try:
        if old_fd is not None and child in old.dirs:
            sub_old = fs.open_dir(old_fd, name, os.path.join(display, child))
        _fill(sub_new, sub_old, child, old, layout, display)
        if child in old.dirs:
            fs.keep_owner_and_mode(sub_new, old.dirs[child])  # after filling: the old mode may be read-only
    finally:
        os.close(sub_new)
        if sub_old is not None:
            os.close(sub_old)
