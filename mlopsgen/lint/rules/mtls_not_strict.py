"""Flags mesh traffic that may travel without mutual TLS.

## What it does
Reports Istio PeerAuthentications whose mode (or a port-level mode) is
`PERMISSIVE`, `DISABLE` or `UNSET`, and DestinationRules that set
`trafficPolicy.tls.mode: DISABLE`.

## Why is this bad?
In PERMISSIVE mode a workload also accepts plain text, so any pod that can
reach it can call it without a mesh identity, and AuthorizationPolicies based
on principals do not hold.

## Example
```yaml
kind: PeerAuthentication
spec: {mtls: {mode: PERMISSIVE}}
```

## Use instead
```yaml
kind: PeerAuthentication
spec: {mtls: {mode: STRICT}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.kube.walk import get
from mlopsgen.lint.finding import Issue

ID = "MLG020"
SLUG = "mtls-not-strict"
SEVERITY = "error"
SUMMARY = "mutual TLS not enforced"
SECURITY_SEVERITY = "7.0"  # GitHub code scanning: 7.0+ high, 4.0+ medium, below low
WEAK = ("PERMISSIVE", "DISABLE", "UNSET")


def check_manifest(manifest) -> Iterator[Issue]:
    spec = manifest.data.get("spec") if isinstance(manifest.data, dict) else None
    if not isinstance(spec, dict):
        return
    if manifest.kind == "PeerAuthentication":
        mode = get(spec, "mtls", "mode")
        if mode in WEAK:
            line, column = manifest.position(("spec", "mtls", "mode"))
            yield Issue(line, column, f"PeerAuthentication '{manifest.name}' mode is {mode}", "use mode: STRICT")
        levels = spec.get("portLevelMtls")
        for port, setting in (levels.items() if isinstance(levels, dict) else ()):
            if isinstance(setting, dict) and setting.get("mode") in WEAK:
                line, column = manifest.position(("spec", "portLevelMtls", port, "mode"))
                yield Issue(line, column, f"port {port} of PeerAuthentication '{manifest.name}' is {setting['mode']}", "use mode: STRICT")
    elif manifest.kind == "DestinationRule" and get(spec, "trafficPolicy", "tls", "mode") == "DISABLE":
        line, column = manifest.position(("spec", "trafficPolicy", "tls", "mode"))
        yield Issue(line, column, f"DestinationRule '{manifest.name}' disables TLS", "use mode: ISTIO_MUTUAL")
