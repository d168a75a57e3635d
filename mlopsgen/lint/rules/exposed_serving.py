"""Flags model endpoints published outside the mesh.

## What it does
Reports Services of type `NodePort` or `LoadBalancer`, or with `externalIPs`,
that select model-serving pods: by their labels (KServe, Seldon, or pods labelled
`mlopsgen.dev/model`), or by what the pods of the namespace run (a serving engine's
image or start command: vLLM, TGI, NIM, Triton, MLServer, TorchServe, TensorFlow
Serving, SGLang, Ollama, BentoML, Ray Serve; `catalog/model_servers.py`), whatever
kind of workload runs them. A Ray cluster whose head Service is a `LoadBalancer` or
`NodePort` (RayCluster, RayJob, RayService `serviceType`) publishes its Serve endpoint,
and its dashboard and job API with it.

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
from mlopsgen.catalog.model_servers import is_server_command, is_server_image
from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.kube.selectors import selects
from mlopsgen.kube.walk import get
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import by_namespace, pod_templates

ID = "MLG022"
SLUG = "exposed-serving"
SEVERITY = "error"
SUMMARY = "model endpoint on a NodePort, LoadBalancer or external IP"
SECURITY_SEVERITY = "7.5"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low
# Label keys that mark model pods: ours, and those each serving runtime's controller sets.
MODEL_KEYS = (MODEL, *(key for runtime in RUNTIMES.values() for key in runtime.controller_pod_labels))


PUBLIC_TYPES = ("NodePort", "LoadBalancer")
RAY_HEADS = {"RayCluster": ("spec", "headGroupSpec"), "RayJob": ("spec", "rayClusterSpec", "headGroupSpec"),
             "RayService": ("spec", "rayClusterConfig", "headGroupSpec")}


def _labelled_for_a_model(selector: dict) -> bool:
    return any(k in selector for k in MODEL_KEYS) or selector.get("component") == "predictor"


def _serves_a_model(template) -> bool:
    for _, container in template.containers():
        words = [str(w) for key in ("command", "args") for w in (container.get(key) or []) if isinstance(container.get(key), list)]
        if is_server_image(str(container.get("image", ""))) or is_server_command(words):
            return True
    return False


def check_manifest(manifest) -> Iterator[Issue]:
    if manifest.kind in RAY_HEADS and manifest.api_group == "ray.io":
        head = RAY_HEADS[manifest.kind]
        if get(manifest.data, *head, "serviceType") in PUBLIC_TYPES:
            line, column = manifest.position(head + ("serviceType",))
            yield Issue(line, column, f"{manifest.kind} '{manifest.name}' publishes its head (Ray Serve, the dashboard and "
                        f"the job API) as {get(manifest.data, *head, 'serviceType')}",
                        "keep serviceType ClusterIP and route Serve through the ingress gateway")
    if manifest.kind != "Service":
        return
    spec = manifest.data.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("selector"), dict) or not _labelled_for_a_model(spec["selector"]):
        return
    yield from _published(manifest, spec, "a model")


def check_manifests(manifests) -> Iterator[tuple]:
    """Services whose selector names no model label but selects pods that run a serving engine."""
    for _group, objects in by_namespace(manifests).items():
        servers = [t for m in objects for t in pod_templates(m) if _serves_a_model(t)]
        if not servers:
            continue
        for service in objects:
            spec = service.data.get("spec") if service.kind == "Service" else None
            if not isinstance(spec, dict) or not isinstance(spec.get("selector"), dict) or not spec["selector"]:
                continue
            if _labelled_for_a_model(spec["selector"]):
                continue  # reported by check_manifest
            if any(selects({"matchLabels": spec["selector"]}, t.labels) for t in servers):
                yield from ((service, issue) for issue in _published(service, spec, "a model server"))


def _published(manifest, spec: dict, what: str) -> Iterator[Issue]:
    if spec.get("type") in PUBLIC_TYPES:
        line, column = manifest.position(("spec", "type"))
        yield Issue(line, column, f"Service '{manifest.name}' publishes {what} as {spec['type']}",
                    "use ClusterIP and expose the model through the ingress gateway")
    if spec.get("externalIPs"):
        line, column = manifest.position(("spec", "externalIPs"))
        yield Issue(line, column, f"Service '{manifest.name}' publishes {what} on external IPs",
                    "use ClusterIP and expose the model through the ingress gateway")
