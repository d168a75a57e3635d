"""Flags pod templates that no NetworkPolicy selects.

## What it does
Reports every workload's pod template whose labels are matched by no
NetworkPolicy in its namespace, where the namespace has NetworkPolicies (one
without any is `missing-default-deny`'s finding). Host-network pods are left to
`host-network`: NetworkPolicies never apply to them. Namespaces follow
Kustomize as in `missing-default-deny`; pods governed by Calico or Cilium
policies are not judged.

## Why is this bad?
A pod no policy selects is not isolated at all, whatever the other policies in
the namespace say. This happens when labels drift: a policy for `app: scorer`
does not protect pods labelled `app: scorer-v2`.

## Example
```yaml
kind: Deployment
spec:
  template:
    metadata: {labels: {app: scorer-v2}}
---
kind: NetworkPolicy
spec: {podSelector: {matchLabels: {app: scorer}}, policyTypes: [Ingress]}
```

## Use instead
Select the pods by labels they really carry, or start from a default deny with
`podSelector: {}`.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.kube.netpol import applies_to
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import pod_templates, policy_groups

ID = "MLG011"
SLUG = "non-isolated-workload"
SEVERITY = "error"
SUMMARY = "pod template selected by no NetworkPolicy"
SECURITY_SEVERITY = "7.5"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low


def check_manifests(manifests) -> Iterator[tuple]:
    for _group, objects, policies in policy_groups(manifests):
        if not policies:
            continue
        for workload in objects:
            for template in pod_templates(workload):
                if template.host_network:
                    continue
                if not any(applies_to(spec, template.labels) for spec in policies):
                    line, column = workload.position(template.label_path)
                    yield workload, Issue(line, column, f"{workload.kind} '{workload.name}': no NetworkPolicy selects its pods",
                                          "add a default deny (podSelector: {}) or a policy matching these labels")
