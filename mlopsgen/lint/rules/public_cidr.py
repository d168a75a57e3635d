"""Flags network segments in public address space.

## What it does
Reports Calico IPPool `cidr`s outside the private ranges of RFC 1918
(`10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`); validation refuses such
segments in platform.yaml.

## Why is this bad?
Public addresses belong to someone on the internet. A segment such as
`182.18.0.0/16` (used in a popular tutorial) makes real hosts unreachable
from the segment and sends traffic meant for them into the cluster.

## Example
```yaml
segment: {cidr: 182.18.0.0/16}
```

## Use instead
```yaml
segment: {cidr: 10.182.0.0/16}
```
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from mlopsgen.kube.walk import get
from mlopsgen.lint.finding import Issue

ID = "MLG017"
SLUG = "public-cidr"
SEVERITY = "error"
SUMMARY = "segment CIDR outside RFC 1918"
SECURITY_SEVERITY = "4.0"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low
PRIVATE = [ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


def is_public(cidr: str) -> bool:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return isinstance(network, ipaddress.IPv4Network) and not any(network.subnet_of(p) for p in PRIVATE)


HINT = "use a private range: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"


def check_manifest(manifest) -> Iterator[Issue]:
    if manifest.kind == "IPPool":
        cidr = get(manifest.data, "spec", "cidr", default="")
        if isinstance(cidr, str) and is_public(cidr):
            line, column = manifest.position(("spec", "cidr"))
            yield Issue(line, column, f"IPPool '{manifest.name}' {cidr} is public address space", HINT)
