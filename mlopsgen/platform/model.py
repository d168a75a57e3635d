"""The typed, immutable platform model: what render and lint read.

Built once by build.py from a validated document. Nothing in this module
touches YAML or the file system.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model_serving import Model

# Classes compare by identity (eq=False): nothing compares models by value, and
# not generating __eq__/__hash__ for some twenty classes keeps `lint` startup fast.



def frozen_map(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(sorted((mapping or {}).items())))


@dataclass(frozen=True, eq=False)
class GitOps:
    repo_url: str
    revision: str
    path: str


@dataclass(frozen=True, eq=False)
class IngressGateway:
    """The gateway workload Gateways select and policies admit: installed by the tree, or provided."""

    namespace: str
    service_account: str
    labels: Mapping[str, str]
    trust_domain: str

    @property
    def principal(self) -> str:
        """Its mesh identity (SPIFFE path without the scheme), as AuthorizationPolicies name it."""
        return f"{self.trust_domain}/ns/{self.namespace}/sa/{self.service_account}"


@dataclass(frozen=True, eq=False)
class ApiServer:
    cidrs: tuple[str, ...]
    port: int


@dataclass(frozen=True, eq=False)
class Cluster:
    name: str
    server: str
    role: str
    cloud: str
    region: str
    provided: frozenset[str]  # component families the cluster already runs (keys of `provided`)
    istio_revision: str | None
    ingress_gateway: IngressGateway
    cni_plugin: str
    assigns_from_pools: bool
    api_server: ApiServer | None = None
    calico_api_server: bool = False  # Calico's API server serves projectcalico.org/v3 (IPPools of segments)
    istio_cni: bool = True  # the mesh runs Istio's CNI plugin (the tree's own always does)
    native_sidecars: bool = True  # istiod injects native sidecars (the tree's own always does)

    def provides(self, family: str) -> bool:
        return family in self.provided

    @property
    def calico_ipam(self) -> bool:
        """Pod addresses come from Calico IPPools: what subnet segments need."""
        return self.cni_plugin == "calico" and self.assigns_from_pools


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
    tls_issuer: str | None  # cert-manager ClusterIssuer for the ingress certificate
    tls_secret: str  # the Gateway's credentialName

    def mode(self, workload_class: str) -> str:
        return self.modes[workload_class]


@dataclass(frozen=True, eq=False)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True, eq=False)
class Queueing:
    """A pool whose GPUs Kueue shares among its teams (gpuPools[].queueing, mode kueue); None limit: unlimited."""

    borrowing_limit: int | None
    lending_limit: int | None


@dataclass(frozen=True, eq=False)
class GpuPool:
    name: str
    cluster: str
    gpu_type: str
    gpus_per_node: int
    nodes: int
    node_labels: Mapping[str, str]
    taints: tuple[Taint, ...]
    queueing: Queueing | None = None  # None: the team namespaces' ResourceQuotas bound its GPUs

    @property
    def capacity(self) -> int:
        return self.gpus_per_node * self.nodes


@dataclass(frozen=True, eq=False)
class ArtifactStore:
    url: str
    endpoint: str | None
    credentials_secret: str | None

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0]


@dataclass(frozen=True, eq=False)
class Database:
    instances: int
    storage: str
    artifact_volume: str  # used only without an artifact store


@dataclass(frozen=True, eq=False)
class Published:
    url: str
    cidrs: tuple[str, ...]
    client_issuer: str  # the ClusterIssuer of the CA the gateway and its clients share (mutual TLS)

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]

    @property
    def port(self) -> int:
        authority = self.url.split("://", 1)[1].split("/", 1)[0]
        return int(authority.split(":", 1)[1]) if ":" in authority else 443


@dataclass(frozen=True, eq=False)
class External:
    """A destination outside the clusters, by name, with its provider's addresses."""

    name: str
    host: str
    port: int
    cidrs: tuple[str, ...]
    classes: tuple[str, ...]  # workload classes that may reach it


@dataclass(frozen=True, eq=False)
class Service:
    name: str
    kind: str
    host: str
    port: int
    cluster: str | None
    pod_labels: Mapping[str, str]
    artifact_store: ArtifactStore | None = None
    database: Database | None = None
    published: Published | None = None

    @property
    def service_name(self) -> str:
        return self.host.split(".")[0]

    @property
    def namespace(self) -> str:
        return self.host.split(".")[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pod_port(self) -> int:
        """The port its pods listen on, which a NetworkPolicy matches: the Service's, but for Feast's online store."""
        return C.FEAST_ONLINE_POD_PORT if self.kind == "featureStore" else self.port


@dataclass(frozen=True, eq=False)
class Quota:
    cpu: str
    memory: str
    gpu: int


@dataclass(frozen=True, eq=False)
class Training:
    """What one training pod of a team asks for."""

    gpus: int
    cpu: str
    memory: str


@dataclass(frozen=True, eq=False)
class Team:
    name: str
    owners: tuple[str, ...]
    gpu_pools: tuple[str, ...]
    quotas: Mapping[str, Quota]  # environment name -> quota
    training: Training = Training(1, "1", "4Gi")

    def namespace(self, environment: str) -> str:
        return C.namespace(self.name, environment)


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
    externals: tuple[External, ...] = field(default=())

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

    def team_models(self, team: str) -> tuple[Model, ...]:
        """The team's models, in declaration order: asked for every team and environment, so it is read once."""
        return self._models_by_team.get(team, ())

    @cached_property
    def _models_by_team(self) -> dict[str, tuple[Model, ...]]:
        teams: dict[str, list[Model]] = {}
        for model in self.models:
            teams.setdefault(model.team, []).append(model)
        return {team: tuple(models) for team, models in teams.items()}
