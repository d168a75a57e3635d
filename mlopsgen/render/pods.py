"""What every pod mlopsgen renders carries: labels policies select on, and GPU tolerations."""

from __future__ import annotations

from mlopsgen.render import labels as L
from mlopsgen.platform.model import Platform, Taint


def pod_labels(platform: Platform, team: str, workload_class: str, mode: str) -> dict[str, str]:
    """Labels every rendered pod carries: policies select on mode, the mesh on injection."""
    return {
        **L.common(platform, team),
        L.WORKLOAD_CLASS: workload_class,
        L.NETWORK_MODE: mode,
        L.SIDECAR_INJECT: "true" if mode == "internal" else "false",
    }


def toleration(taint: Taint) -> dict:
    if taint.value:
        return {"key": taint.key, "operator": "Equal", "value": taint.value, "effect": taint.effect}
    return {"key": taint.key, "operator": "Exists", "effect": taint.effect}
