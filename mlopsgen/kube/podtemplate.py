"""A pod template as a workload describes its pods: labels, a PodSpec, and where they are."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mlopsgen.kube.walk import items
from mlopsgen.kube.yaml import Path


@dataclass(frozen=True)
class PodTemplate:
    """Where a workload describes its pods."""

    path: Path  # of the pod spec (or the fields that play its part)
    labels: dict[str, str]
    spec: dict[str, Any]
    label_path: Path

    @property
    def host_network(self) -> bool:
        if self.spec.get("hostNetwork") is True:
            return True
        patch = self.spec.get("podSpecPatch")  # Argo Workflows: a JSON/YAML string merged into the pod
        if isinstance(patch, str) and "hostNetwork" in patch:
            try:
                return json.loads(patch).get("hostNetwork") is True
            except (ValueError, AttributeError):
                return "true" in patch.split("hostNetwork", 1)[1][:12]
        return False

    def containers(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        for key in ("containers", "initContainers"):
            found = self.spec.get(key)
            for i, container in enumerate(items(found)):
                if isinstance(container, dict):
                    yield self.path + (key, i), container
        for key in ("container", "model"):
            if isinstance(self.spec.get(key), dict):
                yield self.path + (key,), self.spec[key]

    def ports(self) -> list[int]:
        """The container ports the pods declare."""
        out = []
        for _, container in self.containers():
            ports = container.get("ports")
            for port in items(ports):
                if isinstance(port, dict) and isinstance(port.get("containerPort"), int):
                    out.append(port["containerPort"])
        return out


def group_of(obj: dict[str, Any]) -> str:
    api = str(obj.get("apiVersion", ""))
    return api.rpartition("/")[0] if "/" in api else ""


def labels_of(*candidates: Any) -> dict[str, str]:
    merged: dict[str, str] = {}
    for labels in candidates:
        if isinstance(labels, dict):
            merged.update({str(k): str(v) for k, v in labels.items()})
    return merged


def expand(node: Any, locator: Path, at: Path) -> Iterator[tuple[Path, Any]]:
    """(path, node) for every place `locator` reaches from `node`."""
    if not locator:
        yield at, node
        return
    head, rest = locator[0], locator[1:]
    if head == "*":
        if isinstance(node, list):
            for i, child in enumerate(node):
                yield from expand(child, rest, at + (i,))
        elif isinstance(node, dict):
            for key, child in node.items():
                yield from expand(child, rest, at + (key,))
    elif isinstance(node, dict) and head in node:
        yield from expand(node[head], rest, at + (head,))
