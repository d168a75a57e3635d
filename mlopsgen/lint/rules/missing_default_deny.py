"""Flags namespaces that run workloads without a default-deny NetworkPolicy.

## What it does
For every namespace with workloads (Pods, Deployments, Jobs, InferenceServices,
Argo Workflows templates, ...), looks for a NetworkPolicy that selects all
pods (`podSelector: {}`) and denies by default: `Ingress` and `Egress` in its
`policyTypes` with no rules. Objects without `metadata.namespace` (Kustomize
bases, raw manifests) are checked together, as one namespace.

## Why is this bad?
Without a default deny, every pod accepts connections from every other pod in
the cluster and may connect anywhere: a training job can reach production
inference, a compromised notebook can reach the model registry.

## Example
```yaml
kind: Deployment
metadata: {name: scorer, namespace: fraud-prod}
# ...and no NetworkPolicy in fraud-prod
```

## Use instead
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: fraud-prod}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
```
Then allow what is needed explicitly (DNS, shared services, the ingress gateway).
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import by_namespace, describe_namespace, pod_templates, policy_types

ID = "MLG010"
SLUG = "missing-default-deny"
SEVERITY = "error"
SUMMARY = "namespace with workloads and no default-deny NetworkPolicy"


def denies_by_default(policy) -> set[str]:
    spec = policy.data.get("spec") or {}
    if spec.get("podSelector") not in ({}, None) or not isinstance(spec, dict):
        return set()
    denied = set()
    for kind, key in (("Ingress", "ingress"), ("Egress", "egress")):
        if kind in policy_types(spec) and not spec.get(key):
            denied.add(kind)
    return denied


def check_manifests(manifests) -> Iterator[tuple]:
    for namespace, objects in sorted(by_namespace(manifests).items()):
        workloads = [m for m in objects if pod_templates(m)]
        if not workloads:
            continue
        denied: set[str] = set()
        for policy in objects:
            if policy.kind == "NetworkPolicy":
                denied |= denies_by_default(policy)
        missing = [k for k in ("Ingress", "Egress") if k not in denied]
        if missing:
            first = workloads[0]
            line, column = first.position(("kind",))
            directions = " and ".join(missing).lower()
            yield first, Issue(line, column, f"{describe_namespace(namespace)} runs workloads without a default-deny policy for {directions}",
                               "add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress], then explicit allows")
