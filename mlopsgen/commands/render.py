"""`mlopsgen render`: spec -> validated model -> files -> disk (or a check against disk)."""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click

from mlopsgen.catalog.modes import MODES
from mlopsgen.console import DEFAULT_CONSOLE, Console
from mlopsgen.errors import EXIT_CHECK_FAILED, EXIT_OK, UserError
from mlopsgen.render import RenderedSpec, render_spec
from mlopsgen.write import Change, OutputRoot, plan_changes, write_tree

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
    exit_code: bool = False
    output_format: str = "text"
    console: Console = DEFAULT_CONSOLE


def host_network_notes(platform) -> list[str]:
    """Said on every render: these pods are outside what NetworkPolicies can isolate."""
    return [
        f"note: {workload} in '{env.name}' uses host networking ({env.host_justification.rstrip('.')}); "
        "NetworkPolicies do not apply to those pods"
        for env in platform.environments for workload, mode in env.modes.items() if MODES[mode].host_network
    ]


def _progress_for(platform):
    return _progress if len(platform.teams) >= PROGRESS_MIN_TEAMS else _no_progress


def _no_progress(items):
    return items


def _progress(items):
    if not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, label="rendering teams", file=sys.stderr) as bar:
        yield from bar


def run_render(options: RenderOptions) -> int:
    if options.exit_code and not (options.diff or options.dry_run or options.check):
        raise UserError.single("--exit-code", "only means something with --diff or --dry-run",
                               hint="e.g. `mlopsgen render platform.yaml --diff --exit-code`")
    console = options.console
    rendered = render_spec(options.spec, (lambda platform: _no_progress) if console.quiet else _progress_for)
    files = rendered.files
    out = OutputRoot.explicit(options.output) if options.output else rendered.default_output
    unplaced = _check_place(out, rendered) if options.output else ""
    for note in host_network_notes(rendered.platform):
        console.note(note)
    if options.check or options.diff or options.dry_run:
        change = plan_changes(out, files, with_diff=options.diff)
        if unplaced:
            console.note(unplaced)
        if options.diff:
            for rel in sorted(change.diffs):
                click.echo(change.diffs[rel], nl=False)
        if options.check:
            return _report_check(Path(out.display), change, options)
        if options.dry_run:
            _list_changes(change)
        _summary(files, change, Path(out.display), console, dry_run=True)
        return EXIT_CHECK_FAILED if options.exit_code and not change.up_to_date else EXIT_OK
    change = write_tree(out, files, force=options.force)
    if unplaced:
        console.note(unplaced)
    _summary(files, change, Path(out.display), console, dry_run=False)
    return EXIT_OK


def _check_place(out: OutputRoot, rendered: RenderedSpec) -> str:
    """An output elsewhere in its repository than gitops.path is refused, whatever the mode: every Application
    names its folders from the repository root below gitops.path (mlopsgen/repopath.py), so Argo CD would find
    none of that tree. Where no repository holds the output (and it is not the spec's default output), nothing
    says where it will be committed: it is written, and the note says what its Applications assume."""
    from mlopsgen.errors import Problem
    from mlopsgen.repopath import place

    gitops = rendered.platform.gitops.path
    where = place(os.path.join(out.anchor, *out.parts), rendered.spec, gitops)
    if where.path is None:  # said once the tree is written or compared, not before an error
        return (f"note: {out.display}: {where.how}; its Applications name paths below gitops.path "
                f"'{gitops}', so Argo CD finds it only committed there, from the repository root")
    if not where.matches(gitops):
        at = f"at '{where.path}'" if where.path else "the root itself"
        fix = (f"set gitops.path to '{where.path}' (the tree's path from the repository root), or " if where.path else "")
        raise UserError([Problem(
            rendered.gitops_path_at, f"the output {out.display} is {at} from the root of its repository ({where.root}: {where.how}), "
            f"but the tree's Applications name paths below gitops.path '{gitops}': Argo CD would find none of them",
            "/gitops/path", f"{fix}render to {os.path.join(where.root, *gitops.split('/'))} (without -o, render writes the "
            "tree at gitops.path from the root of the spec's repository)")])
    return ""


def _report_check(out: Path, change: Change, options: RenderOptions) -> int:
    console = options.console
    if change.up_to_date:
        console.note(f"{out}: up to date ({len(change.unchanged)} files)")
        return EXIT_OK
    remedy = "not what `mlopsgen render` would write; run it and commit the result"
    for label, paths in (("stale", change.updated), ("missing", change.created), ("extra", change.removed)):
        for rel in paths:
            if options.output_format == "github":
                from mlopsgen.github import workflow_command

                console.report(workflow_command("error", f"{label}: {remedy}", (out / rel).as_posix(),
                                                title="mlopsgen render --check"), err=False)
            else:
                console.report(f"{out / rel}: {label}")
    console.note(f"{out}: {remedy}")
    return EXIT_CHECK_FAILED


def _list_changes(change: Change) -> None:
    """The dry run's answer, on stdout wherever it runs (CI included): one verb and path a line."""
    rows = [(rel, "create") for rel in change.created] + [(rel, "update") for rel in change.updated] \
        + [(rel, "remove") for rel in change.removed]
    for rel, verb in sorted(rows):
        click.echo(f"{verb}  {rel}")


def _summary(files: dict[str, str], change: Change, out: Path, console: Console, dry_run: bool) -> None:
    kinds = Counter(kind for text in files.values() for kind in KIND.findall(text) if kind != "Kustomization")
    objects = sum(kinds.values())
    by_kind = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    verb = "would write" if dry_run else "wrote"
    console.note(f"{out}: {len(files)} files, {objects} objects ({by_kind})")
    console.note(
        f"{verb} {len(change.created) + len(change.updated)} "
        f"(new {len(change.created)}, changed {len(change.updated)}), "
        f"unchanged {len(change.unchanged)}, {'would remove' if dry_run else 'removed'} {len(change.removed)}"
    )
