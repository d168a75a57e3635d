"""Templates are not manifests: Helm chart templates and files in a template language are skipped.

Helm renders every file under a chart's `templates/` (the directory beside
`Chart.yaml`, Helm's chart layout), so what is there is Go template source, not
YAML, even where it happens to parse. Elsewhere a file that does not parse and
holds `{{ ... }}` (Go templates: Helm, gomplate) or `{% ... %}` (Jinja) is a
template too. A file that parses is linted: `{{ }}` inside a string is a value
(Argo Workflows parameters, Prometheus alert annotations).
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


class Charts:
    """Which directories are Helm charts, looked up once per directory in a run."""

    def __init__(self) -> None:
        self._known: dict[Path, bool] = {}

    def is_chart(self, directory: Path) -> bool:
        if directory not in self._known:
            self._known[directory] = (directory / "Chart.yaml").is_file()
        return self._known[directory]

    def chart_of(self, path: Path) -> Path | None:
        """The chart whose `templates/` holds `path`, if any."""
        parts = path.absolute().parts
        for i in range(len(parts) - 2, 0, -1):
            if parts[i] == "templates" and self.is_chart(Path(*parts[:i])):
                return Path(*parts[:i])
        return None


def has_template_syntax(text: str) -> bool:
    return ("{{" in text or "{%" in text) and TEMPLATE_SYNTAX.search(text) is not None
