"""Flags pods whose egress is restricted without an allow for DNS.

## What it does
For each pod template selected by a NetworkPolicy that restricts egress,
checks that one of the policies selecting it allows port 53: a port (or a
port range, `port` to `endPort`) that includes 53, or a rule without ports
whose peers can include the cluster DNS (any destination, a namespace
selector, an IP block; not pods of the policy's own namespace alone). Pods in
`none` mode (label `mlopsgen.dev/network-mode: none`) are meant to have no DNS
and are skipped.

## Why is this bad?
An egress default deny without a DNS allow breaks every name lookup: the pod
can reach nothing by name, and the errors look like the services are down.
Teams then "fix" it by allowing all egress.

## Example
```yaml
spec:
  podSelector: {}
  policyTypes: [Egress]
# and no policy allowing port 53
```

## Use instead
```yaml
egress:
  - to:
      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
        podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports:
      - {port: 53, protocol: UDP}
      - {port: 53, protocol: TCP}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.catalog.conventions import DNS_PORT, NETWORK_MODE
from mlopsgen.catalog.modes import modes_without_dns
from mlopsgen.kube.netpol import isolates
from mlopsgen.kube.walk import get, items
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import pod_templates, policy_groups

NO_DNS_MODES = modes_without_dns()  # pods in these modes must not resolve names

ID = "MLG013"
SLUG = "dns-blocked"
SEVERITY = "error"
SUMMARY = "egress restricted without a DNS allow"


DNS_PORT_NAMES = ("dns", "dns-tcp", "dns-udp")  # kube-dns's and CoreDNS's named ports


def _port_allows_dns(port) -> bool:
    if not isinstance(port, dict):
        return False
    number = port.get("port")
    if number is None:
        return True  # a protocol without a port: every port (networking.k8s.io/v1 NetworkPolicyPort)
    if isinstance(number, str) and not number.isdigit():
        return number in DNS_PORT_NAMES
    end = port.get("endPort")
    low = int(number)
    return low == DNS_PORT or (isinstance(end, int) and low <= DNS_PORT <= end)


def _peer_may_be_dns(peer) -> bool:
    """A peer that can include the cluster DNS pods: any namespace selector, or an IP block."""
    return isinstance(peer, dict) and ("namespaceSelector" in peer or "ipBlock" in peer)


def _allows_dns(rule) -> bool:
    if not isinstance(rule, dict):
        return False
    ports = items(rule.get("ports"))
    if ports and not any(_port_allows_dns(p) for p in ports):
        return False
    peers = items(rule.get("to"))
    return not peers or bool(ports) or any(_peer_may_be_dns(p) for p in peers)


def check_manifests(manifests) -> Iterator[tuple]:
    for _group, objects, policies in policy_groups(manifests):
        for workload in objects:
            for template in pod_templates(workload):
                if template.host_network or template.labels.get(NETWORK_MODE) in NO_DNS_MODES:
                    continue
                selecting = [p for p in policies if isolates(p, template.labels, "Egress")]
                if selecting and not any(_allows_dns(rule) for p in selecting for rule in items(p.get("egress"))):
                    line, column = workload.position(template.label_path)
                    yield workload, Issue(line, column, f"{workload.kind} '{workload.name}': egress is denied and DNS is not allowed",
                                          _hint(policies))


def _hint(policies: list[dict]) -> str:
    """The fix: where a policy of the namespace allows DNS to the pods of a network mode (as mlopsgen's
    own allow-<mode>-dns do), the mode label that puts the pods under it; else an allow to write."""
    modes = sorted({str(labels[NETWORK_MODE]) for p in policies
                    if isinstance(labels := get(p, "podSelector", "matchLabels"), dict) and NETWORK_MODE in labels
                    and any(_allows_dns(rule) for rule in items(p.get("egress")))})
    if modes:
        return (f"label the pods {NETWORK_MODE}: {modes[0]}, which a policy of this namespace allows DNS for; "
                "or allow UDP and TCP 53 to kube-dns")
    return f"allow UDP and TCP 53 to kube-dns, or label the pods {NETWORK_MODE}: none if they must not resolve names"
