"""`mlopsgen render`: spec -> validated model -> files -> disk (or a check against disk)."""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click

from mlopsgen.catalog.modes import MODES
from mlopsgen.errors import EXIT_CHECK_FAILED, EXIT_OK
from mlopsgen.render import render_spec
from mlopsgen.write import Change, plan_changes, write_tree

KIND = re.compile(r"^kind: (\w+)$", re.M)
PROGRESS_MIN_TEAMS = 20  # below this a render is instant; a bar would only flicker


@dataclass(frozen=True)
class RenderOptions:
    spec: str
    output: str | None
    check: bool = False
    diff: bool = False
    dry_run: bool = False
    force: bool = False


def host_network_notes(platform) -> list[str]:
    """Said on every render: these pods are outside what NetworkPolicies can isolate."""
    return [
        f"note: {workload} in '{env.name}' uses host networking ({env.host_justification.rstrip('.')}); "
        "NetworkPolicies do not apply to those pods"
        for env in platform.environments for workload, mode in env.modes.items() if MODES[mode].host_network
    ]


def _progress_for(platform):
    return _progress if len(platform.teams) >= PROGRESS_MIN_TEAMS else (lambda items: items)


def _progress(items):
    if not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, label="rendering teams", file=sys.stderr) as bar:
        yield from bar


def run_render(options: RenderOptions) -> int:
    rendered = render_spec(options.spec, _progress_for)
    files = rendered.files
    out = Path(options.output) if options.output else rendered.default_output
    for note in host_network_notes(rendered.platform):
        click.echo(note, err=True)
    if options.check or options.diff or options.dry_run:
        change = plan_changes(out, files, with_diff=options.diff)
        if options.diff:
            for rel in sorted(change.diffs):
                click.echo(change.diffs[rel], nl=False)
        if options.check:
            return _report_check(out, change)
        _summary(files, change, out, dry_run=True)
        return EXIT_OK
    change = write_tree(out, files, force=options.force)
    _summary(files, change, out, dry_run=False)
    return EXIT_OK


def _report_check(out: Path, change: Change) -> int:
    if change.up_to_date:
        click.echo(f"{out}: up to date ({len(change.unchanged)} files)", err=True)
        return EXIT_OK
    for label, paths in (("stale", change.updated), ("missing", change.created), ("extra", change.removed)):
        for rel in paths:
            click.echo(f"{out / rel}: {label}", err=True)
    click.echo(f"{out}: not what `mlopsgen render` would write; run it and commit the result", err=True)
    return EXIT_CHECK_FAILED


def _summary(files: dict[str, str], change: Change, out: Path, dry_run: bool) -> None:
    kinds = Counter(kind for text in files.values() for kind in KIND.findall(text) if kind != "Kustomization")
    objects = sum(kinds.values())
    by_kind = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    verb = "would write" if dry_run else "wrote"
    click.echo(f"{out}: {len(files)} files, {objects} objects ({by_kind})", err=True)
    click.echo(
        f"{verb} {len(change.created) + len(change.updated)} "
        f"(new {len(change.created)}, changed {len(change.updated)}), "
        f"unchanged {len(change.unchanged)}, {'would remove' if dry_run else 'removed'} {len(change.removed)}",
        err=True,
    )
    if dry_run and sys.stderr.isatty():
        for rel in change.created + change.updated + change.removed:
            click.echo(f"  {rel}", err=True)
