"""Kubernetes resource quantities (cpu `500m`, memory `1Gi`) as plain numbers."""

from __future__ import annotations

SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
            "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def parse(value) -> float:
    text = str(value).strip()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix) and text[: -len(suffix)].replace(".", "", 1).isdigit():
            return float(text[: -len(suffix)]) * SUFFIXES[suffix]
    return float(text)


def show(resource: str, amount: float) -> str:
    if "memory" in resource:
        return f"{amount / 2**30:.2f}Gi".replace(".00Gi", "Gi")
    if "cpu" in resource:
        return f"{amount:g}" if amount >= 1 else f"{round(amount * 1000)}m"
    return f"{amount:g}"
