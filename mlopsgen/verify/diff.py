"""What a change does to connectivity: allowed connections added, removed or changed, per team and environment."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

from mlopsgen.escape import markdown_code, markdown_fence, printable
from mlopsgen.kube import ports as P
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
        lines.append(printable(f"{group}:"))
        lines += [f"  {printable(c.describe())}" for c in items]
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
        head.append(f"| {markdown_code(group, in_table=True)} | {added} | {removed} | {len(items) - added - removed} |")
    if len(groups) > TABLE_ROWS:
        head.append(f"| … and {len(groups) - TABLE_ROWS} more team/environments | | | |")
    lines = [printable(c.describe()) for c in found]
    fence = markdown_fence(lines)  # longer than any backtick run in the lines: none closes the block
    head += ["", "<details><summary>every change</summary>", "", f"{fence}diff"]
    body = fit(head, lines, "changes", f"{fence}\n</details>\n\n" + _counts(found), **({"limit": limit} if limit else {}))
    return body
