"""Intent: the flows each journey needs, and what else the spec permits (everything else is forbidden).

The connectivity the platform needs, and only that. Required: DNS (except `none`), sidecar to
istiod, training and serving to tracking (every mode that has a network and
is not the host's), every workflow pod to the API
server, gateway to exposed models on their serving port, Prometheus to the
scrape port, declared callers to a model. Forbidden: any flow across teams or
environments the spec does not declare, anything in or out of `none` pods,
internet egress, and pods of different teams on one segment reaching each other.
Intent reads the spec's modes, never the tree's labels: a pod whose label was
edited is judged by what the spec says it should be.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES, PLATFORM_ONLY_SERVICES
from mlopsgen.catalog.runtimes import runtime_of
from mlopsgen.kube import ports as P
from mlopsgen.platform.model import Environment, Model, Platform, Team
from mlopsgen.render.monitors import scrape_port
from mlopsgen.verify.endpoints import Endpoint

WORKFLOW_CLASS = {"training": "training", "validation": "validation"}  # WorkflowTemplate name -> class


@dataclass(frozen=True)
class Required:
    src: Endpoint
    dst: Endpoint
    protocol: str
    port: int
    why: str
    spec_path: tuple = ()


@dataclass
class Intent:
    """Who each team pod is according to the spec."""

    team: Team
    env: Environment
    workload_class: str  # "" for a pod without mlopsgen's labels
    model: Model | None
    staging: str | None = None  # an Argo step that stages inputs for an isolated pod: the mode it declares

    @property
    def mode(self) -> str:
        if self.staging:
            return self.staging
        # A pod the tree does not describe (a Job a team member creates) gets only the namespace's default deny.
        return self.env.mode(self.workload_class) if self.workload_class else "none"


class Intents:
    def __init__(self, platform: Platform):
        self.platform = platform
        self.namespaces = {t.namespace(e.name): (t, e) for t in platform.teams for e in platform.team_environments(t)}
        self.models = {(m.team, name): m for m in platform.models for name in runtime_of(m).object_names(m)}

    def of(self, ep: Endpoint) -> Intent | None:
        if ep.role != "team" or ep.namespace not in self.namespaces:
            return None
        team, env = self.namespaces[ep.namespace]
        pod = ep.pod
        if pod is None:
            return Intent(team, env, "", None)
        if pod.kind == "model":
            model = self.models.get((team.name, pod.origin.name))
            return Intent(team, env, "inference", model)
        if C.NETWORK_MODE not in pod.labels and pod.kind == "workflow" and pod.orchestrates:
            return Intent(team, env, "", None)  # an Argo resource step: it only talks to the API server
        cls = str(pod.labels.get(C.WORKLOAD_CLASS) or WORKFLOW_CLASS.get(pod.workload.rsplit("/", 1)[-1], "training"))
        if cls not in C.WORKLOAD_CLASSES:
            cls = "training"
        declared = str(pod.labels.get(C.NETWORK_MODE, ""))
        if (pod.kind == "workflow" and MODES[env.mode(cls)].isolated and declared in MODES
                and not MODES[declared].isolated and not MODES[declared].host_network):
            # An Argo step cannot be isolated (its executor needs the API server): it stages the inputs of the
            # isolated pod and is held to the mode it declares; the workflows journey checks an isolated pod exists.
            return Intent(team, env, cls, None, staging=declared)
        return Intent(team, env, cls, None)


def reaches_services(mode) -> bool:
    """Training and serving reach tracking; every mode but the isolated and the host one is held to it."""
    return not mode.isolated and not mode.host_network


def serving_port(model: Model) -> int:
    return runtime_of(model).serving_port


def _index(platform: Platform, kind: str, name: str) -> int:
    items: tuple = {"models": platform.models, "services": platform.services, "teams": platform.teams,
                    "environments": platform.environments}[kind]
    return next(i for i, item in enumerate(items) if item.name == name)


def _external(platform: Platform, name: str):
    return next((x for x in platform.externals if x.name == name), None)


def required_flows(platform: Platform, intents: Intents, endpoints: list[Endpoint]) -> list[Required]:
    by_role: dict[str, list[Endpoint]] = {}
    for ep in endpoints:
        by_role.setdefault(ep.role, []).append(ep)
    flows: list[Required] = []

    def each(role: str) -> list[Endpoint]:
        return by_role.get(role, [])

    for ep in each("team"):
        intent = intents.of(ep)
        if intent is None or ep.host_network:
            continue
        mode = MODES[intent.mode]
        env_path = ("environments", _index(platform, "environments", intent.env.name), "network")
        if mode.dns:
            for dns in each("dns"):
                flows += [Required(ep, dns, proto, C.DNS_PORT, "DNS", env_path) for proto in ("UDP", "TCP")]
        if mode.sidecar:
            flows += [Required(ep, istiod, "TCP", C.ISTIOD_XDS_PORT, "sidecar to istiod", env_path) for istiod in each("istiod")]
        monitor = ep.pod is not None and ep.pod.kind == "monitor"
        if monitor:  # Prometheus scrapes a model's monitors, which read the tracking server (the store is an external)
            flows += [Required(prom, ep, "TCP", scrape_port(intent.env)[0], "Prometheus scrape of a monitor", env_path)
                      for prom in each("service") if prom.note == "monitoring"]
        if reaches_services(mode) and (intent.workload_class in ("training", "inference") or monitor):
            # training and inference read features; a monitor reads the tracking server only (its image contract)
            needs = ("tracking",) if monitor else ("tracking", "featureStore")
            for svc in each("service") + each("published"):
                if svc.note in needs:
                    service = svc.label.split("/")[-1].removesuffix("-published")
                    flows.append(Required(ep, svc, "TCP", svc.ports[0]["containerPort"], f"{intent.workload_class} to {svc.note}",
                                          ("services", _index(platform, "services", service))))
        if ep.pod and ep.pod.kind == "workflow":
            for api in each("apiserver"):
                flows.append(Required(ep, api, "TCP", api.ports[0]["containerPort"], "workflow pod to the API server",
                                      ("clusters", next(i for i, c in enumerate(platform.clusters) if c.name == ep.cluster))))
        if not mode.isolated and not intent.staging:  # staging steps fetch from MLflow, not from externals
            for dst in each("external"):
                external = _external(platform, dst.note)
                if external and intent.workload_class in external.classes:
                    index = next(i for i, x in enumerate(platform.externals) if x is external)
                    flows.append(Required(ep, dst, "TCP", external.port, f"{intent.workload_class} to external {external.name}",
                                          ("externals", index)))
        model = intent.model
        if model is not None:
            model_path = ("models", _index(platform, "models", model.name))
            if model.exposure and mode.serves_models:
                flows += [Required(gw, ep, "TCP", serving_port(model), "gateway to exposed model", model_path + ("exposure",))
                          for gw in each("gateway")]
            if mode.sidecar:
                flows += [Required(prom, ep, "TCP", C.ISTIO_METRICS_PORT, "Prometheus scrape", model_path)
                          for prom in each("service") if prom.note == "monitoring"]
            for caller in each("team"):
                ci = intents.of(caller)
                if (ci and ci.team.name in model.callers and ci.env is intent.env and MODES[ci.mode].sidecar
                        and not caller.host_network):
                    flows.append(Required(caller, ep, "TCP", serving_port(model), "declared caller to model", model_path + ("callers",)))
    return flows


def permitted(intents: Intents, src: Endpoint, dst: Endpoint, segments: dict[str, str]) -> P.PortSet:
    """The ports the spec permits from src to dst (the rest of an allowed connection is a leak)."""
    si, di = intents.of(src), intents.of(dst)
    if dst.role == "apiserver" and si and src.pod is not None and src.pod.kind == "workflow":
        return P.single("TCP", dst.ports[0]["containerPort"])  # Argo's executor reports through the API, in every mode
    if (si and MODES[si.mode].isolated) or (di and MODES[di.mode].isolated):
        return P.NONE
    if si and di:
        if si.team is di.team and si.env is di.env:
            return P.ALL if si.mode == di.mode and MODES[si.mode].same_namespace else P.NONE
        if (di.model and si.team.name in di.model.callers and si.env is di.env and MODES[si.mode].sidecar):
            return P.single("TCP", serving_port(di.model))
        return P.NONE
    if si:  # team -> platform or outside
        mode = MODES[si.mode]
        if dst.role == "dns" and mode.dns:
            return frozenset({("UDP", 53, 53), ("TCP", 53, 53)})
        if dst.role == "istiod" and mode.sidecar:
            return P.single("TCP", dst.ports[0]["containerPort"])
        if dst.role in ("service", "published") and reaches_services(mode) and dst.note not in PLATFORM_ONLY_SERVICES:
            return P.single("TCP", dst.ports[0]["containerPort"])
        if dst.role == "apiserver" and src.pod is not None and src.pod.kind == "workflow":
            return P.single("TCP", dst.ports[0]["containerPort"])
        if dst.role == "segment" and mode.needs_segment and segments.get(si.env.name) == dst.note:
            return P.ALL
        if (dst.role == "external" and not si.staging and (external := _external(intents.platform, dst.note))
                and si.workload_class in external.classes):
            return P.single("TCP", external.port)
        return P.NONE
    if di:  # platform or outside -> team
        mode = MODES[di.mode]
        if src.role == "gateway" and di.model and di.model.exposure and mode.serves_models:
            return P.single("TCP", serving_port(di.model))
        if src.role == "service" and src.note == "monitoring" and dst.pod is not None and dst.pod.kind == "monitor":
            return P.single("TCP", scrape_port(di.env)[0])
        if src.role == "service" and src.note == "monitoring" and mode.sidecar:
            return P.single("TCP", C.ISTIO_METRICS_PORT)
        if src.role == "segment" and mode.needs_segment and segments.get(di.env.name) == src.note:
            return P.ALL
        return P.NONE
    return P.ALL
