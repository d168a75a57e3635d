"""Flags namespaces that serve models without any AuthorizationPolicy.

## What it does
Reports each InferenceService, SeldonDeployment and VirtualService in a
namespace (objects without a namespace count as one) that has no Istio
AuthorizationPolicy at all.

## Why is this bad?
mTLS proves who is calling; only an AuthorizationPolicy decides who may.
Without one, every workload in the mesh may call every model.

## Example
```yaml
kind: InferenceService
metadata: {name: fraud, namespace: fraud-prod}
# ...and no AuthorizationPolicy in fraud-prod
```

## Use instead
```yaml
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-nothing, namespace: fraud-prod}
spec: {}
```
and ALLOW policies for the ingress gateway and the declared callers.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.catalog.runtimes import SERVING_KINDS
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import by_namespace, describe_namespace

ID = "MLG021"
SLUG = "missing-authz"
SEVERITY = "error"
SUMMARY = "model endpoints without an AuthorizationPolicy"
SERVING = (*sorted(SERVING_KINDS), "VirtualService")


def check_manifests(manifests) -> Iterator[tuple]:
    for namespace, objects in sorted(by_namespace(manifests).items()):
        if any(m.kind == "AuthorizationPolicy" for m in objects):
            continue
        for serving in (m for m in objects if m.kind in SERVING):
            line, column = serving.position(("kind",))
            yield serving, Issue(line, column, f"{serving.kind} '{serving.name}': {describe_namespace(namespace)} has no AuthorizationPolicy",
                                 "add a deny-by-default AuthorizationPolicy (spec: {}) and explicit ALLOW policies")
