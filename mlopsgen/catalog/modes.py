"""The network modes: one definition each, read by validation, render and lint.

A mode says which workload classes may use it, what its pods get (DNS, a mesh
sidecar, the host network), what the spec must declare for it, and which
NetworkPolicies it adds to a namespace's default deny. Pods carry their mode
as a label (`mlopsgen.dev/network-mode`) and every allow selects on it, so
classes in different modes share a namespace without sharing allows.

Adding a mode: one entry in MODES (its allows below), its name in the
schema's `mode` enum (a test compares the two), and templates if it renders
objects of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from mlopsgen.catalog import conventions as C

PLATFORM_ONLY_SERVICES = ("logs",)  # shared services team pods never reach themselves


class SharedService(Protocol):
    """What an allow needs of a shared service (the platform model's Service)."""

    @property
    def kind(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def pod_port(self) -> int: ...
    @property
    def pod_labels(self) -> Mapping[str, str]: ...


class UsesModes(Protocol):
    """An environment, as far as modes care: which mode each workload class uses."""

    def mode(self, workload_class: str) -> str: ...


@dataclass(frozen=True)
class ModeContext:
    """What a mode's allows depend on, for one team namespace in one environment."""

    local_services: tuple[SharedService, ...]  # shared services reached on this cluster
    remote_endpoints: tuple[tuple[tuple[str, ...], int], ...]  # (CIDRs, port) of services published by other clusters
    segment_cidr: str | None  # the environment's segment, where it declares one


def select_mode(mode: str) -> dict:
    return {"matchLabels": {C.NETWORK_MODE: mode}}


def policy(name: str, mode: str, ingress: list | None, egress: list | None) -> dict:
    """A NetworkPolicy for the pods of `mode`; None leaves a direction out of policyTypes."""
    types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
    spec: dict = {"podSelector": select_mode(mode), "policyTypes": types}
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {"name": name, "spec": spec}


def _dns(mode: str) -> dict:
    return policy(f"allow-{mode}-dns", mode, None, [{"to": [C.DNS_PEER], "ports": list(C.DNS_PORTS)}])


def _shared_services(ctx: ModeContext, mode: str) -> list[dict]:
    """Egress to the declared shared services: by pod selector on this cluster, by address elsewhere. Not to Loki:
    a pod that reaches it names any tenant in its own header (logs are read through Grafana, per tenant)."""
    egress = [{"to": [C.peer(s.namespace, s.pod_labels)], "ports": C.tcp(s.pod_port)} for s in ctx.local_services
              if s.kind not in PLATFORM_ONLY_SERVICES]
    egress += [{"to": [{"ipBlock": {"cidr": c}} for c in cidrs], "ports": C.tcp(port)} for cidrs, port in ctx.remote_endpoints]
    return [policy(f"allow-{mode}-shared-services", mode, None, egress)] if egress else []


def _internal(ctx: ModeContext) -> list[dict]:
    same_namespace = [{"podSelector": select_mode("internal")}]
    policies = [
        _dns("internal"),
        policy("allow-internal-same-namespace", "internal", [{"from": same_namespace}], [{"to": same_namespace}]),
        policy("allow-internal-mesh", "internal", None, [{"to": [C.ISTIOD_PEER], "ports": C.tcp(C.ISTIOD_XDS_PORT)}]),
        *_shared_services(ctx, "internal"),
    ]
    scrapers = [C.peer(s.namespace, s.pod_labels) for s in ctx.local_services if s.kind == "monitoring"]
    if scrapers:  # the models' metrics (their ServiceMonitors); nothing else of the namespace is scraped
        scrape = policy("allow-monitoring-scrape", "internal", [{"from": scrapers, "ports": C.tcp(C.ISTIO_METRICS_PORT)}], None)
        scrape["spec"]["podSelector"]["matchExpressions"] = [{"key": C.MODEL, "operator": "Exists"}]
        policies.append(scrape)
    return policies


def _subnet(ctx: ModeContext) -> list[dict]:
    assert ctx.segment_cidr is not None, "validation requires a segment for subnet mode"
    # Pods of several teams share an environment's segment: only the namespace's own subnet pods
    # may connect in. Egress to the segment reaches its hosts; another team's pods there refuse it.
    same_namespace = [{"podSelector": select_mode("subnet")}]
    segment = [{"ipBlock": {"cidr": ctx.segment_cidr}}]
    return [
        policy("allow-subnet-segment", "subnet", [{"from": same_namespace}], [{"to": same_namespace + segment}]),
        _dns("subnet"),
        *_shared_services(ctx, "subnet"),
    ]


def _none(ctx: ModeContext) -> list[dict]:
    # Redundant with the namespace's default deny, on purpose: it names the intent,
    # and keeps `none` pods isolated even if someone loosens the namespace default.
    return [policy("isolate-none", "none", [], [])]


def _nothing(ctx: ModeContext) -> list[dict]:
    return []  # hostNetwork pods are never selected by NetworkPolicies: an allow would be a lie


@dataclass(frozen=True)
class NetworkMode:
    name: str
    summary: str
    classes: frozenset[str]  # workload classes that may use the mode
    allows: Callable[[ModeContext], list[dict]]
    dns: bool = True  # pods resolve names
    sidecar: bool = False  # pods join the mesh (Istio sidecar injected)
    serves_models: bool = False  # models can be served here (reached through the mesh)
    host_network: bool = False  # pods share the node's network: outside NetworkPolicy
    isolated: bool = False  # nothing in, nothing out, no token, no Service (lint holds pods to it)
    same_namespace: bool = False  # pods reach the pods of the same mode in their namespace
    needs_segment: bool = False  # the environment declares `segment`
    needs_justification: bool = False  # the environment declares `hostNetworkJustification`
    needs_gpu_pool: bool = False  # pods are pinned to a GPU pool on the environment's cluster
    why_these_classes: str = ""  # said when another class asks for the mode


ALL_CLASSES = frozenset(C.WORKLOAD_CLASSES)

# Registry order is render order: a namespace's allow policies follow it.
MODES: dict[str, NetworkMode] = {mode.name: mode for mode in (
    NetworkMode("internal", "DNS, the namespace, declared shared services and the mesh; models serve here",
                ALL_CLASSES, _internal, sidecar=True, serves_models=True, same_namespace=True),
    NetworkMode("subnet", "the environment's segment (its hosts, and the namespace's own pods), DNS and the shared services",
                ALL_CLASSES, _subnet, needs_segment=True, same_namespace=True),
    # Validation runs offline as a Job its workflow creates (render/workflows.py); training and
    # monitoring steps are ordinary Argo steps, whose executor reports to the API server, and they
    # must reach MLflow. Inference may be `none` in an environment that serves no models.
    NetworkMode("none", "no ingress, no egress, no DNS, no token",
                frozenset({"validation", "inference"}), _none, dns=False, isolated=True,
                why_these_classes="an Argo step with no network never completes, as its executor reports to the API "
                                  "server; validation runs offline in a Job its workflow creates"),
    NetworkMode("host", "the node's network (GPU training only, with a justification); NetworkPolicies do not apply",
                frozenset({"training"}), _nothing, host_network=True, needs_justification=True, needs_gpu_pool=True,
                why_these_classes="NCCL and RDMA need the node's interfaces; nothing else does"),
)}

HOST_NOTE = (
    "Pods with hostNetwork share the node's network namespace; NetworkPolicies do not select them, "
    "so training in host mode is NOT isolated by this namespace's policies."
)


IO_MODE = "internal"  # the fetch and report steps of isolated validation reach MLflow through the mesh


def io_mode(validation_mode: str) -> str:
    """The mode of validation's fetch and report steps: validation's own, unless that one is isolated."""
    return IO_MODE if MODES[validation_mode].isolated else validation_mode


def modes_of(env: UsesModes) -> list[NetworkMode]:
    """The modes an environment uses, in registry order."""
    used = {env.mode(c) for c in C.WORKLOAD_CLASSES}
    return [mode for name, mode in MODES.items() if name in used]


def host_network_classes() -> frozenset[str]:
    """The only workload classes lint lets use the host network."""
    return frozenset().union(*(m.classes for m in MODES.values() if m.host_network))


def isolated_modes() -> frozenset[str]:
    return frozenset(m.name for m in MODES.values() if m.isolated)


def modes_without_dns() -> frozenset[str]:
    return frozenset(m.name for m in MODES.values() if not m.dns)
