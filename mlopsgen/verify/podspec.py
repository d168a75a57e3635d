"""A pod as the cluster would run it: its containers (injected ones marked) and what policies see of it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlopsgen.catalog.runtimes import ServingRuntime
from mlopsgen.verify.resource_steps import ResourceStep
from mlopsgen.verify.tree import Obj

URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.I)


@dataclass
class Container:
    name: str
    security: dict
    resources: dict
    injected_by: str = ""  # "" for containers the tree writes
    init: bool = False
    ports: list[dict] = field(default_factory=list)
    image: str = ""
    env: dict[str, str] = field(default_factory=dict)  # literal values only
    mounts: list[dict] = field(default_factory=list)
    refuses: tuple[str, str] | None = None  # an initializer that cannot fetch the pod's model: (why, hint)
    sidecar: bool = False  # a restartable init container (a native sidecar): it runs beside the main containers

    def mount_for(self, path: str) -> dict | None:
        """The volume mount `path` lies on (the deepest one above it), if any."""
        above = [m for m in self.mounts if (path.rstrip("/") + "/").startswith(str(m.get("mountPath", "")).rstrip("/") + "/")]
        return max(above, key=lambda m: len(str(m.get("mountPath", ""))), default=None)

    def writable_at(self, path: str) -> bool:
        """Whether the container can write at `path`: on a writable mount, or on a writable root."""
        mount = self.mount_for(path)
        if mount is not None:
            return not mount.get("readOnly")
        return self.security.get("readOnlyRootFilesystem") is not True


@dataclass
class Pod:
    cluster: str
    namespace: str
    workload: str  # stable name within the namespace
    kind: str  # "workflow" or "model"
    origin: Obj
    origin_path: tuple
    labels: dict
    service_account: str
    automount: bool
    host_network: bool
    security: dict  # pod securityContext
    containers: list[Container]
    volumes: list[dict]
    node_selector: dict
    tolerations: list[dict]
    meshed: bool = False
    executor_account: str = ""
    storage_uri: str = ""
    urls: list[tuple[str, tuple]] = field(default_factory=list)  # (url, path in origin)
    address: str | None = None  # from a Calico IPPool selected by the namespace
    orchestrates: bool = False  # an Argo resource step: the executor alone, talking to the API server
    resource_step: ResourceStep | None = None  # what that step does to the API
    runtime: ServingRuntime | None = None  # a model pod's serving runtime
    model_format: str = ""  # the format or implementation a model pod's resource names
    replicas: int = 1

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.workload}"

    def gpus(self) -> int:
        total = 0
        for c in self.containers:
            value = (c.resources.get("limits") or {}).get("nvidia.com/gpu") or (c.resources.get("requests") or {}).get("nvidia.com/gpu")
            total += int(str(value)) if value else 0
        return total


def urls_in(node, path: tuple) -> list[tuple[str, tuple]]:
    found: list[tuple[str, tuple]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            found += urls_in(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += urls_in(v, path + (i,))
    elif isinstance(node, str):
        found += [(m.group(0), path) for m in URL.finditer(node) if "{{" not in m.group(0)]
    return found


def container_of(spec: dict, name: str = "", init: bool = False) -> Container:
    env = {str(e.get("name")): str(e["value"]) for e in spec.get("env") or [] if isinstance(e, dict) and "value" in e}
    return Container(spec.get("name") or name, spec.get("securityContext") or {}, spec.get("resources") or {},
                     init=init, ports=list(spec.get("ports") or []), image=str(spec.get("image", "")), env=env,
                     mounts=list(spec.get("volumeMounts") or []))
