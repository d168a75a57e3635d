"""NetworkPolicies for one team namespace, derived from the environment's modes.

Every namespace starts from a default-deny policy (in the team's base); this
module adds the explicit allows each mode needs and nothing more:
  internal  DNS, the same namespace, declared shared services, monitoring scrapes
  subnet    the environment's segment CIDR, plus DNS
  none      nothing (an explicit policy documents the isolation)
  host      nothing: hostNetwork pods are never selected by NetworkPolicies
Pods are matched by their network-mode label, so classes in different modes
can share a namespace without sharing allows.
"""

from __future__ import annotations

from mlopsgen.render.labels import NETWORK_MODE
from mlopsgen.spec.model import WORKLOAD_CLASSES, Environment, Platform, Service

NAMESPACE_NAME = "kubernetes.io/metadata.name"
DNS_PEER = {
    "namespaceSelector": {"matchLabels": {NAMESPACE_NAME: "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
DNS_PORTS = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
# Services on another cluster are reached through the mesh's east-west gateway.
EAST_WEST_PEER = {
    "namespaceSelector": {"matchLabels": {NAMESPACE_NAME: "istio-system"}},
    "podSelector": {"matchLabels": {"istio": "eastwestgateway"}},
}
EAST_WEST_PORT = 15443
# Workloads expose Prometheus metrics here (KServe and the workflow templates agree).
SCRAPE_PORT = 8080

HOST_NOTE = (
    "Pods with hostNetwork share the node's network namespace; NetworkPolicies do not select them, "
    "so training in host mode is NOT isolated by this namespace's policies."
)


def modes_in(env: Environment) -> list[str]:
    return sorted({env.mode(c) for c in WORKLOAD_CLASSES})


def _select(mode: str) -> dict:
    return {"matchLabels": {NETWORK_MODE: mode}}


def _policy(name: str, mode: str, ingress: list | None, egress: list | None) -> dict:
    types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
    spec: dict = {"podSelector": _select(mode), "policyTypes": types}
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {"name": name, "spec": spec}


def default_deny() -> dict:
    return {"name": "default-deny-all", "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}


def _service_peer(service: Service) -> dict:
    return {
        "namespaceSelector": {"matchLabels": {NAMESPACE_NAME: service.namespace}},
        "podSelector": {"matchLabels": dict(service.pod_labels)},
    }


def _shared_service_egress(platform: Platform, cluster: str) -> list[dict]:
    rules = []
    remote = False
    for service in platform.services:
        if service.cluster in (None, cluster):
            rules.append({"to": [_service_peer(service)], "ports": [{"port": service.port, "protocol": "TCP"}]})
        else:
            remote = True
    if remote:
        rules.append({"to": [EAST_WEST_PEER], "ports": [{"port": EAST_WEST_PORT, "protocol": "TCP"}]})
    return rules


def _internal(platform: Platform, env: Environment) -> list[dict]:
    same_namespace = [{"podSelector": _select("internal")}]
    policies = [
        _policy("allow-internal-dns", "internal", None, [{"to": [DNS_PEER], "ports": DNS_PORTS}]),
        _policy("allow-internal-same-namespace", "internal", [{"from": same_namespace}], [{"to": same_namespace}]),
    ]
    egress = _shared_service_egress(platform, env.cluster)
    if egress:
        policies.append(_policy("allow-internal-shared-services", "internal", None, egress))
    scrapers = [
        _service_peer(s) for s in platform.services if s.kind == "monitoring" and s.cluster in (None, env.cluster)
    ]
    if scrapers:
        ports = [{"port": SCRAPE_PORT, "protocol": "TCP"}]
        policies.append(_policy("allow-monitoring-scrape", "internal", [{"from": scrapers, "ports": ports}], None))
    return policies


def _subnet(env: Environment) -> list[dict]:
    segment = [{"ipBlock": {"cidr": env.segment.cidr}}]
    return [
        _policy("allow-subnet-segment", "subnet", [{"from": segment}], [{"to": segment}]),
        _policy("allow-subnet-dns", "subnet", None, [{"to": [DNS_PEER], "ports": DNS_PORTS}]),
    ]


def _none() -> list[dict]:
    # Redundant with default-deny-all, on purpose: it names the intent, and it
    # keeps `none` pods isolated even if someone loosens the namespace default.
    return [_policy("isolate-none", "none", [], [])]


def namespace_policies(platform: Platform, env: Environment) -> list[dict]:
    """The allow policies of one team namespace in `env`, in a stable order."""
    policies: list[dict] = []
    modes = modes_in(env)
    if "internal" in modes:
        policies += _internal(platform, env)
    if "subnet" in modes:
        policies += _subnet(env)
    if "none" in modes:
        policies += _none()
    return policies
