"""What verify reports for the bundled examples, journey by journey: the one table to update.

A journey maps to the reasons it fails for (substrings of its findings), or to
an empty list when it passes. As the rendered trees learn to bootstrap, admit
and connect what each journey needs, move the journey to [] here: the
tests then assert it passes.
"""

from __future__ import annotations

EXPECTED: dict[str, dict[str, list[str]]] = {
    "quickstart": {slug: [] for slug in (
        "bootstrap", "admission", "workflows", "serving", "traffic", "connectivity", "clusters", "monitoring", "retraining")},
    "multicloud": {
        "bootstrap": [],
        # Seldon Core 1.17's operator gives its engine container no restricted securityContext, and its
        # values have no key for one.
        "admission": ["risk-prod/credit-score/stable: Pod Security 'restricted' rejects container seldon-container-engine"],
        "workflows": [],
        "serving": [],
        "traffic": [],
        "connectivity": [],
        "clusters": [],
        "monitoring": [],
        "retraining": [],
    },
}
