"""NetworkPolicy and Istio semantics, rule by rule, on hand-written policies."""

from __future__ import annotations

from pathlib import Path

from mlopsgen.catalog.conventions import NAMESPACE_NAME
from mlopsgen.kube import ports as P
from mlopsgen.kube.istio import MeshPolicies
from mlopsgen.kube.manifest import ManifestFile
from mlopsgen.kube.netpol import NetworkPolicies
from mlopsgen.verify.endpoints import Endpoint
from mlopsgen.verify.tree import Obj


def _obj(kind: str, namespace: str, spec: dict, name: str = "p") -> Obj:
    group = "networking.k8s.io/v1" if kind == "NetworkPolicy" else "security.istio.io/v1"
    doc = {"apiVersion": group, "kind": kind, "metadata": {"name": name, "namespace": namespace}, "spec": spec}
    return Obj(doc, ManifestFile(Path("p.yaml"), "p.yaml", "", [doc]), 0)


def _netpol(*specs: dict, namespace: str = "a") -> NetworkPolicies:
    return NetworkPolicies([_obj("NetworkPolicy", namespace, s, f"p{i}") for i, s in enumerate(specs)],
                           lambda ns: {NAMESPACE_NAME: ns, "team": ns[0]})


WEB = [{"name": "web", "containerPort": 8080, "protocol": "TCP"}]
A = Endpoint("a/x", "c", "team", "a", {"app": "x"}, ports=WEB)
B = Endpoint("b/y", "c", "team", "b", {"app": "y"}, ports=WEB)
OUT = Endpoint("out", "c", "external", None, address="10.1.2.3")


def test_policy_types_default_to_ingress_plus_egress_when_egress_rules_exist():
    ingress_only = _netpol({"podSelector": {}})
    assert ingress_only.selecting(A, "Ingress") and not ingress_only.selecting(A, "Egress")
    both = _netpol({"podSelector": {}, "egress": [{"to": [{"podSelector": {}}]}]})
    assert both.selecting(A, "Egress") and both.connection(A, B) == P.NONE


def test_named_ports_resolve_on_the_destination_and_end_port_makes_a_range():
    netpol = _netpol({"podSelector": {}, "policyTypes": ["Ingress"],
                      "ingress": [{"ports": [{"port": "web"}, {"port": 9000, "endPort": 9005}]}]})
    allowed = netpol.connection(B, A)
    assert P.contains(allowed, "TCP", 8080) and P.contains(allowed, "TCP", 9005)
    assert not P.contains(allowed, "TCP", 9006) and not P.contains(allowed, "UDP", 8080)
    assert not P.contains(netpol.connection(B, Endpoint("a/z", "c", "team", "a", {}, ports=[])), "TCP", 8080)


def test_ip_block_except_and_pods_without_addresses():
    netpol = _netpol({"podSelector": {}, "policyTypes": ["Egress"],
                      "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}]})
    assert netpol.connection(A, OUT) == P.NONE
    assert netpol.connection(A, Endpoint("in", "c", "external", None, address="10.2.0.1")) == P.ALL
    assert netpol.connection(A, B) == P.NONE  # a pod without a known address matches no ipBlock
    calico_pod = Endpoint("b/w", "c", "team", "b", {}, address="10.2.0.9")
    assert netpol.connection(A, calico_pod) == P.ALL  # Calico matches ipBlocks against pod addresses


def test_selectors_with_expressions_and_namespace_selectors():
    netpol = _netpol({"podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["z"]}]},
                      "policyTypes": ["Ingress"],
                      "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "b"}},
                                             "podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]}}]}]})
    assert netpol.connection(B, A) == P.ALL
    assert netpol.connection(Endpoint("b/n", "c", "team", "b", {}), A) == P.NONE
    assert netpol.connection(Endpoint("c/n", "c", "team", "c", {"app": "q"}), A) == P.NONE


def test_host_network_pods_are_outside_network_policy():
    netpol = _netpol({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
    host = Endpoint("a/h", "c", "team", "a", {}, host_network=True)
    assert netpol.selecting(host, "Egress") == [] and netpol.connection(host, OUT) == P.ALL
    allow_all = _netpol({"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]})
    assert allow_all.connection(host, A) == P.NONE  # as a peer it carries the node's address


def _mesh(*policies: tuple[str, str, dict]) -> MeshPolicies:
    return MeshPolicies.of([_obj(kind, ns, spec, f"p{i}") for i, (kind, ns, spec) in enumerate(policies)])


MODEL = Endpoint("a/m", "c", "team", "a", {"app": "m"}, meshed=True, service_account="inference")
CALLER = Endpoint("b/c", "c", "team", "b", {}, meshed=True, service_account="caller")
PLAIN = Endpoint("b/p", "c", "team", "b", {})


def test_istio_without_policies_allows_and_allow_nothing_denies():
    assert _mesh().authorize(CALLER, MODEL, 8080).allowed
    nothing = _mesh(("AuthorizationPolicy", "a", {}))
    verdict = nothing.authorize(CALLER, MODEL, 8080)
    assert not verdict.allowed and verdict.reason == "no ALLOW rule matches"


def test_istio_deny_wins_over_allow_and_principals_match_with_wildcards():
    allow = ("AuthorizationPolicy", "a", {"rules": [{"from": [{"source": {"principals": ["cluster.local/ns/b/sa/*"]}}]}]})
    assert _mesh(allow).authorize(CALLER, MODEL, 8080).allowed
    deny = ("AuthorizationPolicy", "a", {"action": "DENY", "rules": [{"to": [{"operation": {"ports": ["8080"]}}]}]})
    assert not _mesh(allow, deny).authorize(CALLER, MODEL, 8080).allowed
    assert _mesh(allow, deny).authorize(CALLER, MODEL, 9090).allowed
    path_deny = ("AuthorizationPolicy", "a", {"action": "DENY", "rules": [{"to": [{"operation": {"paths": ["/admin"]}}]}]})
    assert _mesh(allow, path_deny).authorize(CALLER, MODEL, 8080).allowed  # denies some requests, not the flow


def test_istio_strict_mtls_rejects_plaintext_except_on_uncaptured_ports():
    strict = _mesh(("PeerAuthentication", "a", {"mtls": {"mode": "STRICT"}}))
    assert not strict.authorize(PLAIN, MODEL, 8080).allowed
    assert strict.authorize(PLAIN, MODEL, 15020).allowed
    permissive_port = _mesh(("PeerAuthentication", "a", {"mtls": {"mode": "STRICT"}}),
                            ("PeerAuthentication", "a", {"selector": {"matchLabels": {"app": "m"}}, "mtls": {"mode": "STRICT"},
                                                         "portLevelMtls": {8080: {"mode": "PERMISSIVE"}}}))
    assert permissive_port.authorize(PLAIN, MODEL, 8080).allowed


def test_istio_namespaces_come_from_the_peer_certificate():
    allow = ("AuthorizationPolicy", "a", {"rules": [{"from": [{"source": {"namespaces": ["b"]}}]}]})
    assert _mesh(allow).authorize(CALLER, MODEL, 8080).allowed
    assert not _mesh(allow).authorize(PLAIN, MODEL, 8080).allowed  # no sidecar, no certificate


def test_port_set_algebra():
    a = frozenset({("TCP", 1, 100)})
    assert P.subtract(a, P.single("TCP", 50)) == frozenset({("TCP", 1, 49), ("TCP", 51, 100)})
    assert P.intersect(a, frozenset({("TCP", 90, 200), ("UDP", 1, 5)})) == frozenset({("TCP", 90, 100)})
    assert P.describe(P.ALL) == "all ports" and P.describe(P.single("UDP", 53)) == "UDP 53"
