"""Payload logging and monitors of one model, from its spec (defaults applied)."""

from __future__ import annotations

from mlopsgen.platform.model_monitoring import Monitor, Monitors, Payloads


def payloads(m: dict) -> Payloads | None:
    p = m.get("payloads")
    return Payloads(p["mode"], p["url"], p["store"], p.get("batchSize")) if p else None


def monitor_image(m: dict) -> str | None:
    """The monitors' image: their own, else the team's retraining image (it holds `drift_check` already)."""
    given = (m.get("monitors") or {}).get("image")
    return given or (m.get("retraining") or {}).get("image")


def monitors(m: dict) -> Monitors | None:
    spec = m.get("monitors")
    if not spec:
        return None
    image = monitor_image(m) or ""
    drift, accuracy = spec.get("drift"), spec.get("accuracy")
    return Monitors(
        Monitor("drift", image, drift["reference"], drift["metric"], drift["threshold"], drift.get("schedule")) if drift else None,
        Monitor("accuracy", image, accuracy["labels"], accuracy["metric"], 0.0, accuracy.get("schedule")) if accuracy else None,
    )
