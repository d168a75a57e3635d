"""A small NetworkPolicy evaluator (Kubernetes semantics) for connectivity tests.

Endpoints are pods (namespace + labels) or external addresses. A connection is
allowed when the source's egress and the destination's ingress both allow it;
a side no policy selects (for that direction) allows everything. Pods never
match ipBlock peers, as with most CNIs' treatment of cluster pod traffic.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Endpoint:
    name: str
    namespace: str | None = None  # None: an address outside the cluster
    labels: dict = field(default_factory=dict, hash=False, compare=False)
    ip: str | None = None


def selects(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


class Cluster:
    def __init__(self, policies: list[dict], namespaces: dict[str, dict]):
        self.policies = policies
        self.namespace_labels = namespaces

    def _peer_matches(self, peer: dict, other: Endpoint, policy_ns: str) -> bool:
        if "ipBlock" in peer:
            if other.namespace is not None or other.ip is None:
                return False
            block = peer["ipBlock"]
            address = ipaddress.ip_address(other.ip)
            return address in ipaddress.ip_network(block["cidr"]) and not any(
                address in ipaddress.ip_network(e) for e in block.get("except", [])
            )
        if other.namespace is None:
            return False
        if "namespaceSelector" in peer:
            if not selects(peer["namespaceSelector"], self.namespace_labels.get(other.namespace, {})):
                return False
        elif other.namespace != policy_ns:
            return False
        return selects(peer.get("podSelector"), other.labels)

    @staticmethod
    def _port_matches(ports: list | None, protocol: str, port: int) -> bool:
        if not ports:
            return True
        return any(p.get("protocol", "TCP") == protocol and p.get("port") in (None, port) for p in ports)

    def _direction_allows(self, pod: Endpoint, other: Endpoint, direction: str, protocol: str, port: int) -> bool:
        if pod.namespace is None:
            return True  # outside the cluster: no policies apply
        key, peer_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        isolated = False
        for policy in self.policies:
            ns = policy["metadata"]["namespace"]
            spec = policy["spec"]
            if ns != pod.namespace or not selects(spec.get("podSelector") or {}, pod.labels):
                continue
            types = spec.get("policyTypes") or (["Ingress", "Egress"] if "egress" in spec else ["Ingress"])
            if direction not in types:
                continue
            isolated = True
            for rule in spec.get(key) or []:
                peers = rule.get(peer_key)
                # the port of the rule applies to the destination side
                if not self._port_matches(rule.get("ports"), protocol, port):
                    continue
                if not peers or any(self._peer_matches(p, other, ns) for p in peers):
                    return True
        return not isolated

    def allowed(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> bool:
        return self._direction_allows(src, dst, "Egress", protocol, port) and self._direction_allows(
            dst, src, "Ingress", protocol, port
        )
