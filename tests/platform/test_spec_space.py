"""The invariant over the spec space: every spec validate accepts renders, and verify proves every journey.

Specs are drawn from the examples' shapes with hypothesis: modes per class and environment (the modes each
class may use, from the registry), segments, 1-4 teams with names up to the length the namespaces allow,
models on either runtime with canaries, autoscaling, exposure, callers, SLOs and retraining, externals for
any classes. A drawn spec that validate refuses is no counterexample (validation said why); one it
accepts must work. Counterexamples found are kept as explicit examples below, replayed first.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mlopsgen.catalog.conventions import WORKLOAD_CLASSES
from mlopsgen.catalog.modes import MODES as NETWORK_MODES
from mlopsgen.commands.verify import load_context
from mlopsgen.errors import UserError
from mlopsgen.verify import verify
from mlopsgen.verify.charts import ChartOptions
from tests.support.capacity import disagreements
from tests.support.drawn import MODES, draw_network
from tests.support.specs import Spec
from tests.verify.conftest import render_tree

pytestmark = pytest.mark.slow  # a few hundred specs rendered and verified
NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20)


@st.composite
def specs(draw) -> Spec:
    spec = Spec.example("quickstart")
    data = spec.data
    data["clusters"][0]["cni"] = {"calicoApiServer": True}  # subnet segments are IPPools of its API
    for i, env in enumerate(data["environments"]):
        env["network"] = draw_network(draw, env, f"10.{40 + i}.0.0/16")
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
    data["teams"] = [{"name": f"t{name}", "owners": [f"g-{name}"], "gpuPools": ["a10"],
                      "quotas": {e["name"]: {"cpu": 64, "memory": "256Gi", "gpu": 8} for e in data["environments"]}}
                     for name in names]
    serving = [e["name"] for e in data["environments"] if NETWORK_MODES[e["network"]["inference"]].serves_models]
    data["models"] = []
    for name in names:
        if not serving or not draw(st.booleans()):
            continue
        model = {"name": f"m{name}", "team": f"t{name}", "source": f"models:/m{name}/1", "format": "mlflow",
                 "runtime": draw(st.sampled_from(["kserve", "seldon"])), "resources": {"cpu": "1", "memory": "1Gi"},
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
        data["models"].append(model)
    if draw(st.booleans()):
        data["externals"] = [{"name": "datasets", "host": "data.example.com", "cidrs": ["52.10.0.0/16"],
                              "for": draw(st.lists(st.sampled_from(list(WORKLOAD_CLASSES)), min_size=1, max_size=2, unique=True))}]
    return spec


@st.composite
def multicloud_specs(draw) -> Spec:
    """The multicloud example (two clusters, a published tracking server, host-network training, subnet
    segments, an external) with every environment's modes, each model's runtime, canary and autoscaling,
    and the external's classes drawn anew."""
    spec = Spec.example("multicloud")
    data = spec.data
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
    for external in data.get("externals") or []:
        external["for"] = draw(st.lists(st.sampled_from(list(WORKLOAD_CLASSES)), min_size=1, max_size=3, unique=True))
    return spec


SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# Rendering a spec's charts costs seconds (each spec's values differ, so nothing is cached): the first examples
# of each family are proven with every chart rendered by helm, the others with the charts left unseen, where a
# journey may be UNKNOWN but none may fail.
CHART_EXAMPLES = int(os.environ.get("MLOPSGEN_SPEC_CHART_EXAMPLES", "5"))
with_charts: Counter[str] = Counter()


@settings(max_examples=int(os.environ.get("MLOPSGEN_SPEC_EXAMPLES", "150")), **SETTINGS)
@given(spec=multicloud_specs())
def test_every_multicloud_variant_validate_accepts_is_proven(spec):
    check_proven(spec, "multicloud")


@settings(max_examples=int(os.environ.get("MLOPSGEN_SPEC_EXAMPLES", "150")), **SETTINGS)
@given(spec=specs())
def test_every_spec_validate_accepts_renders_and_is_proven(spec):
    check_proven(spec, "quickstart")


def check_proven(spec: Spec, family: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = spec.write(Path(tmp) / "spec")
        try:
            tree = render_tree(path)
        except UserError:
            assume(False)  # refused at a located node: no counterexample
            return
        charts = with_charts[family] < CHART_EXAMPLES
        with_charts[family] += charts
        ctx = load_context(str(path), str(tree), None if charts else ChartOptions())
        report = verify(ctx)
        failing = {v.slug: [f.message for f in v.findings if f.severity == "error"][:3] or v.reason
                   for v in report.verdicts if not v.passed and (charts or not v.unknown)}
        assert failing == {}
        assert disagreements(ctx) == {}  # validate's capacity model counts what verify counts in the tree
