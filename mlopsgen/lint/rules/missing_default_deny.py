"""Flags namespaces that run workloads without a default-deny NetworkPolicy.

## What it does
For every namespace with workloads (every kind `mlopsgen/kube/workloads.py`
knows: Pods, Deployments, Jobs, JobSets, LeaderWorkerSets, Ray clusters and jobs,
Kubeflow training jobs, Volcano jobs, AppWrappers, InferenceServices, Argo
Workflows templates, the items of a `kind: List`), looks for NetworkPolicies that
select all pods (`podSelector: {}`, or absent: the API server reads both, and
`matchLabels: {}`, as the empty selector) and so deny by default whatever they do
not allow, for
`Ingress` and for `Egress`: with no rules, or with explicit allows (a default
deny that also allows DNS is one), but not with a rule that allows all
traffic. An object without `metadata.namespace` takes the namespace of the
kustomization that includes it; without one, it is checked with the other
objects of its file. Namespaces governed by Calico or Cilium policies are left
alone: those policies are not Kubernetes NetworkPolicies. A namespace whose pods
all run on the host network is not reported either: NetworkPolicies never select
such pods, so a default deny would change nothing (`host-network` reports each).
`policyTypes` are read as the API server stores them: absent, they are `Ingress`,
plus `Egress` only when the policy has egress rules.

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

from mlopsgen.kube.netpol import denies_by_default
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import describe_namespace, pod_templates, policy_groups

ID = "MLG010"
SLUG = "missing-default-deny"
SEVERITY = "error"
SUMMARY = "namespace with workloads and no default-deny NetworkPolicy"
SECURITY_SEVERITY = "7.5"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low


def check_manifests(manifests) -> Iterator[tuple]:
    for namespace, objects, policies in policy_groups(manifests):
        # NetworkPolicies never select a pod on the host network: where every pod runs there, no policy can
        # deny anything and host-network says so for each pod instead.
        workloads = [m for m in objects if any(not t.host_network for t in pod_templates(m))]
        if not workloads:
            continue
        denied: set[str] = set()
        for spec in policies:
            denied |= denies_by_default(spec)
        missing = [k for k in ("Ingress", "Egress") if k not in denied]
        if missing:
            first = workloads[0]
            line, column = first.position(("kind",))
            directions = " and ".join(missing).lower()
            yield first, Issue(line, column, f"{describe_namespace(namespace)}: workloads and no default-deny policy for {directions}",
                               "add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress], then explicit allows")
