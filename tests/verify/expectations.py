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
        # Seldon Core 1.17's operator injects its storage initializer with no securityContext that
        # `restricted` admits, and its values have no key for one (the engine is left out: no-engine).
        "admission": ["risk-prod/credit-score/stable: Pod Security 'restricted' rejects container credit-score-model-initializer"],
        "workflows": [],
        "serving": [],
        "traffic": [],
        "connectivity": [],
        "clusters": [],
        "monitoring": [],
        "retraining": [],
    },
}
