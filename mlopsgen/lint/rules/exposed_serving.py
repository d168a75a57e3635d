"""Flags model endpoints published outside the mesh.

## What it does
Reports Services of type `NodePort` or `LoadBalancer`, or with `externalIPs`,
that select model-serving pods (KServe, Seldon, or pods labelled
`mlopsgen.dev/model`).

## Why is this bad?
Such a Service bypasses the ingress gateway, and with it TLS, authentication,
authorization, rate limits and the canary split: the model is reachable by
anyone who can reach a node.

## Example
```yaml
kind: Service
spec:
  type: LoadBalancer
  selector: {serving.kserve.io/inferenceservice: fraud}
```

## Use instead
Keep the Service `ClusterIP` and route through the Istio ingress Gateway with a
VirtualService (platform.yaml: `exposure`).
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.catalog.conventions import MODEL
from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.lint.finding import Issue

ID = "MLG022"
SLUG = "exposed-serving"
SEVERITY = "error"
SUMMARY = "model endpoint on a NodePort, LoadBalancer or external IP"
SECURITY_SEVERITY = "7.5"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low
# Label keys that mark model pods: ours, and those each serving runtime's controller sets.
MODEL_KEYS = (MODEL, *(key for runtime in RUNTIMES.values() for key in runtime.controller_pod_labels))


def check_manifest(manifest) -> Iterator[Issue]:
    if manifest.kind != "Service":
        return
    spec = manifest.data.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("selector"), dict):
        return
    selector = spec["selector"]
    if not (any(k in selector for k in MODEL_KEYS) or selector.get("component") == "predictor"):
        return
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        line, column = manifest.position(("spec", "type"))
        yield Issue(line, column, f"Service '{manifest.name}' publishes a model as {spec['type']}",
                    "use ClusterIP and expose the model through the ingress gateway")
    if spec.get("externalIPs"):
        line, column = manifest.position(("spec", "externalIPs"))
        yield Issue(line, column, f"Service '{manifest.name}' publishes a model on external IPs",
                    "use ClusterIP and expose the model through the ingress gateway")
