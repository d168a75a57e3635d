"""Charts at hand, by the name and version their Chart.yaml (or `helm pull`'s file name) gives."""

from __future__ import annotations

import re
from pathlib import Path


class ChartIndex:
    """Charts at hand: folders holding Chart.yaml and `<name>-<version>.tgz` packages, in the --charts folders and
    in the cache (pulled ones); each known by its name and version as Chart.yaml says."""

    def __init__(self, folders: list[Path]):
        self.charts: dict[tuple[str, str], Path] = {}
        for folder in folders:
            if not folder.is_dir():
                continue
            for entry in sorted(folder.iterdir()):
                key = _chart_key(entry)
                if key is not None:
                    self.charts.setdefault(key, entry)

    def find(self, chart: str, version: str) -> Path | None:
        return self.charts.get((chart, version.removeprefix("v"))) or self.charts.get((chart, version))


def _chart_key(entry: Path) -> tuple[str, str] | None:
    import yaml

    if entry.is_dir() and (entry / "Chart.yaml").is_file():
        try:
            meta = yaml.safe_load((entry / "Chart.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            return None
        if isinstance(meta, dict) and meta.get("name") and meta.get("version"):
            return str(meta["name"]), str(meta["version"]).removeprefix("v")
    if entry.is_file() and entry.name.endswith(".tgz"):
        # `helm pull` writes <name>-<version>.tgz; the version starts at the first dash followed by a digit
        match = re.match(r"^(.+?)-v?(\d.*)$", entry.name[:-4])
        if match:
            return match.group(1), match.group(2)
    return None
