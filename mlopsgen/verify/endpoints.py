"""Endpoints of flows: the pods of the tree, the platform's own pods, and addresses outside.

An endpoint is what a NetworkPolicy or an AuthorizationPolicy can tell apart:
namespace and labels, an address (external endpoints; pods with an address
from a Calico IPPool), its named ports, and its mesh identity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsgen.catalog import conventions as C
from mlopsgen.verify.podspec import Pod

PUBLIC_PROBE = "8.8.8.8"  # stands for the internet: any public address
API_SERVER_UNDECLARED = "192.0.2.10"  # TEST-NET-1: the control plane, when the spec declares no address


@dataclass
class Endpoint:
    id: str
    cluster: str
    role: str  # team, dns, istiod, gateway, service, apiserver, internet, external
    namespace: str | None = None  # None: outside the cluster
    labels: dict = field(default_factory=dict)
    address: str | None = None
    ports: list[dict] = field(default_factory=list)  # container ports (named ports resolve here)
    meshed: bool = False
    service_account: str = ""
    host_network: bool = False
    pod: Pod | None = None
    note: str = ""
    trust_domain: str = C.DEFAULT_TRUST_DOMAIN  # the mesh's, as its cluster configures it

    @property
    def principal(self) -> str | None:
        """The mTLS identity Istio gives a meshed workload: <trust domain>/ns/<namespace>/sa/<service account>."""
        if not self.meshed or self.namespace is None:
            return None
        return f"{self.trust_domain}/ns/{self.namespace}/sa/{self.service_account or 'default'}"

    @property
    def label(self) -> str:
        return self.id.split("@", 1)[0]


def pod_endpoint(pod: Pod) -> Endpoint:
    ports = [p for c in pod.containers for p in c.ports]
    return Endpoint(f"{pod.id}@{pod.cluster}", pod.cluster, "team", pod.namespace, dict(pod.labels), pod.address, ports,
                    pod.meshed, pod.service_account, pod.host_network, pod)


def peer_endpoint(cluster: str, role: str, name: str, peer: dict, **extra) -> Endpoint:
    """A platform pod described by a NetworkPolicy peer of the catalog (namespace + pod labels)."""
    namespace = peer["namespaceSelector"]["matchLabels"][C.NAMESPACE_NAME]
    labels = dict(peer["podSelector"]["matchLabels"])
    return Endpoint(f"{namespace}/{name}@{cluster}", cluster, role, namespace, labels, **extra)


def external_endpoint(cluster: str, role: str, name: str, address: str, note: str = "") -> Endpoint:
    return Endpoint(f"{name}@{cluster}", cluster, role, None, {}, address, note=note)


UNLABELLED = "unlabelled-pod"


def unlabelled_endpoint(cluster: str, namespace: str) -> Endpoint:
    """Any pod a team member creates without mlopsgen's labels: only the namespace's default deny holds it."""
    return Endpoint(f"{namespace}/{UNLABELLED}@{cluster}", cluster, "team", namespace, {}, note="a pod without mlopsgen's labels")
