"""What verify reports: findings (located), one verdict per journey, and flow counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsgen.errors import Location


@dataclass(frozen=True)
class Flow:
    src: str
    dst: str
    protocol: str
    port: int

    def __str__(self) -> str:
        return f"{self.src} -> {self.dst} {self.protocol}/{self.port}"


@dataclass(frozen=True)
class Finding:
    check: str  # the journey's slug
    message: str
    location: Location  # the rendered object (or rule) that decides
    hint: str = ""
    spec: Location | None = None  # the spec line that made it, where known
    severity: str = "error"  # "error" fails the journey; "warning" is reported only
    flow: Flow | None = None  # the counterexample of a connectivity mismatch

    def sort_key(self) -> tuple:
        return (self.check, self.location.file, self.location.line, self.location.column, self.message)

    def as_dict(self) -> dict:
        out = {"check": self.check, "severity": self.severity, "file": self.location.file, "line": self.location.line,
               "column": self.location.column, "message": self.message, "hint": self.hint}
        if self.spec:
            out["spec"] = {"file": self.spec.file, "line": self.spec.line, "column": self.spec.column}
        if self.flow:
            out["flow"] = {"src": self.flow.src, "dst": self.flow.dst, "protocol": self.flow.protocol, "port": self.flow.port}
        return out


@dataclass
class Verdict:
    slug: str
    journey: int
    title: str
    passed: bool
    reason: str
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Report:
    verdicts: list[Verdict]
    required: int = 0  # required flows checked
    forbidden_pairs: int = 0  # endpoint pairs whose connections were checked against intent
    outside_policy: list[str] = field(default_factory=list)  # hostNetwork pods

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for v in self.verdicts for f in v.findings), key=Finding.sort_key)

    @property
    def proven(self) -> bool:
        return all(v.passed for v in self.verdicts)
