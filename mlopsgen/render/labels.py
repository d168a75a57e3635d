"""Label keys and the common label sets every rendered object carries."""

from __future__ import annotations

from mlopsgen.spec.model import Platform

MANAGED_BY = {"app.kubernetes.io/managed-by": "mlopsgen"}
PLATFORM = "mlopsgen.dev/platform"
TEAM = "mlopsgen.dev/team"
ENVIRONMENT = "mlopsgen.dev/environment"
WORKLOAD_CLASS = "mlopsgen.dev/workload-class"
NETWORK_MODE = "mlopsgen.dev/network-mode"
NETWORK_NOTE = "mlopsgen.dev/network-note"
HOST_JUSTIFICATION = "mlopsgen.dev/host-network-justification"


def common(platform: Platform, team: str | None = None, environment: str | None = None) -> dict[str, str]:
    labels = {**MANAGED_BY, PLATFORM: platform.name}
    if team:
        labels[TEAM] = team
    if environment:
        labels[ENVIRONMENT] = environment
    return labels
