"""The typed, immutable model of what the platform serves: models, their tracks, routes and SLOs.

Part of the platform model (model.py), built by build.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mlopsgen.platform.model_monitoring import Monitors, Payloads


@dataclass(frozen=True, eq=False)
class Autoscaling:
    max_replicas: int
    target_utilization: int


@dataclass(frozen=True, eq=False)
class ModelPlacement:
    replicas: int
    autoscaling: Autoscaling | None
    canary_weight: int | None  # None: the model's canary weight (or no canary)
    host: str | None = None  # None: the model's exposure host

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
    accuracy_metric: str | None = None


@dataclass(frozen=True, eq=False)
class Retraining:
    schedule: str | None  # None: no CronWorkflow, only alerts start it
    image: str
    environment: str
    drift_threshold: float
    triggers: tuple[str, ...] = ("schedule",)  # schedule, drift, slo

    @property
    def alert_triggers(self) -> tuple[str, ...]:
        """The triggers that are alerts (Alertmanager to an Argo Events webhook), not the schedule."""
        return tuple(t for t in self.triggers if t != "schedule")


@dataclass(frozen=True, eq=False)
class Promotion:
    """A person's move of the served alias in the registry rolls the model out (render/promotion.py)."""

    secret: str  # the team namespace's Secret whose key `secret` MLflow signs deliveries with


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
    payloads: Payloads | None = None
    monitors: Monitors | None = None
    promotion: Promotion | None = None  # None: a registry promotion rolls nothing

    def host_in(self, environment: str) -> str | None:
        """The external host the model is exposed under in `environment` (None: not exposed)."""
        if self.exposure is None:
            return None
        return self.environments[environment].host or self.exposure.host

    def canary_weight(self, environment: str) -> int:
        """Percent of traffic for the canary in `environment` (0 without a canary)."""
        if self.canary is None:
            return 0
        placement = self.environments[environment].canary_weight
        return self.canary.weight if placement is None else placement
