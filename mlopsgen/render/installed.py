"""Which platform components the tree installs on each cluster, in which namespace: what its environments
need (catalog/components.py), except what the spec says the cluster already provides."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mlopsgen.catalog.components import COMPONENTS, Component
from mlopsgen.catalog.modes import MODES
from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.platform.loop_events import runs_events
from mlopsgen.platform.model import Cluster, Platform
from mlopsgen.platform.queues import queued_pools, team_queues
from mlopsgen.render import labels as L

# Families a cluster may declare under `provided`, and the components each stands for.
FAMILIES = {
    "istio": ("istio-base", "istiod", "istio-cni", "istio-ingressgateway"),
    "certManager": ("cert-manager",),
    "kserve": ("kserve-crd", "kserve", "kserve-runtimes"),
    "seldon": ("seldon-core-operator",),
    "prometheus": ("kube-prometheus-stack",),
    "gpuDevicePlugin": ("nvidia-device-plugin",),
    "dcgmExporter": ("dcgm-exporter",),
    "loki": ("loki",),
    "postgresOperator": ("cloudnative-pg",),
}


@dataclass(frozen=True)
class PlatformApp:
    component: Component
    cluster: str
    namespace: str  # the Application's destination namespace

    @property
    def name(self) -> str:
        return self.component.name

    @property
    def path(self) -> str:
        """The values file of a chart component, the manifest directory otherwise."""
        if self.component.chart:
            return f"platform/{self.cluster}/values/{self.name}.yaml"
        return f"platform/{self.cluster}/manifests/{self.name}"


@lru_cache(maxsize=64)
def needed_components(platform: Platform, cluster: Cluster) -> frozenset[str]:
    """What the cluster's environments need, whoever installs it. Asked for every team environment of the cluster,
    and read off every model: kept per (platform, cluster), both unchanging and hashed by identity."""
    envs = [e for e in platform.environments if e.cluster == cluster.name]
    if not envs:
        return frozenset()
    names = {e.name for e in envs}
    models = [m for m in platform.models if names & set(m.environments)]
    runtimes = {m.runtime for m in models}
    services = {s.kind for s in platform.services_for(cluster.name)}
    needed = {"platform-namespaces", "istio-base", "istiod", "istio-cni", "argo-workflows"}
    published = any(s.published and s.cluster == cluster.name for s in platform.services)
    if published or any(m.exposure for m in models):
        needed |= {"istio-ingressgateway", "mesh-config"}
        if published or any(e.tls_issuer for e in envs):
            needed.add("cert-manager")
    if L.remote_tracking(platform, cluster.name):  # its workloads present a client certificate
        needed.add("cert-manager")
    for runtime in runtimes:  # each runtime names the components that serve it
        needed |= set(RUNTIMES[runtime].components)
    if "monitoring" in services:
        needed.add("kube-prometheus-stack")
    tracking = next((s for s in platform.services_for(cluster.name) if s.kind == "tracking"), None)
    if tracking:
        needed |= {"mlflow", "mlflow-db", "cloudnative-pg"}
        if tracking.artifact_store is None:
            needed.add("mlflow-storage")
    if "featureStore" in services:
        needed |= {"feast-operator", "feast-db", "feast-stores", "cloudnative-pg"}
    if any(p.cluster == cluster.name for p in platform.gpu_pools):
        needed.add("nvidia-device-plugin")
        if "monitoring" in services or cluster.provides("prometheus"):  # something scrapes the GPUs' metrics
            needed.add("dcgm-exporter")
    if any(runs_events(platform, t.name, e) for t in platform.teams for e in names):
        needed.add("argo-events")  # an alert starts retraining, or a promotion rolls a model out, here
    if "logs" in services:
        needed |= {"loki", "alloy"}
    if any(team_queues(platform, p) for p in queued_pools(platform, cluster.name)):  # a team queues there
        needed |= {"kueue", "kueue-queues"}
    if any(MODES[m].host_network for e in envs for m in e.modes.values()):
        needed.add("admission-config")
    if cluster.calico_ipam and any(e.segment for e in envs):
        needed.add("calico-config")
    return frozenset(needed)


def provided_components(cluster: Cluster) -> set[str]:
    return {name for family in cluster.provided for name in FAMILIES[family]}


def platform_apps(platform: Platform) -> list[PlatformApp]:
    apps = []
    for cluster in platform.clusters:
        installed = needed_components(platform, cluster) - provided_components(cluster)
        for component in COMPONENTS.values():  # registry order: stable output
            if component.name in installed:
                namespace = cluster.ingress_gateway.namespace if component.name == "mesh-config" else component.namespace
                service = next((s for s in platform.services_for(cluster.name) if s.kind == component.service), None)
                if service is not None:  # where the spec's clients dial it
                    namespace = service.namespace
                apps.append(PlatformApp(component, cluster.name, namespace))
    return apps
