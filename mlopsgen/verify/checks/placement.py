"""Bootstrap: Argo CD finds each path the tree's Applications name, in the repository as the tree is committed.

Argo CD reads a Git source's `path` and a `$values/...` value file from the root of the repository (the
upstream wording is cited in mlopsgen/repopath.py), so each must name the tree's own folder or file from
where the tree really is: its path in the Git work tree holding it (or in the revision `verify --diff`
reads), else from the spec's folder when no repository holds either. Where that place is not known, nothing
here is judged: a warning says why, and the journey is UNKNOWN (verify/__init__.py), never PASS.
"""

from __future__ import annotations

from mlopsgen.errors import Location
from mlopsgen.repopath import in_tree
from mlopsgen.verify.context import Context
from mlopsgen.verify.result import Finding, finding

SLUG = "bootstrap"


def placement_findings(ctx: Context) -> list[Finding]:
    place, gitops = ctx.place, ctx.platform.gitops.path
    spec = ctx.spec_at("gitops", "path")
    if place.path is None:
        return [finding(SLUG, f"where Argo CD finds the tree is not known ({place.how}), so whether its Applications' "
                        "paths are in the repository is not judged", Location(ctx.reader.display("")),
                        hint="verify the tree where it is committed: in its Git work tree, or, with no repository yet, "
                             "below the spec's folder at gitops.path", spec=spec, severity="warning")]
    if place.matches(gitops):
        return []  # every path the tree names resolves as it was read
    where = f"'{place.path}' in {place.root}" if place.path else f"the root of {place.root}"
    hint = (f"set gitops.path to '{place.path}' (the tree's path from the repository root) and render again, or render "
            f"the tree to gitops.path from the repository root ({place.root}/{gitops})" if place.path else
            f"the tree cannot be the repository root: render it to gitops.path from there ({place.root}/{gitops})")
    found = []
    for app in ctx.deployment.apps.values():
        for ref in app.repo_refs:
            if ref.rel is None or in_tree(place.path, ref.path) == ref.rel:
                continue  # nothing of the tree (said where the tree is read), or what Argo CD would read
            what = "source path" if ref.folder else "values file"
            found.append(finding(
                SLUG, f"Application {app.name}: its {what} '{ref.path}' is not in the repository as the tree would be "
                f"committed: Argo CD reads it from the repository root, and the tree is at {where}, not at gitops.path "
                f"'{gitops}'", app.obj.locate(*ref.where), hint=hint, spec=spec))
    return found
