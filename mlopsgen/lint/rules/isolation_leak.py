"""Flags `none`-mode workloads that can still communicate.

## What it does
For pods labelled `mlopsgen.dev/network-mode: none` (model validation, offline
data checks), reports any NetworkPolicy rule that allows them traffic, any
Service that selects them (and so any route to them), and a service-account
token that is mounted.

## Why is this bad?
`none` is a promise that the job cannot exfiltrate data or be reached: an
"isolated" validation job that can still resolve names and open connections is
not isolated, and nobody notices until it matters.

## Example
```yaml
kind: NetworkPolicy
spec:
  podSelector: {}            # selects the none pods too
  ingress: [{from: [{podSelector: {}}]}]
```

## Use instead
Select allowed pods by mode (`mlopsgen.dev/network-mode: internal`), give
`none` pods no Service, and set `automountServiceAccountToken: false`.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.kube.netpol import applies_to
from mlopsgen.kube.selectors import selects
from mlopsgen.kube.walk import items
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import by_namespace, is_isolated, is_network_policy, pod_templates

ID = "MLG015"
SLUG = "isolation-leak"
SEVERITY = "error"
SUMMARY = "a none-mode workload with allowed traffic, a Service or a token"
SECURITY_SEVERITY = "8.0"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low


def check_manifests(manifests) -> Iterator[tuple]:
    for _group, objects in by_namespace(manifests).items():
        isolated = [(w, t) for w in objects for t in pod_templates(w) if is_isolated(t)]
        if not isolated:
            continue
        for workload, template in isolated:
            if template.spec.get("automountServiceAccountToken") is not False:
                line, column = workload.position(template.path)
                yield workload, Issue(line, column, f"{workload.kind} '{workload.name}' is in none mode but mounts a service-account token",
                                      "set automountServiceAccountToken: false")
        for other in objects:
            spec = other.data.get("spec") if isinstance(other.data.get("spec"), dict) else {}
            if is_network_policy(other):
                hit = [w for w, t in isolated if applies_to(spec, t.labels)]
                for key in ("ingress", "egress"):
                    for i, _rule in enumerate(items(spec.get(key))):
                        if hit:
                            line, column = other.position(("spec", key, i))
                            yield other, Issue(line, column, f"NetworkPolicy '{other.name}' allows {key} to none-mode {hit[0].kind} '{hit[0].name}'",
                                               "select only the modes that may talk, e.g. mlopsgen.dev/network-mode: internal")
            elif other.kind == "Service" and isinstance(spec.get("selector"), dict) and spec["selector"]:
                for workload, template in isolated:
                    if selects({"matchLabels": spec["selector"]}, template.labels):
                        line, column = other.position(("spec", "selector"))
                        yield other, Issue(line, column, f"Service '{other.name}' exposes none-mode {workload.kind} '{workload.name}'",
                                           "none-mode workloads get no Service and no route")
                        break
