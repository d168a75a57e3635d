"""NetworkPolicy evaluation (networking.k8s.io/v1), as Kubernetes defines it.

- A pod is isolated for a direction once any policy selecting it lists that
  direction in policyTypes (absent policyTypes: Ingress, plus Egress when the
  policy has egress rules). A pod no policy isolates allows everything.
- A connection needs the source's egress AND the destination's ingress; the
  allows of all policies selecting a pod add up (no order, no deny rules).
- Peers: podSelector alone means the policy's namespace; namespaceSelector
  alone, every pod of the matching namespaces; both, their intersection;
  ipBlock matches addresses in `cidr` outside `except`. Pod addresses are only
  known where a Calico IPPool assigns them (Calico matches ipBlocks against pod
  IPs); elsewhere pods match no ipBlock, as upstream intends ipBlock for
  cluster-external addresses.
- hostNetwork pods are outside NetworkPolicy: no policy selects them, and as
  peers they carry the node's address, so no pod or namespace selector matches them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from mlopsgen.kube.netpol import DIRECTIONS, isolates
from mlopsgen.kube.selectors import selects
from mlopsgen.verify import ports as P
from mlopsgen.verify.endpoints import Endpoint
from mlopsgen.verify.tree import Obj


@lru_cache(maxsize=4096)
def _network(cidr: str):
    return ipaddress.ip_network(cidr, strict=False)


@lru_cache(maxsize=65536)
def _address(address: str):
    return ipaddress.ip_address(address)


def in_block(address: str | None, block: dict) -> bool:
    if address is None:
        return False
    ip = _address(address)
    try:
        network = _network(str(block.get("cidr")))
    except ValueError:
        return False
    if ip.version != network.version or ip not in network:
        return False
    return not any(ip in _network(str(e)) for e in block.get("except") or [] if _network(str(e)).version == ip.version)


@dataclass(frozen=True)
class RuleRef:
    """One rule of one policy, for explanations: the object and the path of the rule."""

    policy: Obj
    direction: str
    index: int

    @property
    def path(self) -> tuple:
        return ("spec", DIRECTIONS[self.direction][0], self.index)

    def __str__(self) -> str:
        return f"NetworkPolicy {self.policy.namespace}/{self.policy.name} {DIRECTIONS[self.direction][0]}[{self.index}]"


class NetworkPolicies:
    """The NetworkPolicies of one cluster, indexed by namespace."""

    def __init__(self, policies: list[Obj], namespace_labels: Callable[[str], dict]):
        self.by_namespace: dict[str, list[Obj]] = {}
        for p in policies:
            self.by_namespace.setdefault(p.namespace or "default", []).append(p)
        self.namespace_labels = namespace_labels
        self._selecting: dict[tuple[str, str], list[Obj]] = {}

    def selecting(self, pod: Endpoint, direction: str) -> list[Obj]:
        """Policies that isolate `pod` for `direction`."""
        if pod.namespace is None or pod.host_network:
            return []
        key = (pod.id, direction)
        if key not in self._selecting:
            self._selecting[key] = [p for p in self.by_namespace.get(pod.namespace, [])
                                    if isolates(p.spec, pod.labels, direction)]
        return self._selecting[key]

    def peer_matches(self, peer: dict, other: Endpoint, policy_namespace: str) -> bool:
        if "ipBlock" in peer:
            return in_block(other.address, peer["ipBlock"])
        if other.namespace is None or other.host_network:
            return False
        if "namespaceSelector" in peer:
            if not selects(peer["namespaceSelector"], self.namespace_labels(other.namespace)):
                return False
        elif other.namespace != policy_namespace:
            return False
        return selects(peer.get("podSelector"), other.labels)

    def side(self, pod: Endpoint, other: Endpoint, direction: str, dst: Endpoint) -> tuple[P.PortSet, list[RuleRef], list[Obj]]:
        """Ports `pod` admits for `other` in `direction`: the set, the rules that admit, the isolating policies."""
        isolating = self.selecting(pod, direction)
        if not isolating:
            return P.ALL, [], []
        key, peer_key = DIRECTIONS[direction]
        admitted: P.PortSet = P.NONE
        rules: list[RuleRef] = []
        for policy in isolating:
            for i, rule in enumerate(policy.spec.get(key) or []):
                peers = rule.get(peer_key)
                if peers and not any(self.peer_matches(peer, other, policy.namespace or "default") for peer in peers):
                    continue
                ports = P.rule_ports(rule.get("ports"), dst.ports)
                if ports:
                    admitted = P.union(admitted, ports)
                    rules.append(RuleRef(policy, direction, i))
        return admitted, rules, isolating

    def connection(self, src: Endpoint, dst: Endpoint) -> P.PortSet:
        egress, _, _ = self.side(src, dst, "Egress", dst)
        if not egress:
            return P.NONE
        ingress, _, _ = self.side(dst, src, "Ingress", dst)
        return P.intersect(egress, ingress)

    def egress_may_reach(self, src: Endpoint) -> tuple[bool, list[dict], list[str]]:
        """For candidate search: (unrestricted?, ipBlocks, namespaces named by selectors or None for any)."""
        isolating = self.selecting(src, "Egress")
        if not isolating:
            return True, [], []
        blocks: list[dict] = []
        namespaces: list[str] = []
        for policy in isolating:
            for rule in policy.spec.get("egress") or []:
                peers = rule.get("to")
                if not peers:
                    return True, [], []
                for peer in peers:
                    if "ipBlock" in peer:
                        blocks.append(peer["ipBlock"])
                    elif "namespaceSelector" in peer:
                        names = (peer["namespaceSelector"].get("matchLabels") or {})
                        exprs = peer["namespaceSelector"].get("matchExpressions")
                        from mlopsgen.catalog.conventions import NAMESPACE_NAME

                        if NAMESPACE_NAME in names and not exprs:
                            namespaces.append(str(names[NAMESPACE_NAME]))
                        else:
                            namespaces.append("*")
                    else:
                        namespaces.append(policy.namespace or "default")
        return False, blocks, namespaces
