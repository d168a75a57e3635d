"""Flags network segments whose address ranges overlap.

## What it does
Compares the `cidr` of every Calico IPPool in the manifests and reports each
range that overlaps one declared before it (validation refuses overlapping
segments in platform.yaml).

## Why is this bad?
Overlapping segments break the isolation `subnet` mode promises: a policy
that admits "the staging segment" also admits part of another one, and pod
addresses may collide.

## Example
```yaml
environments:
  - {name: staging, cluster: main, segment: {cidr: 10.42.0.0/16}}
  - {name: prod, cluster: main, segment: {cidr: 10.42.128.0/17}}
```

## Use instead
Give each segment its own range: `10.42.0.0/16` and `10.43.0.0/16`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from mlopsgen.kube.walk import get
from mlopsgen.lint.finding import Issue

ID = "MLG016"
SLUG = "subnet-overlap"
SEVERITY = "error"
SUMMARY = "overlapping segment CIDRs"


def _overlaps(entries) -> Iterator[tuple]:
    seen: list[tuple] = []
    for item, cidr, label in entries:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            continue
        for earlier, earlier_label in seen:
            if network.version == earlier.version and network.overlaps(earlier):
                yield item, f"{label} {network} overlaps {earlier_label} {earlier}"
                break
        seen.append((network, label))


def check_manifests(manifests) -> Iterator[tuple]:
    pools = [m for m in manifests if m.kind == "IPPool"]
    entries = [(m, get(m.data, "spec", "cidr", default=""), f"IPPool '{m.name}'") for m in pools]
    for manifest, message in _overlaps(entries):
        line, column = manifest.position(("spec", "cidr"))
        yield manifest, Issue(line, column, message, "give each pool its own private range")
