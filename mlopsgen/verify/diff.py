"""What a change does to connectivity: allowed connections added, removed or changed, per team and environment."""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from mlopsgen.errors import UserError
from mlopsgen.verify import ports as P
from mlopsgen.verify.summary import fit

Matrix = dict[tuple[str, str, str, str], P.PortSet]  # (cluster, team namespace, source, destination)
TABLE_ROWS = 100  # team/environment rows in the Markdown summary; the rest are counted


@dataclass(frozen=True)
class Change:
    cluster: str
    group: str  # the team namespace the change concerns
    src: str
    dst: str
    before: P.PortSet
    after: P.PortSet

    def describe(self) -> str:
        if not self.before:
            return f"+ {self.src} -> {self.dst}: {P.describe(self.after)}"
        if not self.after:
            return f"- {self.src} -> {self.dst}: {P.describe(self.before)}"
        added, removed = P.subtract(self.after, self.before), P.subtract(self.before, self.after)
        parts = ([f"now also {P.describe(added)}"] if added else []) + ([f"no longer {P.describe(removed)}"] if removed else [])
        return f"~ {self.src} -> {self.dst}: {'; '.join(parts)}"


def changes(old: Matrix, new: Matrix) -> list[Change]:
    keys = sorted(set(old) | set(new))
    return [Change(*k, old.get(k, P.NONE), new.get(k, P.NONE)) for k in keys if old.get(k, P.NONE) != new.get(k, P.NONE)]


def checkout(tree: Path, revision: str, workdir: Path) -> Path:
    """The tree as it was at `revision` of the Git repository holding it, extracted under `workdir`."""
    def git(*args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(tree), *args], capture_output=True, **kw)

    top = git("rev-parse", "--show-toplevel", text=True)
    if top.returncode != 0:
        raise UserError.single(str(tree), f"--diff {revision}: not a directory, and the tree is not in a Git repository",
                               hint="pass an old tree directory or a revision of the repository holding the tree")
    root = Path(top.stdout.strip())
    rel = tree.resolve().relative_to(root.resolve()).as_posix()
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", revision, "--", rel], capture_output=True)
    if archive.returncode != 0:
        raise UserError.single(str(tree), f"--diff {revision}: {archive.stderr.decode(errors='replace').strip()}",
                               hint="name a revision that contains the tree, e.g. origin/main or HEAD~1")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / rel


def temporary_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="mlopsgen-verify-")


def by_group(found: list[Change]) -> dict[str, list[Change]]:
    groups: dict[str, list[Change]] = {}
    for c in found:
        groups.setdefault(f"{c.group} ({c.cluster})", []).append(c)
    return dict(sorted(groups.items()))


def text(found: list[Change]) -> str:
    if not found:
        return "connectivity unchanged\n"
    lines = []
    for group, items in by_group(found).items():
        lines.append(f"{group}:")
        lines += [f"  {c.describe()}" for c in items]
    lines.append(_counts(found))
    return "\n".join(lines) + "\n"


def _counts(found: list[Change]) -> str:
    added = sum(not c.before for c in found)
    removed = sum(not c.after for c in found)
    return f"{len(found)} connection(s) changed: {added} added, {removed} removed, {len(found) - added - removed} changed"


def markdown(found: list[Change], limit: int | None = None) -> str:
    head = ["### mlopsgen verify: connectivity changes", ""]
    if not found:
        return "\n".join(head + ["Connectivity is unchanged."]) + "\n"
    head += ["| team / environment | added | removed | changed |", "|---|---|---|---|"]
    groups = by_group(found)
    for group, items in list(groups.items())[:TABLE_ROWS]:
        added = sum(not c.before for c in items)
        removed = sum(not c.after for c in items)
        head.append(f"| {group} | {added} | {removed} | {len(items) - added - removed} |")
    if len(groups) > TABLE_ROWS:
        head.append(f"| … and {len(groups) - TABLE_ROWS} more team/environments | | | |")
    head += ["", "<details><summary>every change</summary>", "", "```diff"]
    lines = [c.describe() for c in found]
    body = fit(head, lines, "changes", "```\n</details>\n\n" + _counts(found), **({"limit": limit} if limit else {}))
    return body
