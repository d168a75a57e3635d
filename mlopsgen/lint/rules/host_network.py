"""Flags hostNetwork outside GPU training.

## What it does
Reports pod templates with `hostNetwork: true` (also through an Argo
Workflows `podSpecPatch`) unless they are training
(`mlopsgen.dev/workload-class: training`) pinned to a GPU pool (a GPU request,
or a node selector with tolerations).

## Why is this bad?
A host-network pod shares the node's network namespace: it can bind node
ports, see node traffic and reach everything the node reaches, and no
NetworkPolicy applies to it. Multi-node GPU training may need it for RDMA; a
model server or a notebook never does.

## Example
```yaml
kind: Deployment
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: scorer, image: acme/scorer:1.0}]
```

## Use instead
Remove `hostNetwork`. For training that needs it, label the pods
`mlopsgen.dev/workload-class: training`, pin them to the GPU pool and write the
reason down (platform.yaml's `hostNetworkJustification`).
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.catalog.conventions import WORKLOAD_CLASS
from mlopsgen.catalog.modes import host_network_classes
from mlopsgen.kube.walk import mapping
from mlopsgen.lint.finding import Issue
from mlopsgen.lint.rules._k8s import pod_templates

HOST_NETWORK_CLASSES = host_network_classes()

ID = "MLG014"
SLUG = "host-network"
SEVERITY = "error"
SUMMARY = "hostNetwork outside training on a GPU pool"
SECURITY_SEVERITY = "7.0"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low


def _on_gpu_pool(template) -> bool:
    for _, container in template.containers():
        resources = mapping(container.get("resources"))
        for section in ("limits", "requests"):
            if "nvidia.com/gpu" in mapping(resources.get(section)):
                return True
    return bool(template.spec.get("nodeSelector")) and bool(template.spec.get("tolerations"))


def check_manifest(manifest) -> Iterator[Issue]:
    for template in pod_templates(manifest):
        if not template.host_network:
            continue
        if template.labels.get(WORKLOAD_CLASS) in HOST_NETWORK_CLASSES and _on_gpu_pool(template):
            continue
        key = "hostNetwork" if template.spec.get("hostNetwork") is True else "podSpecPatch"
        line, column = manifest.position(template.path + (key,))
        yield Issue(line, column, f"{manifest.kind} '{manifest.name}' uses the host network",
                    "only GPU training may, labelled mlopsgen.dev/workload-class: training and pinned to its pool")
