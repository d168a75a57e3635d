"""Flags container images without a pinned version.

## What it does
Reports images tagged `latest` or without any tag or digest, wherever a
manifest names one under an `image` key (containers, Argo Workflows
templates, model servers), Helm values with `tag: latest` beside a
`repository`, and the retraining image in platform.yaml. Templated values
(`{{ ... }}`) are not reported.

## Why is this bad?
`latest` moves. Two replicas, or a retraining run and its validation, can run
different code; a rollback does not roll back; nobody can say what ran.

## Example
```yaml
image: ghcr.io/acme/trainer:latest
```

## Use instead
```yaml
image: ghcr.io/acme/trainer:2.3.1   # or @sha256:<digest>
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.kube.walk import get, mapping, strings_under
from mlopsgen.lint.finding import Issue

ID = "MLG003"
SLUG = "latest-tag"
SEVERITY = "warning"
SUMMARY = "image tagged latest or not tagged at all"
SECURITY_SEVERITY = "3.0"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low
IMAGE_KEYS = frozenset({"image", "tag"})


def unpinned(image: str) -> str | None:
    """Why `image` is not pinned, or None."""
    if "{{" in image or "$" in image or "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (it means latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return "is tagged latest"
    return None


def _images(manifest) -> Iterator[tuple[tuple, str]]:
    """Every image reference: an `image` string, or a Helm-style `tag: latest` beside a `repository`."""
    for path, value in strings_under(manifest.data, IMAGE_KEYS):
        if path[-1] == "image":
            yield path, value
        elif value == "latest" and "repository" in mapping(get(manifest.data, *path[:-1])):
            yield path, "latest"


def check_manifest(manifest) -> Iterator[Issue]:
    for path, image in _images(manifest):
        reason = "is tagged latest" if path[-1] == "tag" else unpinned(image)
        if reason:
            line, column = manifest.position(path)
            yield Issue(line, column, f"image '{image}' {reason}", "pin a version tag or a digest (@sha256:...)")


def check_spec(spec) -> Iterator[Issue]:
    for i, model in enumerate(spec.platform.models):
        if model.retraining:
            reason = unpinned(model.retraining.image)
            if reason:
                line, column = spec.position(("models", i, "retraining", "image"))
                yield Issue(line, column, f"retraining image '{model.retraining.image}' {reason}",
                            "pin a version tag or a digest (@sha256:...)")
