"""`kubectl kustomize` as Argo CD's repo server runs it, offline: a kustomization taking an upstream release's
manifests as a remote resource (the catalog pins each URL) is built from a copy whose URL names the same file
from ../shared/charts-src, as verify reads it (mlopsgen/verify/remote.py). These machines reach no GitHub."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from mlopsgen.verify.remote import remote_files
from tests.conftest import CHARTS


def kustomize(kubectl: str, folder: Path) -> str:
    """What `kubectl kustomize folder` prints, remote release manifests read from their local copies."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    resources = kustomization.get("resources") or []
    local = remote_files([CHARTS])
    remote = [r for r in resources if isinstance(r, str) and r.startswith(("https://", "http://"))]
    if not remote:
        return _build(kubectl, folder)
    missing = [r for r in remote if r not in local]
    assert not missing, f"{folder}: no local copy of {missing} in {CHARTS}"
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / folder.name
        shutil.copytree(folder, copy)
        for i, resource in enumerate(resources):
            if resource in local:
                name = f"remote-{i}-{Path(resource).name}"
                shutil.copyfile(local[resource], copy / name)
                resources[i] = name
        (copy / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
        return _build(kubectl, copy)


def _build(kubectl: str, folder: Path) -> str:
    return subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=True).stdout
