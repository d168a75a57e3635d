"""Flags pods whose egress is restricted without an allow for DNS.

## What it does
For each pod template selected by a NetworkPolicy that restricts egress,
checks that one of the policies selecting it allows port 53. Pods in `none`
mode (label `mlopsgen.dev/network-mode: none`) are meant to have no DNS and
are skipped.

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
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import by_namespace, pod_templates, policy_types, selector_matches

NO_DNS_MODES = modes_without_dns()  # pods in these modes must not resolve names

ID = "MLG013"
SLUG = "dns-blocked"
SEVERITY = "error"
SUMMARY = "egress restricted without a DNS allow"


def _allows_dns(rule) -> bool:
    ports = rule.get("ports") if isinstance(rule, dict) else None
    if not ports:
        return True
    return any(isinstance(p, dict) and (p.get("port") in (DNS_PORT, str(DNS_PORT), "dns", "dns-tcp", None)) for p in ports)


def check_manifests(manifests) -> Iterator[tuple]:
    for _namespace, objects in sorted(by_namespace(manifests).items()):
        policies = [m.data.get("spec") for m in objects if m.kind == "NetworkPolicy" and isinstance(m.data.get("spec"), dict)]
        for workload in objects:
            for template in pod_templates(workload):
                if template.host_network or template.labels.get(NETWORK_MODE) in NO_DNS_MODES:
                    continue
                selecting = [p for p in policies if "Egress" in policy_types(p) and selector_matches(p.get("podSelector", {}), template.labels)]
                if selecting and not any(_allows_dns(rule) for p in selecting for rule in p.get("egress") or []):
                    line, column = workload.position(template.label_path)
                    yield workload, Issue(line, column, f"{workload.kind} '{workload.name}': egress is denied and DNS is not allowed",
                                          "allow UDP and TCP 53 to kube-dns, or label the pods mlopsgen.dev/network-mode: none if they must not resolve names")
