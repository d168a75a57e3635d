"""Names mlopsgen derives from spec names: unique where Kubernetes and Argo CD need them, never reserved.

Two spec entries that derive the same namespace, Application or AppProject
would silently overwrite each other in the tree. The second one is
reported, with the first in the hint. Namespaces of the cluster and of the
platform's components are reserved, as are Argo CD's own project names.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.components import COMPONENTS
from mlopsgen.platform.checker import Checker

RESERVED_PROJECTS = {C.PLATFORM_PROJECT, "default"}  # `default` is Argo CD's built-in project


def _reserved_namespaces(check: Checker) -> set[str]:
    reserved = {"default", "kube-system", "kube-public", "kube-node-lease", "argocd"}
    reserved |= {c.namespace for c in COMPONENTS.values()} | {ns for c in COMPONENTS.values() for ns in c.extra_namespaces}
    reserved |= {s["host"].split(".")[1] for s in check.data["services"]}
    for cluster in check.data["clusters"]:
        gateway = cluster["provided"].get("istio", {}).get("ingressGateway")
        if gateway:
            reserved.add(gateway["namespace"])
    return reserved


def _derived_names_are_unique(check: Checker) -> None:
    """Names mlopsgen derives (namespaces, Argo CD projects and files) are unique and not reserved: a
    collision would overwrite one team's objects with another's, and the cluster's and components' namespaces
    belong to them."""
    reserved = _reserved_namespaces(check)
    env_cluster = {e["name"]: e["cluster"] for e in check.data["environments"]}
    components = set(COMPONENTS)
    seen: dict[tuple[str, str], tuple[str, int]] = {}  # (kind, name) -> (what, line)

    def claim(kind: str, name: str, what: str, path: tuple, at_key: bool = False) -> None:
        line = check.doc.locate(path, at_key=at_key).line
        first = seen.setdefault((kind, name), (what, line))
        if first[0] != what:
            check.fail(path, f"{what} derives the {kind} '{name}', which {first[0]} derives too",
                       f"first at line {first[1]}; rename one of them", at_key=at_key)

    for i, team in enumerate(check.data["teams"]):
        if team["name"] in RESERVED_PROJECTS:
            check.fail(("teams", i, "name"), f"team name '{team['name']}' is reserved for an Argo CD project",
                       "choose another name; 'platform' holds the platform components, 'default' is Argo CD's own")
        for env in team["quotas"]:
            path = ("teams", i, "quotas", env)
            what = f"team '{team['name']}' in '{env}'"
            namespace = C.namespace(team["name"], env)
            if namespace in reserved or namespace.startswith("kube-"):
                check.fail(path, f"{what} derives the namespace '{namespace}', which is reserved",
                           "it belongs to the cluster or a platform component; rename the team or the environment", at_key=True)
            claim("namespace", namespace, what, path, at_key=True)
            # The dashboard uid is the namespace's, cut with a digest: unique whenever the namespace is.
            if env in env_cluster and C.team_application(team["name"], env) in components:
                check.fail(path, f"{what} derives the Argo CD file of platform component '{C.team_application(team['name'], env)}'",
                           "rename the team or the environment", at_key=True)


NAME_RULES = (_derived_names_are_unique,)
