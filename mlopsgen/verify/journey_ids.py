"""The journeys in their order, which gives each its ID (MLV001...): a leaf module, so a finding can be
stamped with its journey's ID by any check without importing the checks."""

from __future__ import annotations

ORDER = ("bootstrap", "admission", "workflows", "serving", "traffic", "connectivity", "clusters", "monitoring", "retraining",
         "payloads", "drift", "alert-retraining", "logs",
         "promotion")


def journey_id(slug: str) -> str:
    return f"MLV{ORDER.index(slug) + 1:03d}" if slug in ORDER else "MLV000"
