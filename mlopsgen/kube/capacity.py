"""What pods ask of a namespace's quota and of a GPU pool, as the API server counts it.

One evaluator for validate (the pods a spec runs) and verify (the pods a tree runs):
- A LimitRange's Container item as stored: a missing `default` takes `max`, a missing
  `defaultRequest` takes `default`, then `min` (pkg/apis/core/v1/defaults.go, SetDefaults_LimitRangeItem).
- A container's amounts: a limit without a request is also the request (API defaulting,
  SetDefaults_Pod), then the LimitRanger admission plugin fills what is still unset:
  requests from `defaultRequest`, limits from `default`.
- A pod's amounts (KEP-753, resourcehelper.PodRequests): the larger of its containers plus its
  restartable init containers (native sidecars), and each init container plus the sidecars
  started before it (here: all of them, an upper bound); ResourceQuota counts pods so.
- Quota keys: `cpu` and `memory` are `requests.cpu` and `requests.memory`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlopsgen.kube.quantities import quantity
from mlopsgen.kube.walk import items, mapping

Amounts = dict[str, float]


@dataclass(frozen=True)
class ContainerUse:
    """A container's `resources`, and where it runs in the pod's life."""

    resources: Mapping[str, Any]
    init: bool = False
    sidecar: bool = False  # a restartable init container: it runs beside the main containers


def limit_defaults(limit_range_spec: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(defaultRequest, default) of a LimitRange's Container item, defaulted as the API server stores them."""
    for item in items(mapping(limit_range_spec).get("limits")):
        if isinstance(item, dict) and item.get("type") == "Container":
            default = {**_map(item.get("max")), **_map(item.get("default"))}
            request = {**_map(item.get("min")), **default, **_map(item.get("defaultRequest"))}
            return request, default
    return {}, {}


def _map(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def container_amounts(resources: Mapping[str, Any], defaults: tuple[Mapping[str, Any], Mapping[str, Any]]) -> Amounts:
    """`requests.X` and `limits.X` of one container once the API server has admitted it."""
    requests, limits = _map(mapping(resources).get("requests")), _map(mapping(resources).get("limits"))
    for key, value in limits.items():
        requests.setdefault(key, value)
    default_request, default_limit = defaults
    for key, value in default_request.items():
        requests.setdefault(key, value)
    for key, value in default_limit.items():
        limits.setdefault(key, value)
    out = {f"requests.{k}": quantity(v) for k, v in requests.items()}
    out.update({f"limits.{k}": quantity(v) for k, v in limits.items()})
    return out


def _add(total: Amounts, amounts: Mapping[str, float]) -> Amounts:
    return {k: total.get(k, 0.0) + amounts.get(k, 0.0) for k in set(total) | set(amounts)}


def pod_amounts(containers: Sequence[ContainerUse], defaults: tuple[Mapping[str, Any], Mapping[str, Any]]) -> Amounts:
    """What one pod counts against its namespace's quota."""
    running: Amounts = {}
    sidecars: Amounts = {}
    inits: list[Amounts] = []
    for container in containers:
        amounts = container_amounts(container.resources, defaults)
        if container.sidecar:
            sidecars = _add(sidecars, amounts)
        elif container.init:
            inits.append(amounts)
        else:
            running = _add(running, amounts)
    # Each init container runs beside the sidecars started before it; all of them, at most (Istio starts its
    # proxy ahead of the pod's own init containers, so that they reach the network).
    windows = [_add(amounts, sidecars) for amounts in inits]
    running = _add(running, sidecars)
    return {k: max([running.get(k, 0.0), *(w.get(k, 0.0) for w in windows)]) for k in set(running).union(*windows)}


def quota_key(key: str) -> str:
    return key if "." in key or key == "pods" else f"requests.{key}"


@dataclass(frozen=True)
class Shortfall:
    key: str  # as the quota names it
    limit: float
    need: float


def shortfalls(hard: Mapping[str, float], running: Iterable[tuple[Mapping[str, float], int]]) -> list[Shortfall]:
    """The quota keys that cannot hold what runs together: (pod amounts, how many such pods) pairs."""
    together: Amounts = {}
    for amounts, count in running:
        together = _add(together, {k: v * count for k, v in amounts.items()})
    out = []
    for key, limit in sorted(hard.items()):
        need = together.get(quota_key(key), 0.0)
        if need > limit * (1 + 1e-9) + 1e-12:
            out.append(Shortfall(key, limit, need))
    return out


def pool_overflow(gpus_per_node: int, nodes: int, pods: Sequence[int]) -> str | None:
    """Why pods asking these GPUs cannot all run on the pool at once, when they certainly cannot; None when they
    may (a pod runs on one node: the total must fit, and two pods asking over half a node never share one)."""
    total, capacity = sum(pods), nodes * gpus_per_node
    if total > capacity:
        return f"{total} GPUs at once, but its {nodes} node(s) of {gpus_per_node} hold {capacity}"
    large = [g for g in pods if 2 * g > gpus_per_node]
    if len(large) > nodes:
        return f"{len(large)} pods each need more than half a node of {gpus_per_node} GPUs, but the pool has {nodes} node(s)"
    return None
