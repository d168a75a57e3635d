"""Pieces of specs drawn by hypothesis, shared by the property tests that render and verify them."""

from __future__ import annotations

from typing import Any

from mlopsgen.catalog.conventions import WORKLOAD_CLASSES
from mlopsgen.catalog.modes import MODES as NETWORK_MODES

# Every mode each class may use (the registry decides), in a stable order.
MODES = {cls: sorted(name for name, mode in NETWORK_MODES.items() if cls in mode.classes) for cls in WORKLOAD_CLASSES}


def draw_network(draw: Any, env: dict, segment: str) -> dict:
    """A network mode per class for `env`, with what the modes drawn need: a segment (`segment`, unless the
    environment has one) for subnet, a justification for host training."""
    from hypothesis import strategies as st

    network = {cls: draw(st.sampled_from(choices)) for cls, choices in MODES.items()}
    if "subnet" in network.values() and not env.get("segment"):
        env["segment"] = {"cidr": segment}
    if network["training"] == "host":
        env["hostNetworkJustification"] = "NCCL over the host interfaces."
    return network


def draw_queueing(draw: Any) -> dict:
    """A GPU pool's queueing: namespace quotas (the key left out, or said), or Kueue with a borrowing and a lending
    limit each drawn, or left unlimited."""
    from hypothesis import strategies as st

    mode = draw(st.sampled_from([None, "namespaceQuota", "kueue", "kueue"]))
    if mode != "kueue":
        return {} if mode is None else {"mode": mode}
    queueing: dict = {"mode": "kueue"}
    for key in ("borrowingLimit", "lendingLimit"):
        limit = draw(st.one_of(st.none(), st.integers(0, 16)))
        if limit is not None:
            queueing[key] = limit
    return queueing
