"""What verify reports: findings (located), one verdict per journey, and flow counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsgen.errors import Location
from mlopsgen.findings import Finding
from mlopsgen.verify.journey_ids import journey_id


@dataclass(frozen=True)
class Flow:
    src: str
    dst: str
    protocol: str
    port: int

    def __str__(self) -> str:
        return f"{self.src} -> {self.dst} {self.protocol}/{self.port}"


def finding(check: str, message: str, location: Location, hint: str = "", spec: Location | None = None,
            severity: str = "error", flow: Flow | None = None) -> Finding:
    """A problem of the journey `check`, at the rendered object (or rule) that decides, with the spec line
    that made it where known."""
    return Finding(location.file, location.line, location.column, check, journey_id(check), severity, message, hint, spec, flow)


def sort_key(f: Finding) -> tuple:
    """Journey by journey in their order (a stale tree, in the first, is said first), then by place."""
    return (f.id, f.file, f.line, f.column, f.message)


@dataclass
class Verdict:
    slug: str
    journey: int
    title: str
    passed: bool
    reason: str
    findings: list[Finding] = field(default_factory=list)
    unknown: bool = False  # nothing failed, but what it judges was not seen (a chart not rendered, the tree's place)

    @property
    def state(self) -> str:
        return "PASS" if self.passed else "UNKNOWN" if self.unknown else "FAIL"


@dataclass
class Report:
    verdicts: list[Verdict]
    required: int = 0  # required flows checked
    forbidden_pairs: int = 0  # endpoint pairs whose connections were checked against intent
    outside_policy: list[str] = field(default_factory=list)  # hostNetwork pods
    unseen: list[str] = field(default_factory=list)  # chart apps not rendered, and why
    unplaced: str = ""  # why where the tree sits in its repository is not known ('' when it is)

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for v in self.verdicts for f in v.findings), key=sort_key)

    @property
    def proven(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def failed(self) -> bool:
        return any(not v.passed and not v.unknown for v in self.verdicts)


def not_seen(stats: dict, slug: str, cause: str) -> None:
    """Say that a journey's check could not see what it judges (a component the cluster provides): the journey
    is UNKNOWN unless something failed, never PASS."""
    stats.setdefault("not seen", {}).setdefault(slug, []).append(cause)
