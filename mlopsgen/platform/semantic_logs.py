"""Checks of the logs service (kind `logs`): where Loki runs and how tenants are named.

Part of the semantic checks (semantic.py): each team is a Loki tenant named after it, every other namespace's
logs go to the platform's tenant (render/logs_values.py).
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.checker import Checker


def _logs_clusters(check: Checker) -> dict[str, int]:
    """The clusters a logs service runs on, each with the index of the first logs service there."""
    names = [c["name"] for c in check.data["clusters"]]
    found: dict[str, int] = {}
    for i, service in enumerate(check.data["services"]):
        if service["kind"] == "logs":
            for cluster in [service["cluster"]] if service.get("cluster") else names:
                found.setdefault(cluster, i)
    return found


def _one_logs_service_per_cluster(check: Checker) -> None:
    """One Loki per cluster: a second logs service there would install a second Loki that Alloy never pushes to."""
    names = [c["name"] for c in check.data["clusters"]]
    first = _logs_clusters(check)
    for i, service in enumerate(check.data["services"]):
        if service["kind"] != "logs":
            continue
        for cluster in [service["cluster"]] if service.get("cluster") else names:
            if first.get(cluster, i) != i:
                other = check.data["services"][first[cluster]]["name"]
                check.fail(("services", i, "kind"), f"'{service['name']}' is a second logs service on cluster '{cluster}', "
                           f"where '{other}' collects the logs already", "declare one logs service per cluster (set "
                           "services[].cluster on each to split them)")
                break


def _provided_loki_needs_a_logs_service(check: Checker) -> None:
    """A provided Loki is found at the logs service's host and port: without a logs service on that cluster
    Alloy would not know where to push, and nothing would be collected."""
    logs = _logs_clusters(check)
    for i, cluster in enumerate(check.data["clusters"]):
        if "loki" in (check.doc.data["clusters"][i].get("provided") or {}) and cluster["name"] not in logs:
            check.fail(("clusters", i, "provided", "loki"), f"cluster '{cluster['name']}' provides Loki but declares no "
                       "logs service to find it at", "add a service of kind 'logs' with Loki's host and port (for this "
                       "cluster), or remove provided.loki")


def _no_team_is_the_platform_tenant(check: Checker) -> None:
    """Each team's logs are the tenant named after it, the platform namespaces' the tenant 'platform': a team of
    that name would read the platform's logs and they its."""
    if not _logs_clusters(check):
        return
    for i, team in enumerate(check.data["teams"]):
        if team["name"] == C.PLATFORM_TENANT:
            check.fail(("teams", i, "name"), f"team '{team['name']}' would share the platform's Loki tenant",
                       "rename the team: its name is its tenant")


def _store_only_for_the_trees_loki(check: Checker) -> None:
    """`artifactStore` on a logs service says where the tree's Loki keeps its chunks: where every cluster it runs
    on provides Loki, the tree installs none and the store would be silently ignored."""
    provided = {c["name"] for i, c in enumerate(check.data["clusters"])
                if "loki" in (check.doc.data["clusters"][i].get("provided") or {})}
    names = [c["name"] for c in check.data["clusters"]]
    for i, service in enumerate(check.data["services"]):
        clusters = [service["cluster"]] if service.get("cluster") else names
        if service["kind"] == "logs" and "artifactStore" in check.doc.data["services"][i] and set(clusters) <= provided:
            check.fail(("services", i, "artifactStore"), f"'{service['name']}' names a store for Loki, but every cluster "
                       "it runs on provides its own Loki", "remove artifactStore (the provided Loki keeps its own store)")


def _pod_labels_only_for_a_provided_loki(check: Checker) -> None:
    """The tree's Loki is named after the service's host, and its pods labelled so (app.kubernetes.io/name):
    other podLabels would point Alloy's, Grafana's and Loki's own policies at pods that do not exist."""
    provided = {c["name"] for i, c in enumerate(check.data["clusters"])
                if "loki" in (check.doc.data["clusters"][i].get("provided") or {})}
    names = [c["name"] for c in check.data["clusters"]]
    for i, service in enumerate(check.data["services"]):
        written = check.doc.data["services"][i].get("podLabels")
        clusters = [service["cluster"]] if service.get("cluster") else names
        if service["kind"] == "logs" and written and not set(clusters) <= provided:
            check.fail(("services", i, "podLabels"), f"'{service['name']}' sets podLabels, but the tree installs its "
                       "Loki, whose pods carry app.kubernetes.io/name: <the host's first label>",
                       "remove podLabels (they describe a Loki the cluster provides: clusters[].provided.loki)")


LOGS_RULES = (_one_logs_service_per_cluster, _provided_loki_needs_a_logs_service, _no_team_is_the_platform_tenant,
              _pod_labels_only_for_a_provided_loki, _store_only_for_the_trees_loki)
