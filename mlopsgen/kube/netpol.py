"""NetworkPolicy (networking.k8s.io/v1) as the API server stores it and the network plugins apply it:
the one home of these semantics, for lint's rules and verify's evaluator alike.

- `policyTypes`: when absent or empty the API server defaults it on admission to `[Ingress]`, plus
  `Egress` when the policy has egress rules (pkg/apis/networking/v1/defaults.go,
  SetDefaults_NetworkPolicy: `len(obj.Spec.PolicyTypes) == 0`, then `len(obj.Spec.Egress) != 0`), so
  `egress: []` adds nothing.
- `podSelector` is a LabelSelector value, not a pointer (api/networking/v1 NetworkPolicySpec): absent,
  `{}`, `{matchLabels: {}}` and `{matchExpressions: []}` are the same empty selector, which selects
  every pod of the policy's namespace.
- A policy isolates the pods it selects in each direction it lists; a rule with neither peers nor
  ports (`{}`) allows every source or destination on every port.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from mlopsgen.kube import ports as P
from mlopsgen.kube.selectors import selects

if TYPE_CHECKING:
    from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

DIRECTIONS = {"Ingress": ("ingress", "from"), "Egress": ("egress", "to")}


def policy_types(spec: dict[str, Any]) -> list[str]:
    """The policyTypes the API server stores for this spec."""
    types = spec.get("policyTypes")
    if isinstance(types, list) and types:
        return [str(t) for t in types]
    egress = spec.get("egress")
    return ["Ingress", "Egress"] if isinstance(egress, list) and egress else ["Ingress"]


def pod_selector(spec: dict[str, Any]) -> Any:
    """The policy's podSelector; absent or null is the empty selector."""
    selector = spec.get("podSelector")
    return {} if selector is None else selector


def is_empty_selector(selector: Any) -> bool:
    """A selector with no requirement at all: it selects everything."""
    return isinstance(selector, dict) and not selector.get("matchLabels") and not selector.get("matchExpressions")


def selects_every_pod(spec: dict[str, Any]) -> bool:
    return is_empty_selector(pod_selector(spec))


def applies_to(spec: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether the policy selects a pod with these labels (in its own namespace)."""
    return selects(pod_selector(spec), labels)


def isolates(spec: dict[str, Any], labels: dict[str, str], direction: str) -> bool:
    """Whether the policy isolates such a pod for `direction` (Ingress or Egress)."""
    return direction in policy_types(spec) and applies_to(spec, labels)


def rules(spec: dict[str, Any], direction: str) -> list[dict[str, Any]]:
    """The rules of one direction, as written (entries that are not mappings are not rules)."""
    found = spec.get(DIRECTIONS[direction][0])
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def allows_everything(rule: dict[str, Any], direction: str) -> bool:
    """A rule with no peers and no ports: every peer, every port."""
    return not rule.get(DIRECTIONS[direction][1]) and not rule.get("ports")


def denies_by_default(spec: dict[str, Any]) -> set[str]:
    """Directions in which the policy isolates every pod of its namespace and allows not everything:
    what it does not allow explicitly is denied."""
    if not selects_every_pod(spec):
        return set()
    return {d for d in policy_types(spec) if d in DIRECTIONS and not any(allows_everything(r, d) for r in rules(spec, d))}


# --- the evaluator: which connections the policies of a cluster allow ----------------------------------
# A pod is isolated for a direction once any policy selecting it lists that direction; a connection needs
# the source's egress AND the destination's ingress, the allows of every selecting policy adding up. Peers:
# podSelector alone means the policy's namespace, namespaceSelector alone every pod of the matching
# namespaces, both their intersection; ipBlock matches addresses in `cidr` outside `except`. Pod addresses
# are known only where a Calico IPPool assigns them (Calico matches ipBlocks against pod IPs); elsewhere pods
# match no ipBlock, as upstream intends ipBlock for addresses outside the cluster. hostNetwork pods are
# outside NetworkPolicy: no policy selects them, and as peers they carry the node's address.


class Peer(Protocol):
    """An end of a connection: a pod, or an address outside the cluster (namespace None)."""

    id: str
    namespace: str | None
    labels: dict[str, str]
    address: str | None
    ports: list[dict[str, Any]]  # container ports: named ports resolve here
    host_network: bool


class Policy(Protocol):
    """A policy object as read from a tree (a NetworkPolicy here; Istio's extend it)."""

    @property
    def name(self) -> str: ...
    @property
    def namespace(self) -> str | None: ...
    @property
    def spec(self) -> dict[str, Any]: ...
    def locate(self, *path: Any) -> Any: ...


@lru_cache(maxsize=4096)
def _network(cidr: str) -> IPv4Network | IPv6Network:
    import ipaddress  # lint's rules use this module's semantics, and never an address

    return ipaddress.ip_network(cidr, strict=False)


@lru_cache(maxsize=65536)
def _address(address: str) -> IPv4Address | IPv6Address:
    import ipaddress

    return ipaddress.ip_address(address)


def in_block(address: str | None, block: dict[str, Any]) -> bool:
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

    policy: Policy
    direction: str
    index: int

    @property
    def path(self) -> tuple[Any, ...]:
        return ("spec", DIRECTIONS[self.direction][0], self.index)

    def __str__(self) -> str:
        return f"NetworkPolicy {self.policy.namespace}/{self.policy.name} {DIRECTIONS[self.direction][0]}[{self.index}]"


class NetworkPolicies:
    """The NetworkPolicies of one cluster, indexed by namespace."""

    def __init__(self, policies: Sequence[Policy], namespace_labels: Callable[[str], dict[str, str]]):
        self.by_namespace: dict[str, list[Policy]] = {}
        for p in policies:
            self.by_namespace.setdefault(p.namespace or "default", []).append(p)
        self.namespace_labels = namespace_labels
        self._selecting: dict[tuple[str, str], list[Policy]] = {}

    def selecting(self, pod: Peer, direction: str) -> list[Policy]:
        """Policies that isolate `pod` for `direction`."""
        if pod.namespace is None or pod.host_network:
            return []
        key = (pod.id, direction)
        if key not in self._selecting:
            self._selecting[key] = [p for p in self.by_namespace.get(pod.namespace, [])
                                    if isolates(p.spec, pod.labels, direction)]
        return self._selecting[key]

    def peer_matches(self, peer: dict[str, Any], other: Peer, policy_namespace: str) -> bool:
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

    def side(self, pod: Peer, other: Peer, direction: str, dst: Peer) -> tuple[P.PortSet, list[RuleRef], list[Policy]]:
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

    def connection(self, src: Peer, dst: Peer) -> P.PortSet:
        egress, _, _ = self.side(src, dst, "Egress", dst)
        if not egress:
            return P.NONE
        ingress, _, _ = self.side(dst, src, "Ingress", dst)
        return P.intersect(egress, ingress)

    def egress_may_reach(self, src: Peer) -> tuple[bool, list[dict[str, Any]], list[str]]:
        """For candidate search: (unrestricted?, ipBlocks, namespaces named by selectors or None for any)."""
        isolating = self.selecting(src, "Egress")
        if not isolating:
            return True, [], []
        blocks: list[dict[str, Any]] = []
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
