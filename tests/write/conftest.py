"""A tiny spec (one team, one environment: 20 files) and snapshots of trees that never follow links."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

TINY = """\
apiVersion: mlopsgen.dev/v1alpha1
kind: Platform
metadata:
  name: tiny
gitops:
  repoURL: https://github.com/acme/gitops.git
  path: {path}
clusters:
  - name: main
    server: https://api.main.example.com
    role: shared
    apiServer: {{cidrs: ["192.168.16.0/28"]}}
environments:
  - name: dev
    cluster: main
teams:
  - name: ds
    owners: [ds]
    quotas:
      dev: {{cpu: {cpu}, memory: 8Gi}}
"""


def tiny_spec(directory: Path, cpu: int = 2, path: str = "deploy", name: str = "platform.yaml") -> Path:
    spec = directory / name
    spec.write_text(TINY.format(cpu=cpu, path=path))
    return spec


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry below `root` by lstat: files with their bytes, links with their target, folders with their mode."""
    entries: dict[str, tuple] = {}
    if not os.path.lexists(root):
        return entries
    for directory, subdirs, files in os.walk(root):
        for name in subdirs + files:
            path = Path(directory, name)
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                entries[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                entries[rel] = ("dir", stat.S_IMODE(info.st_mode))
            elif not stat.S_ISREG(info.st_mode):
                entries[rel] = ("special", stat.S_IFMT(info.st_mode), info.st_ino)
            else:
                entries[rel] = ("file", path.read_bytes())
    return entries


def files_of(tree: dict[str, tuple]) -> dict[str, bytes]:
    return {rel: entry[1] for rel, entry in tree.items() if entry[0] == "file"}


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder outside every output directory, with a file that must never change or be printed."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("SECRET=hunter2\n")
    (folder / "kustomization.yaml").write_text("outside: true\n")
    return folder
