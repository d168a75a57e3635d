"""Flags a committed tree that differs from a fresh render of its spec.

## What it does
For each platform.yaml linted, renders it in memory and compares the result
with the tree where `mlopsgen render` writes it, at `gitops.path` from the
root of the spec's Git repository (the spec's folder outside any repository),
when that tree exists: files that changed, are missing, or would be pruned.

## Why is this bad?
Argo CD syncs the committed tree, not the spec. A reviewed change to
platform.yaml that was never rendered is not deployed; a hand edit to the tree
is silently undone at the next render.

## Example
Editing `deploy/teams/fraud/overlays/prod/resourcequota.yaml` by hand, or
changing platform.yaml without running `mlopsgen render`.

## Use instead
```sh
mlopsgen render platform.yaml    # then commit platform.yaml and deploy/ together
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.catalog.conventions import MARKER
from mlopsgen.lint.finding import Issue

ID = "MLG040"
SLUG = "stale-render"
SEVERITY = "error"
SUMMARY = "rendered tree out of date with its spec"


def check_spec(spec) -> Iterator[Issue]:
    from mlopsgen.errors import UserError
    from mlopsgen.repopath import spec_root

    line, column = spec.position(("gitops", "path"))
    out = spec_root(spec.path).joinpath(*spec.platform.gitops.path.split("/"))  # where render writes it
    if not (out / MARKER).is_file():
        return
    from mlopsgen.render import render_spec  # rendering costs imports: only when there is a tree
    from mlopsgen.write import plan_changes

    rendered = render_spec(spec.path)
    try:
        change = plan_changes(rendered.default_output, rendered.files)
    except UserError as error:  # a link or a foreign entry in the tree: never read through
        problem = error.problems[0]
        yield Issue(line, column, f"cannot compare the tree at {spec.platform.gitops.path}/: "
                    f"{problem.location.file} {problem.message}", problem.hint)
        return
    if change.up_to_date:
        return
    parts = [f"{len(v)} {k}" for k, v in (("stale", change.updated), ("missing", change.created), ("extra", change.removed)) if v]
    first = (change.updated + change.created + change.removed)[0]
    yield Issue(line, column, f"the tree at {spec.platform.gitops.path}/ is not what this spec renders ({', '.join(parts)}; e.g. {first})",
                f"run `mlopsgen render {spec.path.name}` and commit the result")
