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

from mlopsgen.render.labels import MODEL, NETWORK_MODE
from mlopsgen.platform.model import WORKLOAD_CLASSES, Environment, Model, Platform, Service, Team

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
# Prometheus scrapes the Istio agent's merged metrics (app + proxy) here; it sits
# outside mTLS, so scrapes need no mesh identity.
SCRAPE_PORT = 15020
ISTIOD_PEER = {
    "namespaceSelector": {"matchLabels": {NAMESPACE_NAME: "istio-system"}},
    "podSelector": {"matchLabels": {"app": "istiod"}},
}
ISTIOD_PORT = 15012  # xDS and certificates for the sidecars of internal pods
INGRESS_GATEWAY_PEER = {
    "namespaceSelector": {"matchLabels": {NAMESPACE_NAME: "istio-system"}},
    "podSelector": {"matchLabels": {"istio": "ingressgateway"}},
}
SERVING_PORTS = {"kserve": 8080, "seldon": 8000}  # where each runtime's pods take requests

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
        _policy("allow-internal-mesh", "internal", None,
                [{"to": [ISTIOD_PEER], "ports": [{"port": ISTIOD_PORT, "protocol": "TCP"}]}]),
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


def serving_port(model: Model) -> int:
    return SERVING_PORTS[model.runtime]


def _ports(models: list[Model]) -> list[dict]:
    return [{"port": p, "protocol": "TCP"} for p in sorted({serving_port(m) for m in models})]


def _model_selector(names: list[str]) -> dict:
    return {"matchExpressions": [{"key": MODEL, "operator": "In", "values": sorted(names)}]}


def _serving(platform: Platform, team: Team, env: Environment) -> list[dict]:
    """Ingress to the team's models (gateway, declared callers) and egress to models it may call."""
    policies = []
    own = [m for m in platform.models if m.team == team.name and env.name in m.environments]
    exposed = [m for m in own if m.exposure]
    if exposed:
        policies.append({"name": "allow-ingress-gateway", "spec": {
            "podSelector": _model_selector([m.name for m in exposed]), "policyTypes": ["Ingress"],
            "ingress": [{"from": [INGRESS_GATEWAY_PEER], "ports": _ports(exposed)}]}})
    for model in own:
        callers = [platform.team(c) for c in model.callers if env.name in platform.team(c).quotas]
        if callers:
            peers = [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME: c.namespace(env.name)}},
                      "podSelector": _select("internal")} for c in callers]
            policies.append({"name": f"allow-callers-{model.name}", "spec": {
                "podSelector": _model_selector([model.name]), "policyTypes": ["Ingress"],
                "ingress": [{"from": peers, "ports": _ports([model])}]}})
    callees = [m for m in platform.models if team.name in m.callers and env.name in m.environments]
    if callees:
        rules = [{"to": [{"namespaceSelector": {"matchLabels": {
                    NAMESPACE_NAME: platform.team(m.team).namespace(env.name)}},
                  "podSelector": _model_selector([m.name])}], "ports": _ports([m])} for m in callees]
        policies.append(_policy("allow-call-models", "internal", None, rules))
    return policies


def namespace_policies(platform: Platform, team: Team, env: Environment) -> list[dict]:
    """The allow policies of one team namespace in `env`, in a stable order."""
    policies: list[dict] = []
    modes = modes_in(env)
    if "internal" in modes:
        policies += _internal(platform, env) + _serving(platform, team, env)
    if "subnet" in modes:
        policies += _subnet(env)
    if "none" in modes:
        policies += _none()
    return policies
