"""Kubernetes label selectors, as the API server evaluates them (lint and verify share this)."""

from __future__ import annotations

from typing import Any

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def selects(selector: Any, labels: dict[str, str]) -> bool:
    """matchLabels AND every matchExpression; `{}` and a missing selector select everything."""
    if selector is None:
        return True
    if not isinstance(selector, dict):
        return False
    match_labels, expressions = selector.get("matchLabels") or {}, selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return False  # the API server refuses such a selector: it selects nothing that runs
    for key, value in match_labels.items():
        if labels.get(key) != str(value):
            return False
    for expr in expressions:
        if not isinstance(expr, dict) or not isinstance(expr.get("values") or [], list):
            return False
        key, op, values = str(expr.get("key")), expr.get("operator"), [str(v) for v in expr.get("values") or []]
        present = key in labels
        if op not in OPERATORS:
            return False  # the API server rejects unknown operators
        if (op == "In" and not (present and labels[key] in values)) or (op == "NotIn" and present and labels[key] in values) \
                or (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True
