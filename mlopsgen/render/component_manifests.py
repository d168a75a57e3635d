"""The manifests of mlopsgen's own platform components: what goes into each directory.

mesh-config    an ingress Gateway per environment with exposed models (and its certificate)
calico-config  a Calico IPPool per subnet segment (only on clusters with Calico IPAM)
kserve-config  the storage container that downloads `models:/` URIs through MLflow
mlflow-storage the tracking server's artifact volume, where the spec names no object store
platform-namespaces the namespaces of the components the tree installs, each with its Pod Security level
"""

from __future__ import annotations

from collections.abc import Callable

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Cluster, Platform
from mlopsgen.render import feature_store as FS
from mlopsgen.render import labels as L
from mlopsgen.render.admission import host_network_policies
from mlopsgen.render.component_values import ARTIFACT_CLAIM
from mlopsgen.render.installed import platform_apps
from mlopsgen.render.model_download import downloader
from mlopsgen.render.platform_network import namespace_policies
from mlopsgen.render.queue_objects import cluster_objects

Manifests = dict[str, tuple[str, dict]]  # file name -> (template, context)


def exposed_hosts(platform: Platform, environment: str) -> list[str]:
    """The external hosts bound on the environment's Gateway."""
    hosts = (m.host_in(environment) for m in platform.models if environment in m.environments)
    return sorted({h for h in hosts if h})


def _mesh_config(platform: Platform, cluster: Cluster) -> Manifests:
    gateway = cluster.ingress_gateway
    gateways: list[dict] = []
    certificates: list[dict] = []
    for env in platform.environments:
        hosts = exposed_hosts(platform, env.name)
        if env.cluster != cluster.name or not hosts:
            continue
        gateways.append({"name": C.gateway_name(env.name), "purpose": f"the exposed models of environment {env.name}", "hosts": hosts,
                         "credential": env.tls_secret, "mutual": False})
        if env.tls_issuer:
            certificates.append({"name": env.tls_secret, "purpose": f"the hosts of environment {env.name}'s Gateway", "hosts": hosts,
                                 "issuer": env.tls_issuer})
    routes = []
    for service in platform.services_for(cluster.name):
        if service.published and service.cluster == cluster.name:  # reached from other clusters through this gateway
            name = C.published_name(service.name)
            # Mutual TLS: the server certificate's Secret carries the shared CA as ca.crt (cert-manager's CA
            # issuer writes it), which Istio uses to verify client certificates (Gateway tls.mode MUTUAL).
            gateways.append({"name": name, "purpose": f"{service.name}, published to the other clusters", "hosts": [service.published.host],
                             "credential": f"{name}-tls", "mutual": True})
            certificates.append({"name": f"{name}-tls", "purpose": f"{service.published.host}, issued by the CA its clients share",
                                 "hosts": [service.published.host], "issuer": service.published.client_issuer})
            routes.append({"name": name, "gateway": f"{gateway.namespace}/{name}", "host": service.published.host,
                           "destination": service.host, "port": service.port})
    files: Manifests = {"gateways.yaml": ("mesh/gateway.yaml.j2", {
        "gateways": gateways, "namespace": gateway.namespace, "selector": dict(gateway.labels)})}
    if routes:
        files["published-routes.yaml"] = ("mesh/published-route.yaml.j2", {"routes": routes, "namespace": gateway.namespace})
    if certificates:
        # Istio reads a Gateway's credentialName from the gateway's own namespace.
        files["certificates.yaml"] = ("mesh/certificate.yaml.j2", {"certificates": certificates, "namespace": gateway.namespace})
    return files


def _calico_config(platform: Platform, cluster: Cluster) -> Manifests:
    pools = [{"name": C.ippool_name(e.name), "environment": e.name, "cidr": e.segment.cidr, "block_size": e.segment.block_size}
             for e in platform.environments if e.segment and e.cluster == cluster.name]
    return {"ippools.yaml": ("cluster/ippool.yaml.j2", {"pools": pools})}


def _kserve_config(platform: Platform, cluster: Cluster) -> Manifests:
    return {"clusterstoragecontainer.yaml": ("model/clusterstoragecontainer.yaml.j2", {
        "name": "mlflow-models", "container": downloader(platform, cluster.name), "prefixes": ["models:/"]})}


def _mlflow_storage(platform: Platform, cluster: Cluster) -> Manifests:
    tracking = next(s for s in platform.services_for(cluster.name) if s.kind == "tracking")
    assert tracking.database is not None
    return {"persistentvolumeclaim.yaml": ("cluster/artifact-volume.yaml.j2", {
        "name": ARTIFACT_CLAIM, "namespace": tracking.namespace, "size": tracking.database.artifact_volume})}


def _admission_config(platform: Platform, cluster: Cluster) -> Manifests:
    return {"validatingadmissionpolicies.yaml": ("team/objects.yaml.j2", {
        "objects": host_network_policies(platform, cluster),
        "comment": "Pod Security restricted, but for hostNetwork on the declared training pods (see each message)."})}


def platform_namespaces(platform: Platform, cluster: Cluster) -> dict[str, tuple[str, str, set[str]]]:
    """namespace -> (Pod Security level, why, components) of the charts the tree installs on the cluster: the most
    permissive level any of them needs. kube-system (the cluster's own) is left as it is, and so is a namespace
    where the tree only adds configuration (mesh-config's Gateways beside a provided ingress gateway)."""
    from mlopsgen.catalog.components import POD_SECURITY_LEVELS

    levels: dict[str, list[tuple[str, str, str]]] = {}
    for app in platform_apps(platform):
        if app.cluster == cluster.name and app.namespace != "kube-system" and app.component.chart is not None:
            level, why = app.component.pod_security
            levels.setdefault(app.namespace, []).append((level, why, app.component.name))
    out = {}
    for namespace, needs in sorted(levels.items()):
        level, why, name = max(needs, key=lambda n: POD_SECURITY_LEVELS.index(n[0]))
        out[namespace] = (level, f"{name}: {why}" if why else "", {n for _, _, n in needs})
    return out


def _platform_namespaces(platform: Platform, cluster: Cluster) -> Manifests:
    objects, policies = [], []
    for namespace, (level, why, components) in platform_namespaces(platform, cluster).items():
        policies += namespace_policies(platform, cluster, namespace, components)
        metadata: dict = {"name": namespace, "labels": {**L.common(platform), C.POD_SECURITY_ENFORCE: level,
                                                         C.POD_SECURITY_WARN: level}}
        # Removing a namespace from the tree, or the app itself, must never delete what runs in it.
        metadata["annotations"] = {C.ARGOCD_SYNC_OPTIONS: "Prune=false,Delete=false", **({C.POD_SECURITY_REASON: why} if why else {})}
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})
    for policy in policies:
        policy["metadata"]["labels"] = L.common(platform)
    return {"namespaces.yaml": ("team/objects.yaml.j2", {
        "objects": objects, "comment": "The platform's namespaces: Pod Security restricted, unless a component there needs "
                                       "less (the reason is in the annotation)."}),
            "networkpolicies.yaml": ("team/objects.yaml.j2", {
                "objects": policies, "comment": "Default deny in every platform namespace, then what its components need "
                                                "(the purpose of each is in its annotation)."})}


def _feast_operator(platform: Platform, cluster: Cluster) -> Manifests:
    policies = namespace_policies(platform, cluster, FS.OPERATOR_NAMESPACE, {"feast-operator"})
    for policy in policies:
        policy["metadata"]["labels"] = L.common(platform)
    comment = "the tree's patch to the Feast operator's release manifests, for Pod Security restricted"
    return {"kustomization.yaml": ("team/objects.yaml.j2", {"objects": [FS.operator_kustomization()],
                                                            "comment": "The Feast operator's release manifests, made restricted."}),
            "patches/restricted-namespace.yaml": ("team/json6902-patch.yaml.j2", {"operations": FS.namespace_patch(), "comments": [comment]}),
            "patches/restricted-manager.yaml": ("team/json6902-patch.yaml.j2", {"operations": FS.manager_patch(), "comments": [comment]}),
            "networkpolicies.yaml": ("team/objects.yaml.j2", {"objects": policies, "comment": "Default deny in the operator's "
                                     "namespace, then what it needs (the purpose of each is in its annotation)."})}


def _feast_stores(platform: Platform, cluster: Cluster) -> Manifests:
    return {"featurestore.yaml": ("team/objects.yaml.j2", {"objects": FS.store_objects(platform, cluster, L.common(platform)),
                                                           "comment": "The feature store, on the platform's PostgreSQL."})}


MANIFESTS: dict[str, Callable[[Platform, Cluster], Manifests]] = {
    "feast-operator": _feast_operator,
    "feast-stores": _feast_stores,
    "platform-namespaces": _platform_namespaces,
    "admission-config": _admission_config,
    "mlflow-storage": _mlflow_storage,
    "mesh-config": _mesh_config,
    "calico-config": _calico_config,
    "kserve-config": _kserve_config,
    "kueue-queues": lambda platform, cluster: {"queues.yaml": ("team/objects.yaml.j2", {
        "objects": cluster_objects(platform, cluster), "comment": "Each queued GPU pool: its flavor, its cohort, a queue per team."})},
}
