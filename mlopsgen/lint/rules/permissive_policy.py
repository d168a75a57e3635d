"""Flags NetworkPolicy and AuthorizationPolicy rules that allow everything.

## What it does
Reports NetworkPolicy ingress or egress rules with neither peers nor ports (all
traffic), peers that select every pod of every namespace
(`namespaceSelector: {}` alone), and `ipBlock` `0.0.0.0/0` or `::/0` without
exceptions; and Istio AuthorizationPolicy ALLOW rules that are empty. A
policy's own `podSelector: {}` (which pods it applies to) is never reported.

## Why is this bad?
A rule that allows everything turns the default deny beside it into
decoration, and it is easy to miss in review because the policy looks strict.

## Example
```yaml
ingress:
  - {}
```

## Use instead
```yaml
ingress:
  - from:
      - podSelector: {matchLabels: {app: gateway}}
    ports:
      - {port: 8080, protocol: TCP}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.kube.walk import items, mapping
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import is_network_policy

ID = "MLG012"
SLUG = "permissive-policy"
SEVERITY = "warning"
SUMMARY = "policy rule that allows all traffic"
SECURITY_SEVERITY = "5.5"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low
OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def _network_policy(manifest) -> Iterator[Issue]:
    spec = manifest.data.get("spec")
    if not isinstance(spec, dict):
        return
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(items(spec.get(key))):
            if not isinstance(rule, dict):
                continue
            base = ("spec", key, i)
            peers = rule.get(peers_key)
            if not peers and not rule.get("ports"):
                line, column = manifest.position(base)
                yield Issue(line, column, f"{key} rule allows all traffic", "name the peers and ports this rule is for")
                continue
            for j, peer in enumerate(items(peers)):
                if not isinstance(peer, dict):
                    continue
                if peer.get("namespaceSelector") == {} and "podSelector" not in peer and not rule.get("ports"):
                    line, column = manifest.position(base + (peers_key, j))
                    yield Issue(line, column, f"{key} peer selects every pod in every namespace",
                                "select the namespace by kubernetes.io/metadata.name and the pods by label")
                block = mapping(peer.get("ipBlock"))
                if block.get("cidr") in OPEN_CIDRS and not block.get("except"):
                    line, column = manifest.position(base + (peers_key, j, "ipBlock", "cidr"))
                    yield Issue(line, column, f"{key} peer {block['cidr']} is every address",
                                "allow the specific ranges needed, or exclude the cluster and private ranges")


def _authorization_policy(manifest) -> Iterator[Issue]:
    spec = manifest.data.get("spec")
    if not isinstance(spec, dict) or spec.get("action", "ALLOW") != "ALLOW":
        return
    for i, rule in enumerate(items(spec.get("rules"))):
        if rule == {}:
            line, column = manifest.position(("spec", "rules", i))
            yield Issue(line, column, "ALLOW rule {} allows every request",
                        "give the rule a `from` (principals, namespaces) and a `to` (ports, paths)")


def check_manifest(manifest) -> Iterator[Issue]:
    if is_network_policy(manifest):  # Calico and Cilium rules have other fields: not read as these
        yield from _network_policy(manifest)
    elif manifest.kind == "AuthorizationPolicy":
        yield from _authorization_policy(manifest)
