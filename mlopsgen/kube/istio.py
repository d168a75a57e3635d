"""Istio authorization at the destination's sidecar (security.istio.io/v1), as Istio defines it.

- PeerAuthentication: the workload-level policy (selector) wins over the
  namespace's, which wins over the mesh-wide one in the root namespace; a
  `portLevelMtls` entry wins for its port. STRICT rejects plaintext, so a
  source without a sidecar cannot reach the port.
- AuthorizationPolicy, evaluated CUSTOM, then DENY, then ALLOW: a matching
  DENY denies; with no ALLOW policy for the workload the request is allowed;
  otherwise it must match an ALLOW policy (`spec: {}` is allow-nothing).
  Policies in the root namespace apply mesh-wide; a policy without selector
  applies to its whole namespace.
- `principals` and `namespaces` come from the peer's mTLS certificate;
  `requestPrincipals` (`<iss>/<sub>`) from a JWT a RequestAuthentication on the
  destination validated: a rule on them admits only requests carrying one.
- HTTP-level fields (hosts, paths, methods) and `when` make a rule admit some
  requests of a flow: an ALLOW with them allows the flow for those requests,
  a DENY with them does not deny the whole flow.
- Ports the sidecar does not capture (the agent's 15020, 15021, Envoy's
  15090) bypass it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mlopsgen.catalog import conventions as C
from mlopsgen.kube.netpol import Policy, in_block
from mlopsgen.kube.selectors import selects


class MeshPeer(Protocol):
    """An end of a request: a workload (meshed or not), or an address outside the cluster."""

    namespace: str | None
    labels: dict[str, str]
    address: str | None
    meshed: bool

    @property
    def principal(self) -> str | None: ...


class MeshPolicy(Policy, Protocol):
    """An Istio security object as read from a tree: a policy object (kube/netpol.py) of a kind and group."""

    @property
    def kind(self) -> str: ...
    @property
    def group(self) -> str: ...

ROOT_NAMESPACE = C.MESH_NAMESPACE
UNCAPTURED_PORTS = frozenset({15020, 15021, 15090})
HTTP_FIELDS = ("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths")


def wildcard(pattern: str, value: str | None) -> bool:
    """Istio string match: exact, `*`, prefix `abc*` or suffix `*abc`."""
    if value is None:
        return False
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return value == pattern


@dataclass
class Verdict:
    allowed: bool
    reason: str
    policy: MeshPolicy | None = None
    path: tuple[Any, ...] = ()
    needs_jwt: str = ""  # the issuer whose token a request must carry
    conditional: bool = False  # only some requests (HTTP fields or `when`)


@dataclass
class Request:
    principal: str | None
    namespace: str | None
    address: str | None
    port: int
    request_principal: str | None = None


def _source_matches(source: dict[str, Any], req: Request) -> bool:
    checks = (
        ("principals", req.principal, True), ("notPrincipals", req.principal, False),
        ("namespaces", req.namespace, True), ("notNamespaces", req.namespace, False),
        ("requestPrincipals", req.request_principal, True), ("notRequestPrincipals", req.request_principal, False),
    )
    for key, value, positive in checks:
        if key in source:
            hit = any(wildcard(str(p), value) for p in source[key])
            if hit != positive:
                return False
    for key, positive in (("ipBlocks", True), ("notIpBlocks", False), ("remoteIpBlocks", True), ("notRemoteIpBlocks", False)):
        if key in source:
            hit = any(_ip_match(str(b), req.address) for b in source[key])
            if hit != positive:
                return False
    return True


def _ip_match(block: str, address: str | None) -> bool:
    if address is None:
        return False
    if "/" not in block:
        return block == address
    try:
        return in_block(address, {"cidr": str(ipaddress.ip_network(block, strict=False))})
    except ValueError:
        return False


def _operation_matches(op: dict[str, Any], port: int) -> tuple[bool, bool]:
    """(matches, only some requests)."""
    if "ports" in op and str(port) not in [str(p) for p in op["ports"]]:
        return False, False
    if "notPorts" in op and str(port) in [str(p) for p in op["notPorts"]]:
        return False, False
    return True, any(k in op for k in HTTP_FIELDS)


def rule_matches(rule: dict[str, Any], req: Request) -> tuple[bool, bool]:
    if "from" in rule and not any(_source_matches(f.get("source") or {}, req) for f in rule["from"] or []):
        return False, False
    conditional = bool(rule.get("when"))
    if "to" in rule:
        results = [_operation_matches(t.get("operation") or {}, req.port) for t in rule["to"] or []]
        hits = [r for r in results if r[0]]
        if not hits:
            return False, False
        conditional = conditional or all(r[1] for r in hits)
    return True, conditional


@dataclass
class MeshPolicies:
    peer_authentications: list[MeshPolicy] = field(default_factory=list)
    authorization_policies: list[MeshPolicy] = field(default_factory=list)
    request_authentications: list[MeshPolicy] = field(default_factory=list)
    _index: dict[int, dict[str | None, list[MeshPolicy]]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, objects: Sequence[MeshPolicy]) -> MeshPolicies:
        found = cls()
        for o in objects:
            if o.group == "security.istio.io":
                {"PeerAuthentication": found.peer_authentications, "AuthorizationPolicy": found.authorization_policies,
                 "RequestAuthentication": found.request_authentications}.get(o.kind, []).append(o)
        return found

    def _applies(self, policy: MeshPolicy, dst: MeshPeer) -> bool:
        namespace = policy.namespace
        if namespace != dst.namespace and namespace != ROOT_NAMESPACE:
            return False
        selector = policy.spec.get("selector")
        return selector is None or selects(selector, dst.labels)

    def _for(self, policies: list[MeshPolicy], dst: MeshPeer) -> list[MeshPolicy]:
        """The policies of `policies` that apply to dst, from a per-namespace index built once."""
        index = self._index.setdefault(id(policies), {})
        if not index:
            for p in policies:
                index.setdefault(p.namespace, []).append(p)
        candidates = index.get(dst.namespace, []) + (index.get(ROOT_NAMESPACE, []) if dst.namespace != ROOT_NAMESPACE else [])
        return [p for p in candidates if self._applies(p, dst)]

    def mtls_mode(self, dst: MeshPeer, port: int) -> tuple[str, MeshPolicy | None]:
        best: tuple[int, str, MeshPolicy | None] = (-1, "PERMISSIVE", None)
        for pa in self._for(self.peer_authentications, dst):
            rank = 2 if pa.spec.get("selector") else (1 if pa.namespace == dst.namespace else 0)
            mode = str((pa.spec.get("mtls") or {}).get("mode", "UNSET"))
            port_level = (pa.spec.get("portLevelMtls") or {}).get(port) or (pa.spec.get("portLevelMtls") or {}).get(str(port))
            if port_level and rank == 2:
                mode = str(port_level.get("mode", mode))
            if rank > best[0] and mode != "UNSET":
                best = (rank, mode, pa)
        return best[1], best[2]

    def issuers(self, dst: MeshPeer) -> list[str]:
        return sorted({str(r.get("issuer")) for ra in self._for(self.request_authentications, dst)
                       for r in ra.spec.get("jwtRules") or []})

    def authorize(self, src: MeshPeer, dst: MeshPeer, port: int) -> Verdict:
        """Whether dst's sidecar lets src's traffic to `port` through; dst must be meshed."""
        if port in UNCAPTURED_PORTS:
            return Verdict(True, f"port {port} is not captured by the sidecar")
        mode, pa = self.mtls_mode(dst, port)
        mtls = src.meshed
        if mode == "STRICT" and not mtls:
            return Verdict(False, "plaintext from a workload without sidecar is rejected (mTLS STRICT)", pa, ("spec", "mtls"))
        base = Request(src.principal if mtls else None, src.namespace if mtls else None, src.address, port)
        verdict = self._evaluate(dst, base)
        if verdict.allowed:
            return verdict
        for issuer in self.issuers(dst):
            with_jwt = Request(base.principal, base.namespace, base.address, port, f"{issuer}/any-subject")
            candidate = self._evaluate(dst, with_jwt)
            if candidate.allowed:
                candidate.needs_jwt = issuer
                return candidate
        return verdict

    def _evaluate(self, dst: MeshPeer, req: Request) -> Verdict:
        applicable = self._for(self.authorization_policies, dst)
        for p in applicable:
            if p.spec.get("action") == "DENY":
                for i, rule in enumerate(p.spec.get("rules") or []):
                    hit, conditional = rule_matches(rule, req)
                    if hit and not conditional:
                        return Verdict(False, "denied by a DENY rule", p, ("spec", "rules", i))
        allows = [p for p in applicable if p.spec.get("action", "ALLOW") == "ALLOW"]
        if not allows:
            return Verdict(True, "no ALLOW policy applies to the workload")
        for p in allows:
            for i, rule in enumerate(p.spec.get("rules") or []):
                hit, conditional = rule_matches(rule or {}, req)
                if hit:
                    return Verdict(True, "allowed by an ALLOW rule", p, ("spec", "rules", i), conditional=conditional)
        nothing = next((p for p in allows if not p.spec.get("rules")), allows[0])
        return Verdict(False, "no ALLOW rule matches", nothing, ("spec",))
