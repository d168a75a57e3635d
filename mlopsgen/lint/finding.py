"""What a rule reports, and what the engine makes of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsgen.findings import Finding

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Issue:
    """Yielded by a rule: where and what. The rule never decides its own severity."""

    line: int
    column: int
    message: str
    hint: str = ""


@dataclass(frozen=True, order=True)
class Suppressed:
    """A finding someone accepted, and why: reports show both."""

    finding: Finding
    source: str  # "inline", "config" or "spec": where the suppression is written
    reason: str

    def as_dict(self) -> dict:
        return {**self.finding.as_dict(), "suppressed_by": self.source, "reason": self.reason}


@dataclass(frozen=True)
class LintResult:
    """What a run found, as every reporter receives it."""

    findings: list[Finding]
    suppressed: list[Suppressed] = field(default_factory=list)
    files: int = 0  # files linted (manifests and specs; templates and unreadable files not counted)
    templates: tuple[str, ...] = ()  # files skipped as templates (Helm, gomplate, Jinja)
