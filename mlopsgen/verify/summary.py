"""Markdown that fits a GitHub comment (65,535 characters): summarise, never cut silently."""

from __future__ import annotations

GITHUB_COMMENT_LIMIT = 65_535
MARGIN = 512  # room for the closing lines


def fit(head: list[str], items: list[str], noun: str, footer: str, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """head, then as many items as fit, then how many were left out, then the footer."""
    text = "\n".join(head)
    budget = limit - len(text) - len(footer) - MARGIN
    shown: list[str] = []
    used = 0
    for item in items:
        if used + len(item) + 1 > budget:
            break
        shown.append(item)
        used += len(item) + 1
    body = shown[:]
    if len(shown) < len(items):
        body.append(f"- … and {len(items) - len(shown)} more {noun} not listed here (the comment limit is "
                    f"{limit:,} characters); run `mlopsgen verify` locally for all of them")
    out = "\n".join([*head, *body, footer]) + "\n"
    assert len(out) <= limit
    return out
