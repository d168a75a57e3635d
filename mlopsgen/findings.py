"""The one finding model of lint and verify: a located problem, of a lint rule or of a verify journey.

Both commands report it through the same writers (mlopsgen/reporters.py): the same shape in text, JSON,
SARIF, GitHub annotations, JUnit and GitLab, with the same escaping and limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from mlopsgen.errors import Location


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    column: int
    rule: str  # a lint rule's slug, or a verify journey's
    id: str  # MLG... for a rule, MLV... for a journey
    severity: str  # error, warning or info
    message: str
    hint: str = ""
    related: Location | None = field(default=None, compare=False)  # the spec line that made it, where known
    flow: Any = field(default=None, compare=False)  # verify: the connection that counters the intent

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.column)

    @property
    def text(self) -> str:
        """Message and hint, as one line of prose."""
        return f"{self.message}. {self.hint}" if self.hint else self.message

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "id": self.id, "severity": self.severity, "file": self.file,
                               "line": self.line, "column": self.column, "message": self.message, "hint": self.hint}
        if self.related:
            out["spec"] = {"file": self.related.file, "line": self.related.line, "column": self.related.column}
        if self.flow:
            out["flow"] = {"src": self.flow.src, "dst": self.flow.dst, "protocol": self.flow.protocol, "port": self.flow.port}
        return out


# The order `order=True` gives (the compared fields, in turn), as one key read in C: sorting thousands of
# findings through the generated __lt__ costs more than finding them.
IN_ORDER = attrgetter("file", "line", "column", "rule", "id", "severity", "message", "hint")
