"""Mistakes that render a tree which breaks in silence are refused at the node that causes them, with the fix."""

from __future__ import annotations

import pytest

from mlopsgen.platform.semantic_intent import cron_problem
from tests.support.specs import Spec


def _refused(run_cli, tmp_path, spec: Spec) -> str:
    result = run_cli("validate", str(spec.write(tmp_path)))
    assert result.exit_code == 2, result.output
    return result.output


@pytest.mark.parametrize(("schedule", "why"), [
    ("0 0 30 2 *", "day 30 never comes in Feb"), ("0 0 31 4,6,9,11 *", "day 31 never comes in Apr, Jun, Sep, Nov"),
    ("61 3 * * 1", "'61' is outside the minute's 0-59"), ("0 3 * * funday", "'funday' is not a day of week"),
    ("0 24 * * *", "'24' is outside the hour's 0-23"), ("*/0 * * * *", "'*/0' is outside"),
])
def test_a_schedule_that_never_fires_is_refused(run_cli, tmp_path, schedule, why):
    spec = Spec.example("multicloud").set("models/defect-detector/retraining/schedule", schedule)
    output = _refused(run_cli, tmp_path, spec)
    assert f"the retraining schedule '{schedule}' never fires" in output and why in output
    assert "platform.yaml:" in output and "hint: write five fields" in output


@pytest.mark.parametrize("schedule", ["0 3 * * 1", "*/15 8-18 * * mon-fri", "0 0 30 2 1", "0 0 29 2 *", "0 0 1 jan,jul *"])
def test_schedules_that_fire_are_accepted(schedule):
    assert cron_problem(schedule) is None


def test_two_models_on_one_host_and_path_are_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart")
    spec.set("models/recommender/exposure", {"host": "fraud.ml.example.com"})
    output = _refused(run_cli, tmp_path, spec)
    assert "'fraud.ml.example.com/' in 'prod' is already fraud-detector's route" in output


def test_a_canary_of_another_registered_model_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("models/defect-detector/canary/source", "models:/ticket-router@challenger")
    output = _refused(run_cli, tmp_path, spec)
    assert "the canary serves registered model 'ticket-router', not 'defect-detector'" in output
    assert "models:/defect-detector@challenger" in output


def test_a_segment_over_the_api_server_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud")
    cluster = next(e["cluster"] for e in spec.data["environments"] if e.get("segment"))
    api = next(c for c in spec.data["clusters"] if c["name"] == cluster)["apiServer"]["cidrs"][0]
    env = next(e["name"] for e in spec.data["environments"] if e.get("segment"))
    spec.set(f"environments/{env}/segment/cidr", api.rsplit(".", 1)[0] + ".0/24")
    assert "covers the API server" in _refused(run_cli, tmp_path, spec)


@pytest.mark.parametrize(("cidr", "why"), [("0.0.0.0/0", "is every address"), ("20.103.18.0/24", "covers the API server 20.103.18.40/32")])
def test_an_external_range_over_everything_or_the_api_server_is_refused(run_cli, tmp_path, cidr, why):
    spec = Spec.example("multicloud").set("externals/datasets/cidrs", [cidr])
    assert why in _refused(run_cli, tmp_path, spec)


def test_published_without_a_cluster_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").remove("services/mlflow/cluster")
    assert "'mlflow' is published but runs on no single cluster" in _refused(run_cli, tmp_path, spec)


def test_slos_without_monitoring_are_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart")
    spec.data["services"] = [s for s in spec.data["services"] if s["kind"] != "monitoring"]
    assert "'fraud-detector' has SLO alerts and no Prometheus evaluates them" in _refused(run_cli, tmp_path, spec)


def test_an_external_for_classes_isolated_everywhere_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("externals/datasets/for", ["validation"])
    if not all(e.get("network", {}).get("validation", "internal") == "none" for e in spec.data["environments"]):
        for env in spec.data["environments"]:
            env.setdefault("network", {})["validation"] = "none"
    assert "is for validation, isolated ('none') in every environment" in _refused(run_cli, tmp_path, spec)


def test_a_model_on_a_cluster_without_prometheus_is_refused(run_cli, tmp_path):
    """Its ServiceMonitor's CRD would be missing and the team's whole Application would fail its dry run
    (verify's bootstrap journey says so of the tree: validate now says it of the spec)."""
    spec = Spec.example("quickstart")
    spec.data["services"] = [s for s in spec.data["services"] if s["kind"] != "monitoring"]
    for model in spec.data["models"]:
        model.pop("slos", None)
    output = _refused(run_cli, tmp_path, spec)
    assert "'fraud-detector' serves on cluster 'main', where no Prometheus runs" in output
    assert "hint: declare a monitoring service (kind: monitoring) for 'main'" in output
    spec.data["clusters"][0].setdefault("provided", {})["prometheus"] = {}
    assert run_cli("validate", str(spec.write(tmp_path / "provided"))).exit_code == 0
