"""Argo CD objects: one AppProject per team, Applications, and root app-of-apps.

One Argo CD (the hub) manages every cluster, each addressed by its DNS name.
  argocd/roots/<cluster>.yaml       app-of-apps for everything on a cluster
  argocd/roots/projects.yaml        syncs argocd/projects/
  argocd/apps/<cluster>/*.yaml      team and platform Applications
  argocd/projects/*.yaml            AppProjects
Bootstrap once with `kubectl apply -n argocd -f <tree>/argocd/roots/`.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Platform, Team
from mlopsgen.render import labels as L
from mlopsgen.render.jinja import render_template
from mlopsgen.render.platform_apps import PlatformApp

HUB_SERVER = "https://kubernetes.default.svc"
# The only cluster-scoped kind a team's tree contains.
TEAM_CLUSTER_RESOURCES = [{"group": "", "kind": "Namespace"}]
# Namespaced kinds a team's tree never contains: keep them out even if added by hand.
TEAM_NAMESPACE_BLACKLIST = [
    {"group": "rbac.authorization.k8s.io", "kind": "ClusterRoleBinding"},
    {"group": "", "kind": "Secret"},
]


def _repo_path(platform: Platform, relative: str) -> str:
    root = platform.gitops.path
    return f"{root}/{relative}" if root not in ("", ".") else relative


def render_argocd(platform: Platform, apps: list[PlatformApp], header: str) -> dict[str, str]:
    files: dict[str, str] = {}
    for team in platform.teams:
        files[f"argocd/projects/{C.team_project(team.name)}.yaml"] = _team_project(platform, team, header)
        for env in platform.team_environments(team):
            cluster = platform.cluster(env.cluster)
            namespace = team.namespace(env.name)
            name = C.team_application(team.name, env.name)
            files[f"argocd/apps/{cluster.name}/{name}.yaml"] = render_template(
                "argocd/application.yaml.j2", header=header, name=name, project=C.team_project(team.name),
                labels=L.common(platform, team.name, env.name),
                sources=[_git_source(platform, _repo_path(platform, C.team_overlay_dir(team.name, env.name)))],
                server=cluster.server, namespace=namespace, sync_options=["PruneLast=true"])
    for app in apps:
        cluster = platform.cluster(app.cluster)
        sources = [_git_source(platform, _repo_path(platform, app.path))] if app.chart is None else [
            {"repoURL": app.chart.repo_url, "chart": app.chart.name, "targetRevision": app.chart.version,
             "helm": {"valueFiles": [f"$values/{_repo_path(platform, app.path)}"]}},
            {"repoURL": platform.gitops.repo_url, "targetRevision": platform.gitops.revision, "ref": "values"},
        ]
        files[f"argocd/apps/{cluster.name}/{app.name}.yaml"] = render_template(
            "argocd/application.yaml.j2", header=header, name=C.platform_application(cluster.name, app.name),
            project=C.PLATFORM_PROJECT, labels=L.common(platform), sources=sources, server=cluster.server,
            namespace=app.namespace, sync_options=list(app.sync_options))
    files[f"argocd/projects/{C.PLATFORM_PROJECT}.yaml"] = _platform_project(platform, apps, header)
    for cluster in platform.clusters:
        files[f"argocd/roots/{cluster.name}.yaml"] = _root(
            platform, C.root_application(cluster.name), f"argocd/apps/{cluster.name}", header)
    files["argocd/roots/projects.yaml"] = _root(platform, C.PROJECTS_ROOT, "argocd/projects", header)
    return files


def _git_source(platform: Platform, path: str) -> dict:
    return {"repoURL": platform.gitops.repo_url, "targetRevision": platform.gitops.revision, "path": path}


def _team_project(platform: Platform, team: Team, header: str) -> str:
    destinations = [
        {"server": platform.cluster(env.cluster).server, "namespace": team.namespace(env.name)}
        for env in platform.team_environments(team)
    ]
    return render_template(
        "argocd/appproject.yaml.j2", header=header, name=C.team_project(team.name), labels=L.common(platform, team.name),
        description=f"Team {team.name}: only its own namespaces, only the GitOps repository.",
        source_repos=[platform.gitops.repo_url], destinations=destinations,
        cluster_resources=TEAM_CLUSTER_RESOURCES, namespace_blacklist=TEAM_NAMESPACE_BLACKLIST)


def _platform_project(platform: Platform, apps: list[PlatformApp], header: str) -> str:
    repos = sorted({platform.gitops.repo_url} | {a.chart.repo_url for a in apps if a.chart})
    destinations = [{"server": HUB_SERVER, "namespace": "argocd"}]
    destinations += sorted(
        ({"server": platform.cluster(a.cluster).server, "namespace": a.namespace} for a in apps),
        key=lambda d: (d["server"], d["namespace"]),
    )
    for app in apps:  # charts install into kube-system too (exporters for control-plane metrics)
        for extra in app.extra_namespaces:
            destinations.append({"server": platform.cluster(app.cluster).server, "namespace": extra})
    unique = list({(d["server"], d["namespace"]): d for d in destinations}.values())
    return render_template(
        "argocd/appproject.yaml.j2", header=header, name=C.PLATFORM_PROJECT, labels=L.common(platform),
        description="Platform components and the app-of-apps roots; maintained by the platform team.",
        source_repos=repos, destinations=unique,
        cluster_resources=[{"group": "*", "kind": "*"}], namespace_blacklist=[])


def _root(platform: Platform, name: str, relative: str, header: str) -> str:
    return render_template(
        "argocd/application.yaml.j2", header=header, name=name, project=C.PLATFORM_PROJECT,
        labels=L.common(platform), sources=[_git_source(platform, _repo_path(platform, relative))],
        server=HUB_SERVER, namespace="argocd", sync_options=["PruneLast=true"])
