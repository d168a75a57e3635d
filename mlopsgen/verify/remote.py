"""Upstream release manifests a kustomization of the tree takes as a remote resource (the catalog pins each URL):
verify reads the same file from a --charts folder (`<folder>/<component>/<file>`, e.g. charts-src/feast-operator/
install.yaml), never from the network. Without it the resource's objects are unknown, and the journeys that read
charts say so (UNKNOWN), as for a chart that is not at hand."""

from __future__ import annotations

from pathlib import Path

from mlopsgen.catalog.components import COMPONENTS


def remote_files(folders: tuple[Path, ...] | list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for component in COMPONENTS.values():
        release = component.release
        if release is None:
            continue
        for folder in folders:
            candidate = Path(folder) / release.local
            if candidate.is_file():
                found.setdefault(release.url, candidate)
    return found
