"""A feature store the tree installs is the Feast operator's: clients dial the Service the operator creates."""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.checker import Checker


def _feast_online_service(check: Checker) -> None:
    """A featureStore's host is the Feast operator's online Service, feast-<name>-online in its namespace, on port
    80: the operator creates that Service for the FeatureStore named after the service (port 80 to the feature
    server's 6566), so any other name or port reaches nothing."""
    for i, service in enumerate(check.data["services"]):
        if service["kind"] != "featureStore":
            continue
        name, namespace = service["host"].split(".")[:2]
        expected = C.feast_online_service(service["name"])
        if name != expected:
            check.fail(("services", i, "host"), f"feature store '{service['name']}' is served by Service {expected}, not {name}",
                       f"write host: {expected}.{namespace}.svc.cluster.local (the Feast operator names it after the store)")
        if service["port"] != C.FEAST_ONLINE_SERVICE_PORT:
            check.fail(("services", i, "port"), f"Feast's online Service listens on port {C.FEAST_ONLINE_SERVICE_PORT}, "
                                                f"not {service['port']}",
                       f"write port: {C.FEAST_ONLINE_SERVICE_PORT} ({C.FEAST_ONLINE_POD_PORT} is the feature server's "
                       "container port, behind the Service)")


def _one_per_cluster(check: Checker) -> None:
    """One feature store per cluster: its clients are given one FEAST_FEATURE_SERVER_URL, and a second would be
    installed beside the first unreached. One without a cluster runs on every cluster, so it is the only one."""
    first: dict[str | None, str] = {}
    for i, service in enumerate(check.data["services"]):
        if service["kind"] != "featureStore":
            continue
        cluster = service.get("cluster")
        clash = next((name for where, name in first.items() if None in (where, cluster) or where == cluster), None)
        if clash is not None:
            check.fail(("services", i, "name"), f"feature store '{service['name']}' would run beside '{clash}'"
                                                + (f" on cluster {cluster}" if cluster else " on every cluster"),
                       "declare one feature store per cluster (Feast keeps many projects' features in one)")
        first.setdefault(cluster, service["name"])


FEATURE_STORE_RULES = (_feast_online_service, _one_per_cluster)
