"""Journey 1: bootstrap through Argo CD, from a cluster that has only Argo CD.

Argo CD facts this follows:
- an Application whose project does not exist never syncs; only `default`
  exists on a fresh Argo CD, so the roots applied by hand must use it or a
  project applied with them;
- one missing CRD fails the dry run of the whole Application; automated sync
  does not retry the same commit unless `syncPolicy.retry` is set;
- sync waves order the resources of one parent, Applications included only
  with the Application health check restored in argocd-cm (removed in 1.8);
- an AppProject admits only its sourceRepos, destinations, and the kinds its
  cluster/namespace resource lists allow;
- a Git source's path and a `$values/...` file are read from the repository
  root, so they must name the tree where it is committed (placement.py).
"""

from __future__ import annotations

import fnmatch

from mlopsgen.catalog.components import COMPONENTS
from mlopsgen.verify.argocd import HUB_SERVER
from mlopsgen.verify.context import Context
from mlopsgen.verify.result import Finding, finding

SLUG = "bootstrap"
ARGOCD_KINDS = {("argoproj.io", "Application"), ("argoproj.io", "AppProject"), ("argoproj.io", "ApplicationSet")}
PROVIDERS = {kind: name for name, c in COMPONENTS.items() for kind in c.provides}
# Calico installs its CRDs (crd.projectcalico.org) with the CNI itself: a cluster running Calico has them. The
# projectcalico.org/v3 API is served only by Calico's API server, which the cluster must declare.
CNI_KINDS = {"calico": {("crd.projectcalico.org", "IPPool")}}
CALICO_API_KINDS = {("projectcalico.org", "IPPool")}


def _cni_kinds(ctx: Context, cluster: str) -> set[tuple[str, str]]:
    spec = ctx.platform.cluster(cluster)
    return CNI_KINDS.get(spec.cni_plugin, set()) | (CALICO_API_KINDS if spec.calico_api_server else set())


def builtin(group: str) -> bool:
    return group == "" or "." not in group or group.endswith(".k8s.io")


def _available_projects(ctx: Context) -> tuple[set[str], set[str]]:
    """Fixpoint from `default`: projects that come to exist, and apps that come to sync."""
    projects, synced = {"default"}, set()
    apps = ctx.deployment.apps
    created = {a.name for a in ctx.deployment.roots}
    changed = True
    while changed:
        changed = False
        for app in apps.values():
            if app.name in created and app.name not in synced and app.project in projects:
                synced.add(app.name)
                changed = True
                for o in app.objects:
                    if o.kind == "AppProject":
                        projects.add(o.name)
                    if o.kind == "Application":
                        created.add(o.name)
    return projects, synced


def _project_findings(ctx: Context) -> list[Finding]:
    _, synced = _available_projects(ctx)
    findings = []
    for app in ctx.deployment.apps.values():
        if app.name in synced:
            continue
        where = app.obj.locate("spec", "project")
        if app.parent is None:
            delivered_by = [a.name for a in ctx.deployment.apps.values() if any(o.kind == "AppProject" and o.name == app.project
                                                                                 for o in a.objects)]
            why = f"only {', '.join(delivered_by)} delivers it" if delivered_by else "nothing in the tree creates it"
            findings.append(finding(SLUG, f"root Application {app.name} uses project '{app.project}', which does not exist "
                                          f"on a fresh Argo CD ({why}): it never syncs", where,
                                    hint="put the roots in the 'default' project, or apply their AppProject first"))
        elif app.parent in synced:
            findings.append(finding(SLUG, f"Application {app.name} uses project '{app.project}', which no synced app delivers",
                                    where, hint="deliver the AppProject at an earlier sync wave of the same root"))
    return findings


def _kind_findings(ctx: Context) -> list[Finding]:
    findings = []
    for view in ctx.views:
        installed = view.components
        crds = {key: app for app in view.apps for key in _crd_kinds(app)}  # what each app's own CRDs serve
        for app in view.apps:
            missing: dict[tuple[str, str], str] = {}
            own = _crd_kinds(app)  # Argo CD applies an app's CRDs first, and skips the dry run of their objects
            for o in app.objects:
                key = (o.group, o.kind)
                if (builtin(o.group) or key in missing or key in own
                        or key in _cni_kinds(ctx, view.name)):
                    continue
                if key in crds and PROVIDERS.get(key) not in view.provided:
                    source = crds[key]
                    if source.parent != app.parent or source.wave >= app.wave:
                        missing[key] = f"{source.name} installs the CRD, but not at an earlier wave of the same root"
                    continue
                provider = PROVIDERS.get(key)
                if key in CALICO_API_KINDS:
                    missing[key] = "only Calico's API server serves projectcalico.org/v3, and the spec does not declare it"
                elif provider is None:
                    missing[key] = "no platform component provides it"
                elif provider in view.provided:
                    continue
                elif provider not in installed:
                    missing[key] = f"their component {provider} is neither installed by the tree nor provided by the cluster"
                else:
                    source = installed[provider]
                    if source.parent != app.parent or source.wave >= app.wave:
                        missing[key] = f"{source.name} installs the CRD, but not at an earlier wave of the same root"
            by_reason: dict[str, list[str]] = {}
            for (group, kind), why in sorted(missing.items()):
                by_reason.setdefault(why, []).append(f"{kind} ({group})")
            for why, kinds in sorted(by_reason.items()):
                findings.append(finding(SLUG, f"Application {app.name} deploys {', '.join(kinds)} on cluster {view.name}; "
                                              f"{why}: the app's dry run fails and nothing of it is applied",
                                        app.obj.locate("spec"), hint="install the CRD's component at an earlier sync wave, "
                                                                     "or declare it provided by the cluster in the spec"))
        for name, app in installed.items():
            for need in COMPONENTS[name].needs:
                if not view.has(need):
                    findings.append(finding(SLUG, f"{app.name} needs component {need}, which cluster {view.name} lacks",
                                            app.obj.locate("spec")))
                elif need in installed and installed[need].wave >= app.wave:
                    findings.append(finding(SLUG, f"{app.name} (wave {app.wave}) needs {need}, installed at wave "
                                                  f"{installed[need].wave}: not before it", app.obj.locate("metadata")))
    return findings


def _crd_kinds(app) -> set[tuple[str, str]]:
    return {(str(o.spec.get("group") or ""), str((o.spec.get("names") or {}).get("kind", "")))
            for o in app.objects if o.kind == "CustomResourceDefinition"}


def _glob(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern) or pattern == value


def _permission_findings(ctx: Context) -> list[Finding]:
    findings = []
    projects = {**ctx.deployment.project_files, **ctx.deployment.projects}
    for app in ctx.deployment.apps.values():
        project = projects.get(app.project)
        if project is None:
            continue
        spec = project.spec
        where = app.obj.locate("spec", "project")
        repos = [s.get("repoURL") for s in (app.obj.spec.get("sources") or [app.obj.spec.get("source") or {}])]
        for repo in repos:
            if repo and not any(_glob(str(p), str(repo)) for p in spec.get("sourceRepos") or []):
                findings.append(finding(SLUG, f"project {app.project} does not permit source {repo} of {app.name}", where))
        namespaces = {app.namespace} | {o.namespace for o in app.objects if o.namespace}
        for ns in sorted(n for n in namespaces if n):
            if not any(_glob(str(d.get("server", "*")), app.server) and _glob(str(d.get("namespace", "*")), ns)
                       for d in spec.get("destinations") or []):
                findings.append(finding(SLUG, f"project {app.project} does not permit destination {app.server} namespace {ns} "
                                              f"({app.name})", where))
        for o in app.objects:
            entry = {"group": o.group, "kind": o.kind}
            if o.kind in ctx.deployment.cluster_kinds:
                if not _listed(spec.get("clusterResourceWhitelist"), entry):
                    findings.append(finding(SLUG, f"project {app.project} does not permit cluster-scoped {o.kind} ({app.name})",
                                            o.locate()))
            elif _listed(spec.get("namespaceResourceBlacklist"), entry) or (
                    spec.get("namespaceResourceWhitelist") is not None and not _listed(spec.get("namespaceResourceWhitelist"), entry)):
                findings.append(finding(SLUG, f"project {app.project} forbids {o.kind} that {app.name} deploys ({o.ref})",
                                        o.locate(), hint="the project must permit exactly the kinds its apps deploy"))
    return findings


def _listed(entries, entry: dict) -> bool:
    return any(_glob(str(e.get("group", "")), entry["group"]) and _glob(str(e.get("kind", "")), entry["kind"])
               for e in entries or [])


def _retry_findings(ctx: Context) -> list[Finding]:
    findings = []
    for app in ctx.deployment.apps.values():
        policy = app.obj.spec.get("syncPolicy") or {}
        if policy.get("automated") is not None and "retry" not in policy and app.server != HUB_SERVER:
            findings.append(finding(SLUG, f"Application {app.name} syncs automatically without syncPolicy.retry: "
                                          "after one failed sync it is not retried for the same commit",
                                    app.obj.locate("spec", "syncPolicy"), severity="warning",
                                    hint="add syncPolicy.retry with a backoff"))
    return findings


def run(ctx: Context, stats: dict) -> list[Finding]:
    if not ctx.deployment.apps:
        from mlopsgen.errors import Location

        return [finding(SLUG, "the tree holds no Argo CD Application", Location(ctx.reader.display("argocd")),
                        hint="render the tree with `mlopsgen render`")]
    from mlopsgen.verify.checks.chart_bootstrap import chart_findings
    from mlopsgen.verify.checks.placement import placement_findings

    findings = (_stale_findings(ctx) + placement_findings(ctx) + _project_findings(ctx) + _kind_findings(ctx)
                + _permission_findings(ctx) + _retry_findings(ctx) + chart_findings(ctx))
    for app in ctx.deployment.apps.values():
        for path in app.missing_paths:
            findings.append(finding(SLUG, f"Application {app.name} points at {path}, which is not in the tree", app.obj.locate("spec")))
    return findings




def _stale_findings(ctx: Context) -> list[Finding]:
    """A tree rendered from another version of the spec proves nothing about this one: said first. The
    marker records a digest of the spec's data when the tree was rendered (render/marker.py)."""
    import json
    import os

    from mlopsgen.catalog.conventions import MARKER
    from mlopsgen.errors import Location, UserError
    from mlopsgen.readfile import read_regular
    from mlopsgen.render.marker import spec_digest

    path = os.path.join(ctx.reader.root, MARKER)
    if ctx.doc is None or not os.path.isfile(path) or os.path.islink(path):
        return []
    try:
        recorded = json.loads(read_regular(path, MARKER, 16 * 1024 * 1024, follow_symlinks=False)).get("spec_data_sha256")
    except (UserError, ValueError, AttributeError):
        return []  # no marker mlopsgen wrote: nothing to compare
    if recorded is None or recorded == spec_digest(ctx.doc.data):
        return []
    return [finding(SLUG, "the tree is stale: the spec changed since the tree was rendered, so what follows is about the old tree",
                    Location(ctx.reader.display(MARKER), 1, 1), hint="run `mlopsgen render` on the spec, then verify again",
                    spec=ctx.spec_at("gitops", "path"))]
