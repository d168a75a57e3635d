"""Argo CD objects: the root app-of-apps, AppProjects, and an Application per component and team.

One Argo CD (the hub) manages every cluster, each addressed by its DNS name.
  argocd/root.yaml              the one root, in Argo CD's built-in `default` project, so it
                                never waits for a project it delivers itself
  argocd/projects/*.yaml        AppProjects, in the first sync wave
  argocd/apps/<cluster>/*.yaml  component Applications in their waves (CRDs and operators,
                                controllers, services and configuration), team apps last
  argocd/argocd-cm-patch.yaml   the Application health check waves rely on
Bootstrap once with `kubectl apply -n argocd -f <tree>/argocd/root.yaml`.
"""

from __future__ import annotations

import re

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.components import PROJECTS_WAVE, TEAM_APPS_WAVE
from mlopsgen.catalog.runtimes import runtime_of
from mlopsgen.platform.model import Platform, Team
from mlopsgen.render import labels as L
from mlopsgen.render.installed import PlatformApp
from mlopsgen.render.jinja import render_template
from mlopsgen.render.retraining import promotion_target
from mlopsgen.repopath import in_repository

HUB_SERVER = "https://kubernetes.default.svc"
ROOT_PROJECT = "default"  # exists in every Argo CD installation
TEAM_SYNC_OPTIONS = [
    "PruneLast=true",
    # One missing CRD would otherwise fail the dry run of the whole app: not even its
    # Namespace, quota or NetworkPolicies would be applied.
    "SkipDryRunOnMissingResource=true",
]
# Cluster-scoped kinds the platform charts install (CRDs, RBAC, webhooks) and mlopsgen's own.
PLATFORM_CLUSTER_KINDS = [
    ("apiextensions.k8s.io", "CustomResourceDefinition"), ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"), ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"), ("", "Namespace"),
    ("scheduling.k8s.io", "PriorityClass"), ("node.k8s.io", "RuntimeClass"), ("cert-manager.io", "ClusterIssuer"),
    ("serving.kserve.io", "ClusterServingRuntime"), ("serving.kserve.io", "ClusterStorageContainer"),
    ("projectcalico.org", "IPPool"), ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
]
# ...and those only some components install: only where one is installed.
COMPONENT_CLUSTER_KINDS = {
    "kueue": [("apiregistration.k8s.io", "APIService")],  # its visibility API
    "kueue-queues": [("kueue.x-k8s.io", "ResourceFlavor"), ("kueue.x-k8s.io", "Cohort"), ("kueue.x-k8s.io", "ClusterQueue")],
}


def _cluster_kinds_of(apps: list[PlatformApp]) -> list[tuple[str, str]]:
    return sorted({k for app in apps for k in COMPONENT_CLUSTER_KINDS.get(app.name, ())})


_API_VERSION = re.compile(r"^apiVersion: *\"?([^\s\"]+)\"?$", re.M)
_KIND = re.compile(r"^kind: *(\w+)$", re.M)


def _repo_path(platform: Platform, relative: str) -> str:
    # Argo CD resolves a Git source's `path` and a `$values/...` file from the repository root, never from the
    # Application's folder: gitops.path is the tree's path from that root (mlopsgen/repopath.py).
    return in_repository(platform.gitops.path, relative)


def _git_source(platform: Platform, path: str) -> dict:
    return {"repoURL": platform.gitops.repo_url, "targetRevision": platform.gitops.revision, "path": path}


def kinds_in(files: dict[str, str], prefix: str) -> list[dict]:
    """(group, kind) of every top-level object in the files below `prefix`: what a project must permit."""
    found = set()
    for path, text in files.items():
        if path.startswith(prefix) and not path.endswith("kustomization.yaml") and "/patches/" not in path:
            for document in text.split("\n---\n"):
                version, kind = _API_VERSION.search(document), _KIND.search(document)
                if version and kind:
                    group = version.group(1).rpartition("/")[0]
                    found.add((group, kind.group(1)))
    return [{"group": g, "kind": k} for g, k in sorted(found)]


def _rollout_fields(platform: Platform, team: Team, environment: str) -> list[dict]:
    """Fields a rollout (retraining's, or a registry promotion's) sets in this environment that Argo CD must not undo."""
    fields = []
    for model in platform.team_models(team.name):
        retrained = model.retraining is not None and model.retraining.environment == environment
        promoted = model.promotion is not None and environment in model.environments
        if not (retrained or promoted):
            continue
        runtime = runtime_of(model)
        rolled = runtime.rollout(runtime, model, promotion_target(model)[0], {C.MODEL_VERSION: ""})
        if rolled.ignore:
            fields.append(rolled.ignore)
    return fields


def render_argocd(platform: Platform, apps: list[PlatformApp], header: str, tree: dict[str, str]) -> dict[str, str]:
    files: dict[str, str] = {}
    trees = _by_team(tree)
    for team in platform.teams:
        files[f"argocd/projects/{C.team_project(team.name)}.yaml"] = _team_project(platform, team, header,
                                                                                 trees.get(team.name, {}))
        for env in platform.team_environments(team):
            cluster = platform.cluster(env.cluster)
            name = C.team_application(team.name, env.name)
            ignore = _rollout_fields(platform, team, env.name)
            files[f"argocd/apps/{cluster.name}/{name}.yaml"] = render_template(
                "argocd/application.yaml.j2", header=header, name=name, project=C.team_project(team.name),
                labels=L.common(platform, team.name, env.name), wave=TEAM_APPS_WAVE,
                sources=[_git_source(platform, _repo_path(platform, C.team_overlay_dir(team.name, env.name)))],
                server=cluster.server, namespace=team.namespace(env.name), ignore_differences=ignore,
                # The sync then keeps the live values of those fields instead of writing Git's over them.
                sync_options=TEAM_SYNC_OPTIONS + (["RespectIgnoreDifferences=true"] if ignore else []))
    for app in apps:
        files[f"argocd/apps/{app.cluster}/{app.name}.yaml"] = _component_app(platform, app, header)
    files[f"argocd/projects/{C.PLATFORM_PROJECT}.yaml"] = _platform_project(platform, apps, header)
    files["argocd/root.yaml"] = render_template(
        "argocd/application.yaml.j2", header=header, name=C.ROOT_APPLICATION, project=ROOT_PROJECT,
        labels=L.common(platform), wave=None, server=HUB_SERVER, namespace="argocd", sync_options=["PruneLast=true"], ignore_differences=[],
        sources=[{**_git_source(platform, _repo_path(platform, "argocd")),
                  "directory": {"recurse": True, "include": "{projects/*.yaml,repositories/*.yaml,apps/*/*.yaml}"}}])
    for registry in sorted({a.component.chart.registry for a in apps if a.component.chart and a.component.chart.is_oci}):
        name = "helm-oci-" + re.sub(r"[^a-z0-9]+", "-", registry.lower()).strip("-")
        files[f"argocd/repositories/{name}.yaml"] = render_template(
            "argocd/oci-repository.yaml.j2", header=header, name=name, url=registry, wave=PROJECTS_WAVE,
            labels=L.common(platform))
    files["argocd/argocd-cm-patch.yaml"] = render_template("argocd/argocd-cm-patch.yaml.j2", header=header)
    return files


def _component_app(platform: Platform, app: PlatformApp, header: str) -> str:
    cluster = platform.cluster(app.cluster)
    chart = app.component.chart
    if chart is None:
        sources = [_git_source(platform, _repo_path(platform, app.path))]
    else:
        # The release is named after the component, not the Application: charts derive names from it.
        sources = [
            {"repoURL": chart.registry if chart.is_oci else chart.repo_url, "chart": chart.name, "targetRevision": chart.version,
             "helm": {"releaseName": app.name, "valueFiles": [f"$values/{_repo_path(platform, app.path)}"]}},
            {"repoURL": platform.gitops.repo_url, "targetRevision": platform.gitops.revision, "ref": "values"},
        ]
    return render_template(
        "argocd/application.yaml.j2", header=header, name=C.platform_application(cluster.name, app.name),
        project=C.PLATFORM_PROJECT, labels=L.common(platform), wave=app.component.wave, sources=sources,
        server=cluster.server, namespace=app.namespace, sync_options=list(app.component.sync_options), ignore_differences=[])


def _by_team(tree: dict[str, str]) -> dict[str, dict[str, str]]:
    """The files below `teams/<team>/`, team by team: read once, not once per team."""
    teams: dict[str, dict[str, str]] = {}
    for path, text in tree.items():
        top, _, rest = path.partition("/")
        if top == "teams" and "/" in rest:
            teams.setdefault(rest.partition("/")[0], {})[path] = text
    return teams


def _team_project(platform: Platform, team: Team, header: str, tree: dict[str, str]) -> str:
    """The team's AppProject; `tree` holds the team's files (those below `teams/<team>/`)."""
    destinations = [
        {"server": platform.cluster(env.cluster).server, "namespace": team.namespace(env.name)}
        for env in platform.team_environments(team)
    ]
    namespaced = [k for k in kinds_in(tree, f"teams/{team.name}/") if k != {"group": "", "kind": "Namespace"}]
    return render_template(
        "argocd/appproject.yaml.j2", header=header, name=C.team_project(team.name), labels=L.common(platform, team.name),
        description=f"Team {team.name}: only its own namespaces, only the GitOps repository, only the kinds its tree holds.",
        source_repos=[platform.gitops.repo_url], destinations=destinations, wave=PROJECTS_WAVE,
        cluster_resources=[{"group": "", "kind": "Namespace"}], namespace_resources=namespaced)


def _platform_project(platform: Platform, apps: list[PlatformApp], header: str) -> str:
    # As the Applications name them: an OCI registry without its scheme.
    repos = sorted({platform.gitops.repo_url} | {a.component.chart.registry if a.component.chart.is_oci else a.component.chart.repo_url
                                                 for a in apps if a.component.chart})
    destinations: set[tuple[str, str]] = set()
    for app in apps:
        server = platform.cluster(app.cluster).server
        destinations |= {(server, ns) for ns in (app.namespace, *app.component.extra_namespaces)}
    return render_template(
        "argocd/appproject.yaml.j2", header=header, name=C.PLATFORM_PROJECT, labels=L.common(platform),
        description="Platform components, in their own namespaces; maintained by the platform team.",
        source_repos=repos, destinations=[{"server": s, "namespace": n} for s, n in sorted(destinations)],
        wave=PROJECTS_WAVE, cluster_resources=[{"group": g, "kind": k} for g, k in PLATFORM_CLUSTER_KINDS + _cluster_kinds_of(apps)],
        namespace_resources=[{"group": "*", "kind": "*"}])
