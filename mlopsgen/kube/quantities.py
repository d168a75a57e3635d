"""Kubernetes resource quantities as numbers, for arithmetic on quotas."""

from __future__ import annotations

import re

_SUFFIX: dict[str, float] = {
    "": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}
# apimachinery's resource.Quantity: a signed decimal, then a binary-SI, decimal-SI or exponent suffix.
_QUANTITY = re.compile(r"^\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$")


def quantity(text: object) -> float:
    """`500m` -> 0.5, `4Gi` -> 4294967296.0; the schema and semantic checks have validated the form."""
    match = _QUANTITY.match(str(text))
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    number, suffix = float(match.group(1)), match.group(2) or ""
    if suffix in _SUFFIX:  # before the exponent form: `Ei` (exbibytes) also starts with E
        return number * _SUFFIX[suffix]
    return number * 10.0 ** int(suffix[1:])


def show_cpu(cores: float) -> str:
    return f"{cores:g}" if cores >= 1 else f"{cores * 1000:g}m"


def show_memory(amount: float) -> str:
    for suffix in ("Ti", "Gi", "Mi", "Ki"):
        if amount >= _SUFFIX[suffix]:
            return f"{amount / _SUFFIX[suffix]:g}{suffix}"
    return f"{amount:g}"


def show(resource: str, amount: float) -> str:
    """An amount of a quota key (`requests.memory`, `limits.cpu`, `requests.nvidia.com/gpu`) as a quantity."""
    if "memory" in resource or "storage" in resource:
        return show_memory(amount)
    if resource.endswith("cpu"):
        return show_cpu(amount)
    return f"{amount:g}"
