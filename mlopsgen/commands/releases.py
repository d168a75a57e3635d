"""Upstream release manifests for `mlopsgen build` (the Argo CD plugin), which prints every object an Application
deploys: a kustomization taking a pinned release as a remote resource needs that file. It is read from a folder
given with --manifests (`<folder>/<component>/<file>`, as verify reads --charts), else fetched from its pinned URL
as Argo CD's repo server would, and taken only if its SHA-256 is the catalog's. A release that can be neither is a
located error: the plugin never prints an Application without the objects it deploys."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mlopsgen.catalog.components import COMPONENTS, ReleaseManifests
from mlopsgen.errors import UserError

MAX_RELEASE_BYTES = 16 * 1024 * 1024
FETCH_SECONDS = 60


def release_files(texts: dict[str, str], folders: list[Path], scratch: Path) -> dict[str, Path]:
    """URL -> a verified local copy, for every pinned release the rendered tree (`texts`, path -> text) uses."""
    found: dict[str, Path] = {}
    releases = {c.release.url: c.release for c in COMPONENTS.values() if c.release is not None}
    for url, release in sorted(releases.items()):
        if not any(url in text for text in texts.values()):
            continue
        local = next((Path(f) / release.local for f in folders if (Path(f) / release.local).is_file()), None)
        if local is not None:
            _verify(release, local.read_bytes(), str(local))
            found[url] = local
        else:
            found[url] = _fetch(release, scratch)
    return found


def _fetch(release: ReleaseManifests, scratch: Path) -> Path:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(release.url, timeout=FETCH_SECONDS) as response:  # a pinned https URL, digest-checked below
            data = response.read(MAX_RELEASE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise UserError.single(release.url, f"could not fetch the release manifests: {error}",
                               hint=f"give a folder holding {release.local} with --manifests (or let the repo server "
                                    "reach the URL)") from None
    if len(data) > MAX_RELEASE_BYTES:
        raise UserError.single(release.url, "the release manifests are larger than 16 MiB", hint="check the URL")
    _verify(release, data, release.url)
    path = scratch / release.local.replace("/", "-")
    path.write_bytes(data)
    return path


def _verify(release: ReleaseManifests, data: bytes, where: str) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest != release.sha256:
        raise UserError.single(where, f"the release manifests' SHA-256 is {digest}, not the pinned {release.sha256}",
                               hint="the file is not the pinned release: use the one at its tag")
