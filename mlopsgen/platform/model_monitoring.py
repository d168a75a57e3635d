"""The typed model of what a model logs and what watches it: payload logging, and the drift and accuracy monitors.

Part of the platform model (model_serving.py's Model holds them), built by build.py.
"""

from __future__ import annotations

from dataclasses import dataclass

OBJECT_STORE_SCHEMES = ("s3://",)  # where KServe's agent writes blobs itself (its blob logger knows S3 only)
SINK_SCHEMES = ("http://", "https://")  # a CloudEvents sink the agent posts each payload to


@dataclass(frozen=True, eq=False)
class Payloads:
    mode: str  # request, response or all
    url: str  # an object-store prefix or a CloudEvents sink
    store: str  # the `externals` entry the agent reaches it through (its host and CIDRs)
    batch_size: int | None

    @property
    def in_object_store(self) -> bool:
        return self.url.startswith(OBJECT_STORE_SCHEMES)

    @property
    def bucket(self) -> str:
        """`s3://bucket/prefix` -> `s3://bucket`: KServe's blob logger takes the bucket as its URL, the rest as path."""
        scheme, _, rest = self.url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"

    @property
    def prefix(self) -> str:
        rest = self.url.partition("://")[2]
        return "/" + rest.split("/", 1)[1].strip("/") if "/" in rest.strip("/") else "/"


@dataclass(frozen=True, eq=False)
class Monitor:
    """One monitor of a model: what it compares the logged payloads with, how often, and in which image."""

    kind: str  # drift or accuracy
    image: str
    source: str  # drift: the reference data; accuracy: the delayed ground-truth labels
    metric: str  # drift: the statistic (psi, ks, ...); accuracy: the score (accuracy, f1, ...)
    threshold: float  # drift: the score above which drift is declared; accuracy: unused (the SLO's minimum)
    schedule: str | None  # cron; None: streaming


@dataclass(frozen=True, eq=False)
class Monitors:
    drift: Monitor | None
    accuracy: Monitor | None

    def each(self) -> list[Monitor]:
        return [m for m in (self.drift, self.accuracy) if m is not None]
