"""What verify reports for the bundled examples, journey by journey: the one table to update.

A journey maps to the reasons it is expected to fail for (substrings of its
findings), or to an empty list when it must pass. Both examples pass every
journey; the hand-broken trees of test_broken.py show each check failing.
"""

from __future__ import annotations

EXPECTED: dict[str, dict[str, list[str]]] = {
    example: {slug: [] for slug in (
        "bootstrap", "admission", "workflows", "serving", "traffic", "connectivity", "clusters", "monitoring", "retraining",
        "payloads", "drift", "alert-retraining", "logs", "promotion")}
    for example in ("quickstart", "multicloud")
}
