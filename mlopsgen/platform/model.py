"""The typed, immutable platform model: what render and lint read.

Built once from a validated document whose plain defaults the schema has
filled in (defaults.py); the defaults derived from other values are applied
here and nowhere else. Nothing in this module touches YAML or the file system.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mlopsgen.catalog import conventions as C

# Classes compare by identity (eq=False): nothing compares models by value, and
# not generating __eq__/__hash__ for some twenty classes keeps `lint` startup fast.



def _frozen_map(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(sorted((mapping or {}).items())))


@dataclass(frozen=True, eq=False)
class GitOps:
    repo_url: str
    revision: str
    path: str


@dataclass(frozen=True, eq=False)
class Cluster:
    name: str
    server: str
    role: str
    cloud: str
    region: str


@dataclass(frozen=True, eq=False)
class Segment:
    cidr: str
    block_size: int


@dataclass(frozen=True, eq=False)
class Environment:
    name: str
    cluster: str
    modes: Mapping[str, str]  # workload class -> network mode
    host_justification: str
    segment: Segment | None

    def mode(self, workload_class: str) -> str:
        return self.modes[workload_class]


@dataclass(frozen=True, eq=False)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True, eq=False)
class GpuPool:
    name: str
    cluster: str
    gpu_type: str
    gpus_per_node: int
    nodes: int
    node_labels: Mapping[str, str]
    taints: tuple[Taint, ...]

    @property
    def capacity(self) -> int:
        return self.gpus_per_node * self.nodes


@dataclass(frozen=True, eq=False)
class Service:
    name: str
    kind: str
    host: str
    port: int
    cluster: str | None
    pod_labels: Mapping[str, str]

    @property
    def service_name(self) -> str:
        return self.host.split(".")[0]

    @property
    def namespace(self) -> str:
        return self.host.split(".")[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True, eq=False)
class Quota:
    cpu: str
    memory: str
    gpu: int


@dataclass(frozen=True, eq=False)
class Team:
    name: str
    owners: tuple[str, ...]
    gpu_pools: tuple[str, ...]
    quotas: Mapping[str, Quota]  # environment name -> quota

    def namespace(self, environment: str) -> str:
        return C.namespace(self.name, environment)


@dataclass(frozen=True, eq=False)
class Autoscaling:
    max_replicas: int
    target_utilization: int


@dataclass(frozen=True, eq=False)
class ModelPlacement:
    replicas: int
    autoscaling: Autoscaling | None
    canary_weight: int | None  # None: the model's canary weight (or no canary)

    @property
    def max_replicas(self) -> int:
        return self.autoscaling.max_replicas if self.autoscaling else self.replicas

    @property
    def target_utilization(self) -> int | None:
        return self.autoscaling.target_utilization if self.autoscaling else None


@dataclass(frozen=True, eq=False)
class Canary:
    source: str
    weight: int


@dataclass(frozen=True, eq=False)
class Exposure:
    host: str
    paths: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Auth:
    issuer: str
    jwks_uri: str
    audiences: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Slos:
    p95_latency_ms: float | None
    error_rate: float | None
    min_accuracy: float | None


@dataclass(frozen=True, eq=False)
class Retraining:
    schedule: str
    image: str
    environment: str
    drift_threshold: float


@dataclass(frozen=True, eq=False)
class Model:
    name: str
    team: str
    source: str
    runtime: str
    format: str
    cpu: str
    memory: str
    gpus: int
    gpu_pool: str | None
    environments: Mapping[str, ModelPlacement]
    canary: Canary | None
    exposure: Exposure | None
    auth: Auth | None
    callers: tuple[str, ...]
    slos: Slos | None
    retraining: Retraining | None

    def canary_weight(self, environment: str) -> int:
        """Percent of traffic for the canary in `environment` (0 without a canary)."""
        if self.canary is None:
            return 0
        placement = self.environments[environment].canary_weight
        return self.canary.weight if placement is None else placement


@dataclass(frozen=True, eq=False)
class Suppression:
    rule: str
    path: str
    reason: str
    expires: str | None


@dataclass(frozen=True, eq=False)
class Platform:
    name: str
    source_file: str
    gitops: GitOps
    clusters: tuple[Cluster, ...]
    environments: tuple[Environment, ...]
    gpu_pools: tuple[GpuPool, ...]
    services: tuple[Service, ...]
    teams: tuple[Team, ...]
    models: tuple[Model, ...]
    suppressions: tuple[Suppression, ...] = field(default=())

    def cluster(self, name: str) -> Cluster:
        return next(c for c in self.clusters if c.name == name)

    def environment(self, name: str) -> Environment:
        return next(e for e in self.environments if e.name == name)

    def gpu_pool(self, name: str) -> GpuPool:
        return next(p for p in self.gpu_pools if p.name == name)

    def team(self, name: str) -> Team:
        return next(t for t in self.teams if t.name == name)

    def team_environments(self, team: Team) -> tuple[Environment, ...]:
        """The environments a team is deployed to, in declaration order."""
        return tuple(e for e in self.environments if e.name in team.quotas)

    def team_pools_on(self, team: Team, cluster: str) -> tuple[GpuPool, ...]:
        return tuple(self.gpu_pool(p) for p in team.gpu_pools if self.gpu_pool(p).cluster == cluster)

    def services_for(self, cluster: str) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.cluster in (None, cluster))


def build_platform(data: dict, source_file: str) -> Platform:
    """Turn a validated document into the model."""
    from mlopsgen.platform.defaults import with_defaults
    from mlopsgen.platform.schema import platform_schema

    data = with_defaults(data, platform_schema())
    gitops = data["gitops"]
    return Platform(
        name=data["metadata"]["name"],
        source_file=source_file,
        gitops=GitOps(gitops["repoURL"], gitops["revision"], gitops["path"].rstrip("/")),
        clusters=tuple(
            Cluster(c["name"], c["server"], c["role"], c["cloud"], c.get("region", "")) for c in data["clusters"]
        ),
        environments=tuple(_environment(e) for e in data["environments"]),
        gpu_pools=tuple(_gpu_pool(p) for p in data["gpuPools"]),
        services=tuple(
            Service(
                s["name"], s["kind"], s["host"], s["port"], s.get("cluster"),
                _frozen_map(s.get("podLabels") or {"app.kubernetes.io/name": s["host"].split(".")[0]}),
            )
            for s in data["services"]
        ),
        teams=tuple(_team(t) for t in data["teams"]),
        models=tuple(_model(m, data) for m in data["models"]),
        suppressions=tuple(
            Suppression(s["rule"], s["path"], s["reason"], s.get("expires")) for s in data["lint"]["suppressions"]
        ),
    )


def _environment(e: dict) -> Environment:
    segment = e.get("segment")
    return Environment(
        name=e["name"],
        cluster=e["cluster"],
        modes=MappingProxyType(dict(e["network"])),
        host_justification=e.get("hostNetworkJustification", ""),
        segment=Segment(segment["cidr"], segment["blockSize"]) if segment else None,
    )


def _gpu_pool(p: dict) -> GpuPool:
    return GpuPool(
        name=p["name"],
        cluster=p["cluster"],
        gpu_type=p["gpuType"],
        gpus_per_node=p["gpusPerNode"],
        nodes=p["nodes"],
        node_labels=_frozen_map(p.get("nodeLabels") or {C.GPU_POOL: p["name"]}),
        taints=tuple(Taint(t["key"], t.get("value", ""), t["effect"]) for t in p["taints"]),
    )


def _team(t: dict) -> Team:
    return Team(
        name=t["name"],
        owners=tuple(t["owners"]),
        gpu_pools=tuple(t["gpuPools"]),
        quotas=MappingProxyType({env: Quota(str(q["cpu"]), str(q["memory"]), q["gpu"]) for env, q in t["quotas"].items()}),
    )


def _retraining_environment(m: dict, data: dict) -> str:
    """Explicit, else the first of the model's environments where its team has a GPU pool."""
    if "environment" in m["retraining"]:
        return m["retraining"]["environment"]
    team = next(t for t in data["teams"] if t["name"] == m["team"])
    pool_clusters = {p["cluster"] for p in data["gpuPools"] if p["name"] in team["gpuPools"]}
    env_cluster = {e["name"]: e["cluster"] for e in data["environments"]}
    names = list(m["environments"])
    return next((e for e in names if env_cluster[e] in pool_clusters), names[0])


def _placement(s: dict) -> ModelPlacement:
    scaling = s.get("autoscaling")
    autoscaling = Autoscaling(scaling["maxReplicas"], scaling["targetUtilization"]) if scaling else None
    return ModelPlacement(s["replicas"], autoscaling, s.get("canaryWeight"))


def _model(m: dict, data: dict) -> Model:
    resources = m["resources"]
    canary, exposure, auth, slos, retraining = (m.get(k) for k in ("canary", "exposure", "auth", "slos", "retraining"))
    return Model(
        name=m["name"],
        team=m["team"],
        source=m["source"],
        runtime=m["runtime"],
        format=m["format"],
        cpu=str(resources["cpu"]),
        memory=str(resources["memory"]),
        gpus=resources["gpus"],
        gpu_pool=m.get("gpuPool"),
        environments=MappingProxyType({env: _placement(s) for env, s in m["environments"].items()}),
        canary=Canary(canary["source"], canary["weight"]) if canary else None,
        exposure=Exposure(exposure["host"], tuple(exposure["paths"])) if exposure else None,
        auth=Auth(auth["issuer"], auth.get("jwksUri", ""), tuple(auth["audiences"])) if auth else None,
        callers=tuple(m["callers"]),
        slos=Slos(slos.get("p95LatencyMs"), slos.get("errorRate"), slos.get("minAccuracy")) if slos else None,
        retraining=Retraining(
            retraining["schedule"], retraining["image"], _retraining_environment(m, data), retraining["driftThreshold"],
        ) if retraining else None,
    )
