"""What every rendered object and workload pod carries.

Labels (policies select on mode, the mesh on injection), GPU tolerations and
the tracking server's URI (and, where it is another cluster's, the client
certificate its gateway asks for).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES
from mlopsgen.platform.model import Platform, Service, Taint


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
    return tracking_access(platform, cluster).env


def remote_tracking(platform: Platform, cluster: str) -> Service | None:
    """The tracking service `cluster` reaches through another cluster's gateway, where it has none of its own."""
    if any(s.kind == "tracking" for s in platform.services_for(cluster)):
        return None
    return next((s for s in platform.services if s.kind == "tracking" and s.published), None)


@dataclass(frozen=True)
class TrackingAccess:
    """What a pod needs to reach the tracking server: its URL and, for a published one, the client certificate."""

    env: list[dict]
    volumes: list[dict]
    mounts: list[dict]


def tracking_access(platform: Platform, cluster: str) -> TrackingAccess:
    url = tracking_url(platform, cluster)
    if not url:
        return TrackingAccess([], [], [])
    env = [{"name": "MLFLOW_TRACKING_URI", "value": url}]
    remote = remote_tracking(platform, cluster)
    if remote is None:
        return TrackingAccess(env, [], [])
    # The published gateway requires a client certificate (mutual TLS). MLflow's client presents the PEM
    # holding certificate and key (requests' `cert`), and checks the server against the shared CA.
    env += [{"name": "MLFLOW_TRACKING_CLIENT_CERT_PATH", "value": f"{C.CLIENT_CERT_DIR}/tls-combined.pem"},
            {"name": "MLFLOW_TRACKING_SERVER_CERT_PATH", "value": f"{C.CLIENT_CERT_DIR}/ca.crt"}]
    volume = {"name": C.CLIENT_CERT_VOLUME, "secret": {"secretName": C.client_certificate(remote.name)}}
    mount = {"name": C.CLIENT_CERT_VOLUME, "mountPath": C.CLIENT_CERT_DIR, "readOnly": True}
    return TrackingAccess(env, [volume], [mount])
