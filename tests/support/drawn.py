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


def draw_triggers(draw: Any, retraining: dict, slos: bool, drift: bool) -> None:
    """What starts a retraining: a non-empty set of schedule, drift (where the model has a drift monitor) and slo
    (where it has SLOs); the schedule is dropped where its trigger is not drawn (validate refuses a schedule
    nothing reads)."""
    from hypothesis import strategies as st

    choices = ["schedule", *(["drift"] if drift else []), *(["slo"] if slos else [])]
    triggers = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=len(choices), unique=True))
    retraining["triggers"] = triggers
    if "schedule" not in triggers:
        retraining.pop("schedule", None)


LOGS_SERVICE = {"name": "loki", "kind": "logs", "host": "loki.logs.svc.cluster.local", "port": 3100}
# Where Loki keeps its chunks: a volume, or each kind of object store (with and without a credentials Secret).
LOG_STORES = (None, {"url": "s3://acme-logs/loki", "credentialsSecret": "loki-store"},
              {"url": "s3://acme-logs", "endpoint": "https://minio.example.com"},
              {"url": "wasbs://logs@acmelogs.blob.core.windows.net/loki", "credentialsSecret": "loki-store"},
              {"url": "gs://acme-logs/loki"})


def draw_logs(draw: Any, data: dict) -> None:
    """A logs service or none (the examples' replaced), on another port or the default, with a drawn store, and
    Loki provided on some of the clusters."""
    from hypothesis import strategies as st

    data["services"] = [s for s in data["services"] if s["kind"] != "logs"]
    if not draw(st.booleans()):
        return
    service = {**LOGS_SERVICE, "port": draw(st.sampled_from([3100, 8080]))}
    store = draw(st.sampled_from(LOG_STORES))
    if store is not None:
        service["artifactStore"] = dict(store)
    data["services"].append(service)
    # a store is for a Loki the tree installs (validate refuses one no cluster would use): then the first keeps it
    for cluster in data["clusters"][1:] if store is not None else data["clusters"]:
        if draw(st.booleans()):
            cluster.setdefault("provided", {})["loki"] = {}


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


LAKE = {"name": "lake", "host": "s3.example.com", "cidrs": ["52.20.0.0/16"], "for": ["inference", "monitoring"]}


def draw_monitoring(draw: Any, model: dict, store: str) -> None:
    """Payload logging to `store` (an external for inference and monitoring) and, maybe, drift and accuracy
    monitors on it: each on a schedule or streaming, in their own image or the retraining one."""
    from hypothesis import strategies as st

    bucket = f"s3://payloads-{model['name']}"
    model["payloads"] = {"url": f"{bucket}/logged", "store": store, "mode": draw(st.sampled_from(["all", "request", "response"]))}
    if draw(st.booleans()):
        model["payloads"]["batchSize"] = draw(st.integers(1, 100))
    monitors: dict = {}
    cadence = st.sampled_from([{"schedule": "0 * * * *"}, {"schedule": "*/15 * * * *"}, {"streaming": True}])
    if draw(st.booleans()):
        monitors["drift"] = {"reference": f"{bucket}/reference/", "threshold": draw(st.sampled_from([0.1, 0.2, 0.5])),
                             "metric": draw(st.sampled_from(["psi", "ks", "jensen-shannon", "wasserstein", "chi-squared"])),
                             **draw(cadence)}
    if draw(st.booleans()):
        monitors["accuracy"] = {"labels": f"{bucket}/labels/", "metric": draw(st.sampled_from(["accuracy", "f1"])),
                                **draw(cadence)}
        model.setdefault("slos", {})["minAccuracy"] = 0.9
    if monitors:
        if not model.get("retraining") or draw(st.booleans()):
            monitors["image"] = f"registry.example.com/{model['name']}/monitor:1.0"
        model["monitors"] = monitors


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


def draw_promotion(draw: Any, model: dict) -> None:
    """A registry promotion that rolls the model out, drawn for a model served from an alias (validate refuses the
    other), mostly on, sometimes kept off with `registry: false`."""
    from hypothesis import strategies as st

    model.pop("promotion", None)
    served = (model.get("canary") or {}).get("source") or model["source"]
    if "@" in served and draw(st.booleans()):
        model["promotion"] = {"registry": draw(st.sampled_from([True, True, False])),
                              "secret": draw(st.sampled_from(["promotion-hmac", "mlflow-webhook"]))}
