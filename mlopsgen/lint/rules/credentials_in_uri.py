"""Flags passwords written into URIs.

## What it does
Reports URIs with a password in their user information, such as
`postgresql://mlflow:s3cret@db:5432/mlflow`, in any string of a manifest,
Helm values file or platform.yaml. References that are resolved at run time
(`$(DB_PASSWORD)`, `${DB_PASSWORD}`, `{{ .Values.password }}`) are not reported.

## Why is this bad?
Whatever is in the GitOps repository is readable by everyone who can read the
repository, its forks, CI logs and Argo CD's UI. A password in a URI ends up
in all of them, and rotating it means rewriting history.

## Example
```yaml
args: ["--backend-store-uri", "postgresql://mlflow:s3cret@postgres.db:5432/mlflow"]
```

## Use instead
```yaml
env:
  - name: DB_PASSWORD
    valueFrom: {secretKeyRef: {name: mlflow-db, key: password}}
args: ["--backend-store-uri", "postgresql://mlflow:$(DB_PASSWORD)@postgres.db:5432/mlflow"]
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlopsgen.kube.walk import walk_strings
from mlopsgen.lint.finding import Issue

ID = "MLG002"
SLUG = "credentials-in-uri"
SEVERITY = "error"
SUMMARY = "password inside a URI"
SECURITY_SEVERITY = "8.0"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low

URI_CREDENTIALS = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://([^\s:/@'\"]+):([^\s@/'\"]+)@")
FIRST_LOOK = re.compile(r"://[^\s@]*@")  # what every match holds, without its anchor: a file's first look
REFERENCE = re.compile(r"^(\$\(|\$\{|\{\{|<|\*+$)")


def findings_in(strings, position) -> Iterator[Issue]:
    for path, value in strings:
        if "@" not in value or "://" not in value:
            continue
        for match in URI_CREDENTIALS.finditer(value):
            if REFERENCE.match(match.group(2)):
                continue
            line, column = position(path, match.group(0))
            yield Issue(line, column, f"URI carries the password of user '{match.group(1)}'",
                        "keep the password in a Secret and reference it, e.g. $(DB_PASSWORD) from secretKeyRef")


def check_manifest(manifest) -> Iterator[Issue]:
    if manifest.file.may_contain(FIRST_LOOK):
        yield from findings_in(manifest.strings(), manifest.text_position)


def check_spec(spec) -> Iterator[Issue]:
    yield from findings_in(walk_strings(spec.doc.data), spec.text_position)
