"""The invariant over the spec space: every spec validate accepts renders, and verify proves every journey.

Specs are drawn from the examples' shapes with hypothesis: what a cluster provides (a mesh with or without
its CNI and native sidecars, cert-manager, Prometheus, the device plugin, KServe, the Postgres operator)
and whether Calico's API server runs, GPU pools of 1-3 nodes queued by Kueue or not (with drawn borrowing and
lending limits), modes per class and environment (the modes
each class may use, from the registry), segments, 1-4 teams with names short or at their limit, quotas
and training GPUs, models on either runtime with GPUs, canaries, autoscaling, exposure, callers, SLOs and
retraining with its triggers (schedule, drift, slo), payload logging with drift and accuracy monitors
(scheduled or streaming), externals for any classes; the multicloud family varies two clusters (or three, with a
second training cluster), host training, a published tracking server, a feature store (published, on one
cluster or on each, its name, namespace and database drawn) and subnet segments. A drawn spec that validate refuses is no counterexample
(validation said why, at a node); one it accepts must work, and validate's capacity model must count what
verify counts in the tree. Budget: MLOPSGEN_SPEC_EXAMPLES per family (150 by default, about two minutes
for both on two cores); shrunk counterexamples are kept in spec-space-db/ and replayed first.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase

from mlopsgen.catalog.conventions import WORKLOAD_CLASSES
from mlopsgen.catalog.modes import MODES as NETWORK_MODES
from mlopsgen.commands.verify import load_context
from mlopsgen.errors import UserError
from mlopsgen.verify import verify
from mlopsgen.verify.charts import ChartOptions
from mlopsgen.verify.loop_map import loop_mermaid
from tests.support.capacity import disagreements
from tests.support.drawn import LAKE, MODES, draw_feature_store, draw_logs, draw_monitoring, draw_network, draw_promotion, draw_queueing, draw_triggers
from tests.support.specs import Spec
from tests.verify.conftest import render_tree

pytestmark = pytest.mark.slow  # a few hundred specs rendered and verified
# Team names short and at their limit (40 characters with the leading `t`): the namespaces, dashboards and
# Applications derived from them reach Kubernetes' and Grafana's limits.
NAME = st.one_of(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20),
                 st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=36, max_size=39))
# Components a cluster may already run (the GPU operator brings the device plugin and the DCGM exporter); a
# provided mesh says whether it has Istio's CNI and native sidecars.
PROVIDED = {"certManager": {}, "prometheus": {}, "gpuDevicePlugin": {}, "dcgmExporter": {}, "postgresOperator": {}, "kserve": {}}
PROVIDED_ISTIO = {"revision": "asm-1-25", "ingressGateway": {"namespace": "mesh-ingress", "serviceAccount": "ingress",
                                                             "labels": {"istio": "ingress"}}}


def _draw_cluster(draw, cluster: dict) -> None:
    """What the cluster provides and how its CNI runs: drawn, so validate's refusals and the tree's
    installs of what is not provided are both explored."""
    provided = {k: v for k, v in PROVIDED.items() if draw(st.booleans())}
    if draw(st.booleans()):
        provided["istio"] = {**PROVIDED_ISTIO, "cni": draw(st.sampled_from([True, True, False])),
                             "nativeSidecars": draw(st.sampled_from([True, True, False]))}
    cluster["provided"] = provided
    cluster["cni"] = {"calicoApiServer": draw(st.sampled_from([True, True, True, False]))}  # subnet segments need it


@st.composite
def specs(draw) -> Spec:
    spec = Spec.example("quickstart")
    data = spec.data
    _draw_cluster(draw, data["clusters"][0])
    data["gpuPools"][0].update(gpusPerNode=draw(st.integers(2, 8)), nodes=draw(st.integers(1, 4)))
    queueing = draw_queueing(draw)
    if queueing:
        data["gpuPools"][0]["queueing"] = queueing
    queued = queueing.get("mode") == "kueue"  # then no model is placed on the pool (validate refuses it)
    for i, env in enumerate(data["environments"]):
        env["network"] = draw_network(draw, env, f"10.{40 + i}.0.0/16")
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
    data["teams"] = [{"name": f"t{name}", "owners": [f"g-{name}"], "gpuPools": ["a10"],
                      "training": {"gpus": draw(st.integers(0, 2))},
                      "quotas": {e["name"]: {"cpu": draw(st.sampled_from([4, 16, 64])),
                                             "memory": draw(st.sampled_from(["16Gi", "64Gi", "256Gi"])),
                                             "gpu": draw(st.integers(0, 8))} for e in data["environments"]}}
                     for name in names]
    serving = [e["name"] for e in data["environments"] if NETWORK_MODES[e["network"]["inference"]].serves_models]
    data["models"] = []
    for name in names:
        if not serving or not draw(st.booleans()):
            continue
        gpus = 0 if queued else draw(st.integers(0, 2))
        model = {"name": f"m{name}", "team": f"t{name}", "format": "mlflow",
                 "source": draw(st.sampled_from([f"models:/m{name}/1", f"models:/m{name}@champion"])),
                 "runtime": draw(st.sampled_from(["kserve", "seldon"])),
                 "resources": {"cpu": "1", "memory": "1Gi", "gpus": gpus}, **({"gpuPool": "a10"} if gpus else {}),
                 "environments": {e: {"replicas": draw(st.integers(1, 2)), "host": f"m{name}.{e}.example.com"} for e in serving}}
        if draw(st.booleans()):
            model["canary"] = {"source": f"models:/m{name}@challenger", "weight": draw(st.integers(1, 50))}
        if draw(st.booleans()):
            env = serving[0]
            model["environments"][env]["autoscaling"] = {"maxReplicas": 4, "targetUtilization": draw(st.integers(40, 90))}
        if draw(st.booleans()):
            model["exposure"] = {"host": f"m{name}.example.com", "paths": [f"/{name}"]}
        if len(names) > 1 and draw(st.booleans()):
            model["callers"] = [f"t{other}" for other in names if other != name][:1]
        if draw(st.booleans()):
            model["slos"] = {"p95LatencyMs": 200, "errorRate": 0.01}
        if draw(st.booleans()):
            model["retraining"] = {"schedule": draw(st.sampled_from(["0 3 * * 1", "*/30 * * * *", "0 0 1 * *"])),
                                   "image": f"registry.example.com/{name}/retrain:1.0"}
        if model["runtime"] == "kserve" and draw(st.sampled_from([True, True, False])):  # mostly: the loop closes
            draw_monitoring(draw, model, LAKE["name"])
        if model.get("retraining"):
            draw_triggers(draw, model["retraining"], "slos" in model, "drift" in (model.get("monitors") or {}))
        draw_promotion(draw, model)
        data["models"].append(model)
    if draw(st.booleans()):
        data["services"].append(draw_feature_store(draw))
    if draw(st.booleans()):
        data["externals"] = [{"name": "datasets", "host": "data.example.com", "cidrs": ["52.10.0.0/16"],
                              "for": draw(st.lists(st.sampled_from(list(WORKLOAD_CLASSES)), min_size=1, max_size=2, unique=True))}]
    if any("payloads" in m for m in data["models"]):
        data.setdefault("externals", []).append(dict(LAKE))
    draw_logs(draw, data)
    return spec


@st.composite
def multicloud_specs(draw) -> Spec:
    """The multicloud example (two clusters, a published tracking server, host-network training, subnet
    segments, an external) with every environment's modes, each model's runtime, canary and autoscaling,
    and the external's classes drawn anew."""
    spec = Spec.example("multicloud")
    data = spec.data
    for cluster in data["clusters"]:
        cluster.setdefault("cni", {})["calicoApiServer"] = True  # segments may be drawn on either cluster
    serving = {e for m in data["models"] for e in m["environments"]}
    for i, env in enumerate(data["environments"]):
        network = draw_network(draw, env, f"10.{60 + i}.0.0/16")
        if env["name"] in serving:  # where models serve, inference is a serving mode (validate says so)
            network["inference"] = draw(st.sampled_from([m for m in MODES["inference"] if NETWORK_MODES[m].serves_models]))
        if network["training"] == "host" and (env.get("network") or {}).get("training") != "host":
            network["training"] = "internal"  # host training needs a training cluster and the team's pool there
        env["network"] = network
    for model in data["models"]:
        model["runtime"] = draw(st.sampled_from(["kserve", "seldon"]))
        if not draw(st.booleans()):
            model.pop("canary", None)
            model.pop("retraining", None)  # retraining promotes into the canary's alias
            for placement in model["environments"].values():
                placement.pop("canaryWeight", None)
        if "payloads" in model:  # Seldon models here log nothing (validate refuses it); KServe ones draw anew
            model.pop("payloads"), model.pop("monitors", None), model["slos"].pop("minAccuracy", None)
            if model["runtime"] == "kserve" and draw(st.sampled_from([True, True, False])):
                draw_monitoring(draw, model, "payload-lake")
        if model.get("retraining"):
            draw_triggers(draw, model["retraining"], "slos" in model, "drift" in (model.get("monitors") or {}))
        draw_promotion(draw, model)
    for external in data.get("externals") or []:
        external["for"] = draw(st.lists(st.sampled_from(list(WORKLOAD_CLASSES)), min_size=1, max_size=3, unique=True))
        if external["name"] == "payload-lake":  # the agent and the monitors reach it (validate says so)
            external["for"] = sorted({*external["for"], "inference", "monitoring"})
    for pool in data["gpuPools"]:
        if pool["cluster"] == "training-cw":  # the training pools only: models serve on t4
            pool["queueing"] = draw_queueing(draw)
    # The feature store: published from the serving cluster (the example), there alone, one per cluster, or none.
    example = next(s for s in data["services"] if s["kind"] == "featureStore")
    data["services"].remove(example)
    placement = draw(st.sampled_from(["published", "published", "serving only", "every cluster", "none"]))
    if placement != "none":
        data["services"].append(draw_feature_store(draw, None if placement == "every cluster" else example["cluster"],
                                                   example["published"] if placement == "published" else None))
    if draw(st.booleans()):
        _third_cluster(draw, data)
    draw_logs(draw, data)
    return spec


def _third_cluster(draw, data: dict) -> None:
    """A third cluster, for training: its own pool, an environment in drawn modes, the tracking server reached
    through its published endpoint like the training cluster's."""
    data["clusters"].append({"name": "training-aws", "server": "https://api.training-aws.example.com", "role": "training",
                             "apiServer": {"cidrs": ["10.200.0.1/32"]}, "cni": {"calicoApiServer": True}})
    env = {"name": "train-us", "cluster": "training-aws"}
    env["network"] = draw_network(draw, env, "10.70.0.0/16")
    data["environments"].append(env)
    data["gpuPools"].append({"name": "l4", "cluster": "training-aws", "gpuType": "nvidia-l4",
                             "gpusPerNode": draw(st.integers(1, 8)), "nodes": draw(st.integers(1, 3)), "nodeLabels": {"pool": "l4"},
                             "queueing": draw_queueing(draw)})
    for team in data["teams"]:
        if draw(st.booleans()):
            team.setdefault("gpuPools", []).append("l4")
            team["quotas"]["train-us"] = {"cpu": 32, "memory": "128Gi", "gpu": draw(st.integers(0, 4))}


# Shrunk counterexamples are kept in a committed database and replayed before anything new is drawn; CI
# replays it without writing (a run there must not change the checkout).
DATABASE = Path(__file__).parent / "spec-space-db"
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
                database=(ReadOnlyDatabase(DirectoryBasedExampleDatabase(DATABASE)) if os.environ.get("CI")
                          else DirectoryBasedExampleDatabase(DATABASE)))


# Rendering a spec's charts costs seconds (each spec's values differ, so nothing is cached): the first examples
# of each family are proven with every chart rendered by helm, the others with the charts left unseen, where a
# journey may be UNKNOWN but none may fail.
CHART_EXAMPLES = int(os.environ.get("MLOPSGEN_SPEC_CHART_EXAMPLES", "5"))
with_charts: Counter[str] = Counter()


def _quickstart_with(change) -> Spec:
    spec = Spec.example("quickstart")
    change(spec.data)
    return spec


def _multicloud_with(change) -> Spec:
    spec = Spec.example("multicloud")
    change(spec.data)
    return spec


def _long_team(data: dict) -> None:
    data["teams"].append({"name": "t" + "x" * 39, "owners": ["g"], "quotas": {
        e["name"]: {"cpu": 8, "memory": "32Gi"} for e in data["environments"]}})


# Counterexamples found and fixed, replayed before anything is drawn (each also has a named test elsewhere):
# a provided Prometheus (MLflow's ServiceMonitor outside the project's namespaces), a team name at its limit
# (dashboard uids cut to one), a provided mesh in another trust domain (the gateway denied), a cluster that
# provides every component it may, a feature store (its database unknown, never wrong, with its chart unseen:
# tests/verify/test_feature_store.py).
QUICKSTART_REGRESSIONS = [
    _quickstart_with(lambda d: d["clusters"][0].update(provided={"prometheus": {}})),
    _quickstart_with(_long_team),
    _quickstart_with(lambda d: d["clusters"][0].update(provided=dict(PROVIDED))),
    _quickstart_with(lambda d: d["services"].append({"name": "features", "kind": "featureStore", "port": 80,
                                                     "host": "feast-features-online.feast.svc.cluster.local"})),
]
MULTICLOUD_REGRESSIONS = [
    _multicloud_with(lambda d: d["clusters"][0]["provided"]["istio"].update(trustDomain="acme.internal")),
]


def _with_examples(regressions: list[Spec]):
    def decorate(test):
        for spec in reversed(regressions):
            test = example(spec=spec)(test)
        return test
    return decorate


@settings(max_examples=int(os.environ.get("MLOPSGEN_SPEC_EXAMPLES", "150")), **SETTINGS)
@given(spec=multicloud_specs())
@_with_examples(MULTICLOUD_REGRESSIONS)
def test_every_multicloud_variant_validate_accepts_is_proven(spec):
    check_proven(spec, "multicloud")


@settings(max_examples=int(os.environ.get("MLOPSGEN_SPEC_EXAMPLES", "150")), **SETTINGS)
@given(spec=specs())
@_with_examples(QUICKSTART_REGRESSIONS)
def test_every_spec_validate_accepts_renders_and_is_proven(spec):
    check_proven(spec, "quickstart")


def check_proven(spec: Spec, family: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = spec.write(Path(tmp) / "spec")
        try:
            tree = render_tree(path)
        except UserError as error:
            event("refused: " + re.sub(r"'[^']*'|[0-9]+", "_", error.problems[0].message).split(":")[0][:70])
            assume(False)  # refused at a located node: no counterexample
            return
        event("accepted, rendered and proven")
        logs = next((s for s in spec.data["services"] if s["kind"] == "logs"), None)
        event(("logs in an object store" if "artifactStore" in logs else "logs on a volume") if logs else "no logs")
        event("with GPU queues" if any((p.get("queueing") or {}).get("mode") == "kueue" for p in spec.data["gpuPools"])
              else "without GPU queues")
        if any("monitors" in m for m in spec.data["models"]):
            event("accepted with payload logging and monitors")
        if any((m.get("promotion") or {}).get("registry") for m in spec.data["models"]):
            event("accepted with a registry promotion that rolls a model out")
        charts = with_charts[family] < CHART_EXAMPLES
        with_charts[family] += charts
        ctx = load_context(str(path), str(tree), None if charts else ChartOptions())
        report = verify(ctx)
        # UNKNOWN is no counterexample where what decides is not in the tree (a component the cluster provides);
        # with the charts, every chart must have been rendered
        failing = {v.slug: [f.message for f in v.findings if f.severity == "error"][:3] or v.reason
                   for v in report.verdicts if not v.passed and not v.unknown}
        assert failing == {} and (not charts or report.unseen == []), (report.unseen, spec.text())
        assert disagreements(ctx) == {}  # validate's capacity model counts what verify counts in the tree
        assert [m.name for m in ctx.platform.models if (m.payloads or m.monitors or m.retraining)
                and ": BROKEN: " in loop_mermaid(ctx, m.name)] == []  # a proven loop is drawn with no broken link
