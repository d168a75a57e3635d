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


def draw_feature_store(draw: Any, cluster: str | None = None, published: dict | None = None) -> dict:
    """A featureStore service: the Feast operator's online Service for a drawn name and namespace, its database
    drawn, on `cluster` (every cluster runs its own without one) and published to the others where given."""
    from hypothesis import strategies as st

    name = draw(st.sampled_from(["features", "fs", "feature-store"]))
    namespace = draw(st.sampled_from(["feast", "features"]))
    store: dict = {"name": name, "kind": "featureStore", "host": f"feast-{name}-online.{namespace}.svc.cluster.local", "port": 80,
                   "database": {"instances": draw(st.integers(1, 3)), "storage": draw(st.sampled_from(["5Gi", "20Gi"]))}}
    if cluster:
        store["cluster"] = cluster
    if published:
        store["published"] = published
    return store
