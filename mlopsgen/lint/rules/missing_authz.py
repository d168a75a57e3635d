"""Flags namespaces that serve models without any AuthorizationPolicy.

## What it does
Reports each InferenceService and SeldonDeployment in a namespace that has no
Istio AuthorizationPolicy at all, and each VirtualService there that routes to
one of them (a destination host named after the model: `<model>`,
`<model>-predictor`, `<model>-serving`, ...). Other VirtualServices (egress
rewrites, ACME challenge routes, dashboards) are not model endpoints. A policy
in the mesh's root namespace (`istio-system`) without a selector applies to
every namespace. Namespaces follow Kustomize as in `missing-default-deny`.

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
from mlopsgen.kube.walk import get, items, mapping
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import by_namespace, describe_namespace

ID = "MLG021"
SLUG = "missing-authz"
SEVERITY = "error"
SUMMARY = "model endpoints without an AuthorizationPolicy"
SECURITY_SEVERITY = "7.5"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low
# Istio's default root namespace (meshConfig.rootNamespace): a policy there without a selector is mesh-wide.
ROOT_NAMESPACE = "istio-system"
ROUTE_KINDS = ("http", "tcp", "tls")


def _destinations(virtual_service) -> set[str]:
    hosts = set()
    for kind in ROUTE_KINDS:
        for route in items(get(virtual_service.data, "spec", kind)):
            for target in items(mapping(route).get("route")):
                host = get(target, "destination", "host")
                if isinstance(host, str):
                    hosts.add(host.split(".", 1)[0])
    return hosts


def _routes_to(hosts: set[str], models: set[str]) -> bool:
    return any(host == model or host.startswith(model + "-") for host in hosts for model in models)


def _mesh_wide(manifests) -> bool:
    return any(m.kind == "AuthorizationPolicy" and m.namespace == ROOT_NAMESPACE
               and not get(m.data, "spec", "selector") for m in manifests)


def check_manifests(manifests) -> Iterator[tuple]:
    if _mesh_wide(manifests):
        return
    for namespace, objects in by_namespace(manifests).items():
        if any(m.kind == "AuthorizationPolicy" for m in objects):
            continue
        models = {m.name for m in objects if m.kind in SERVING_KINDS}
        endpoints = [m for m in objects if m.kind in SERVING_KINDS
                     or (m.kind == "VirtualService" and models and _routes_to(_destinations(m), models))]
        for serving in endpoints:
            line, column = serving.position(("kind",))
            yield serving, Issue(line, column, f"{serving.kind} '{serving.name}': {describe_namespace(namespace)} has no AuthorizationPolicy",
                                 "add a deny-by-default AuthorizationPolicy (spec: {}) and explicit ALLOW policies")
