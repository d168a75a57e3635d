"""Kueue's objects for the queued GPU pools (platform/queues.py): the controller's values, the cluster's
ResourceFlavors, Cohorts and ClusterQueues (the `kueue-queues` app, after the controller and its CRDs), and each
team namespace's LocalQueues (its overlay, at the team apps' wave)."""

from __future__ import annotations

import yaml

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Cluster, Environment, Platform, Team
from mlopsgen.platform.queues import queued_pools, team_queues
from mlopsgen.render import labels as L

API_VERSION = "kueue.x-k8s.io/v1beta2"  # the version the CRDs store (v1beta1 is still served)


def managed_namespaces(platform: Platform, cluster: str) -> list[str]:
    """The team namespaces whose pods Kueue may manage: those with a LocalQueue, and no other."""
    return sorted({ns for pool in queued_pools(platform, cluster) for q in team_queues(platform, pool) for ns in q.namespaces})


def kueue_values(platform: Platform, cluster: Cluster) -> dict:
    """The controller's configuration (the chart's managerConfig.controllerManagerConfigYaml, its keys as the
    chart's default sets them): only the `pod` integration (Argo's step pods; the other frameworks' CRDs are not
    installed), only in the queued teams' namespaces (managedJobsNamespaceSelector, which the chart also gives its
    pod webhooks: system namespaces are never gated), only pods labelled with a queue
    (manageJobsWithoutQueueName false, Kueue's default) and no feature gate: Kueue creates no queue itself, the
    tree declares every one."""
    config = {
        "apiVersion": "config.kueue.x-k8s.io/v1beta2", "kind": "Configuration",
        "health": {"healthProbeBindAddress": ":8081"}, "metrics": {"bindAddress": f":{C.KUEUE_METRICS_PORT}"},
        "webhook": {"port": C.KUEUE_WEBHOOK_PORT},
        "leaderElection": {"leaderElect": True, "resourceName": "c1f6bfd2.kueue.x-k8s.io"},
        "manageJobsWithoutQueueName": False,
        "managedJobsNamespaceSelector": {"matchExpressions": [
            {"key": C.NAMESPACE_NAME, "operator": "In", "values": managed_namespaces(platform, cluster.name)}]},
        "integrations": {"frameworks": ["pod"]},
    }
    values: dict = {"managerConfig": {"controllerManagerConfigYaml": yaml.safe_dump(config, sort_keys=False)}}
    monitoring = next((s for s in platform.services_for(cluster.name) if s.kind == "monitoring"), None)
    if monitoring or cluster.provides("prometheus"):  # its ServiceMonitor; the chart's Role for Prometheus there
        values["enablePrometheus"] = True
        if monitoring:
            values["metrics"] = {"prometheusNamespace": monitoring.namespace}
    return values


def cluster_objects(platform: Platform, cluster: Cluster) -> list[dict]:
    """Per queued pool: its ResourceFlavor (the pool's node labels, and tolerations of its taints that Kueue adds
    to what it admits), its Cohort and a ClusterQueue per team."""
    labels = L.common(platform)
    objects: list[dict] = []
    for pool in queued_pools(platform, cluster.name):
        objects.append({"apiVersion": API_VERSION, "kind": "ResourceFlavor", "metadata": {"name": pool.name, "labels": labels},
                        "spec": {"nodeLabels": dict(pool.node_labels), "tolerations": [L.toleration(t) for t in pool.taints]}})
        objects.append({"apiVersion": API_VERSION, "kind": "Cohort", "metadata": {"name": pool.name, "labels": labels}, "spec": {}})
        for queue in team_queues(platform, pool):
            objects.append({"apiVersion": API_VERSION, "kind": "ClusterQueue",
                            "metadata": {"name": queue.name, "labels": {**labels, C.TEAM: queue.team}}, "spec": {
                                "cohortName": pool.name, "queueingStrategy": "BestEffortFIFO",
                                "namespaceSelector": {"matchExpressions": [
                                    {"key": C.NAMESPACE_NAME, "operator": "In", "values": list(queue.namespaces)}]},
                                "resourceGroups": [{"coveredResources": ["cpu", "memory", "nvidia.com/gpu"],
                                                    "flavors": [{"name": pool.name, "resources": queue.resources()}]}]}})
    return objects


def local_queues(platform: Platform, team: Team, env: Environment) -> list[dict]:
    """A LocalQueue named after each queued pool of the team on the environment's cluster, feeding its ClusterQueue."""
    namespace = team.namespace(env.name)
    return [{"apiVersion": API_VERSION, "kind": "LocalQueue",
             "metadata": {"name": pool.name, "namespace": namespace, "labels": L.common(platform, team.name, env.name)},
             "spec": {"clusterQueue": queue.name}}
            for pool in queued_pools(platform, env.cluster) for queue in team_queues(platform, pool)
            if queue.team == team.name and namespace in queue.namespaces]
