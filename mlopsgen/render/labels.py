"""What every rendered object and workload pod carries.

Labels (policies select on mode, the mesh on injection), GPU tolerations and
the tracking server's URI.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES
from mlopsgen.platform.model import Platform, Taint


def common(platform: Platform, team: str | None = None, environment: str | None = None) -> dict[str, str]:
    labels = {C.MANAGED_BY: "mlopsgen", C.PLATFORM: platform.name}
    if team:
        labels[C.TEAM] = team
    if environment:
        labels[C.ENVIRONMENT] = environment
    return labels


def pod_labels(platform: Platform, team: str, workload_class: str, mode: str) -> dict[str, str]:
    """Labels every rendered pod carries: policies select on mode, the mesh on injection."""
    return {
        **common(platform, team),
        C.WORKLOAD_CLASS: workload_class,
        C.NETWORK_MODE: mode,
        C.SIDECAR_INJECT: "true" if MODES[mode].sidecar else "false",
    }


def toleration(taint: Taint) -> dict:
    if taint.value:
        return {"key": taint.key, "operator": "Equal", "value": taint.value, "effect": taint.effect}
    return {"key": taint.key, "operator": "Exists", "effect": taint.effect}


def tracking_url(platform: Platform, cluster: str) -> str | None:
    """The tracking server as workloads on `cluster` reach it: by its service DNS name where it runs,
    through its published endpoint elsewhere (a *.svc.cluster.local name resolves only in its own cluster)."""
    for service in platform.services_for(cluster):
        if service.kind == "tracking":
            return service.url
    remote = next((s for s in platform.services if s.kind == "tracking" and s.published), None)
    return remote.published.url if remote and remote.published else None


def tracking_env(platform: Platform, cluster: str) -> list[dict]:
    """MLFLOW_TRACKING_URI by DNS name, never by address: pod IPs change at every restart."""
    url = tracking_url(platform, cluster)
    return [{"name": "MLFLOW_TRACKING_URI", "value": url}] if url else []
