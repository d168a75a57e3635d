"""Mistakes that render a tree which breaks in silence are refused at the node that causes them, with the fix."""

from __future__ import annotations

import pytest

from mlopsgen.platform.semantic_intent import cron_problem
from tests.support.specs import Spec


def _refused(run_cli, tmp_path, spec: Spec) -> str:
    result = run_cli("validate", str(spec.write(tmp_path)))
    assert result.exit_code == 2, result.output
    return result.output


def _refused_at(run_cli, tmp_path, spec: Spec, message: str, pointer: str, hint: str) -> None:
    """validate refuses `spec` with `message` at the node `pointer` names (its line and column in the file),
    and the hint names the fix."""
    from mlopsgen.platform.loader import load_file

    path = spec.write(tmp_path)
    output = _refused(run_cli, tmp_path, spec)
    error = next((block for block in output.split(f"{path}:")[1:] if message in block), None)
    assert error is not None, output
    node = tuple(int(p) if p.isdigit() else p for p in pointer.strip("/").split("/"))
    at = load_file(path).locate(node)
    assert error.startswith(f"{at.line}:{at.column}: error: ") and f"(at {pointer})" in error, error
    assert f"hint: {hint}" in error, error


@pytest.mark.parametrize(("schedule", "why"), [
    ("0 0 30 2 *", "day 30 never comes in Feb"), ("0 0 31 4,6,9,11 *", "day 31 never comes in Apr, Jun, Sep, Nov"),
    ("61 3 * * 1", "'61' is outside the minute's 0-59"), ("0 3 * * funday", "'funday' is not a day of week"),
    ("0 24 * * *", "'24' is outside the hour's 0-23"), ("*/0 * * * *", "'*/0' is outside"),
])
def test_a_schedule_that_never_fires_is_refused(run_cli, tmp_path, schedule, why):
    spec = Spec.example("multicloud").set("models/defect-detector/retraining/schedule", schedule)
    _refused_at(run_cli, tmp_path, spec, f"the retraining schedule '{schedule}' never fires: {why}",
                "/models/0/retraining/schedule", "write five fields")


@pytest.mark.parametrize("schedule", ["0 3 * * 1", "*/15 8-18 * * mon-fri", "0 0 30 2 1", "0 0 29 2 *", "0 0 1 jan,jul *"])
def test_schedules_that_fire_are_accepted(schedule):
    assert cron_problem(schedule) is None


def test_two_models_on_one_host_and_path_are_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart")
    spec.set("models/recommender/exposure", {"host": "fraud.ml.example.com"})
    _refused_at(run_cli, tmp_path, spec, "'fraud.ml.example.com/' in 'prod' is already fraud-detector's route",
                "/models/1/exposure/paths", "give each model its own host or path")


def test_a_canary_of_another_registered_model_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("models/defect-detector/canary/source", "models:/ticket-router@challenger")
    _refused_at(run_cli, tmp_path, spec, "the canary serves registered model 'ticket-router', not 'defect-detector'",
                "/models/0/canary/source", "point the canary at a version or alias of defect-detector")


def test_a_segment_over_the_api_server_is_refused(run_cli, tmp_path):
    """A private segment (so no other rule fires) that holds the quickstart's API server, 10.0.16.0/28."""
    spec = Spec.example("quickstart").set("environments/prod/segment", {"cidr": "10.0.0.0/16"})
    spec.set("environments/prod/network/training", "subnet").data["clusters"][0]["cni"] = {"calicoApiServer": True}
    _refused_at(run_cli, tmp_path, spec, "segment 10.0.0.0/16 covers the API server 10.0.16.0/28",
                "/environments/1/segment/cidr", "the segment is for the environment's hosts")
    assert _refused(run_cli, tmp_path / "once", spec).count(": error: ") == 1


@pytest.mark.parametrize(("cidr", "why", "hint"), [
    ("0.0.0.0/0", "is every address", "list the provider's published ranges"),
    ("20.103.18.0/24", "covers the API server 20.103.18.40/32", "list only the provider's ranges"),
])
def test_an_external_range_over_everything_or_the_api_server_is_refused(run_cli, tmp_path, cidr, why, hint):
    spec = Spec.example("multicloud").set("externals/datasets/cidrs", [cidr])
    _refused_at(run_cli, tmp_path, spec, why, "/externals/0/cidrs/0", hint)


def test_published_without_a_cluster_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").remove("services/mlflow/cluster")
    _refused_at(run_cli, tmp_path, spec, "'mlflow' is published but runs on no single cluster", "/services/0/published",
                "set services[].cluster to the cluster that serves it")


def test_slos_without_monitoring_are_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart")
    spec.data["services"] = [s for s in spec.data["services"] if s["kind"] != "monitoring"]
    _refused_at(run_cli, tmp_path, spec, "'fraud-detector' has SLO alerts and no Prometheus evaluates them", "/models/0/slos",
                "declare the monitoring service (kind: monitoring), or drop slos")


def test_an_external_for_classes_isolated_everywhere_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("externals/datasets/for", ["validation"])
    if not all(e.get("network", {}).get("validation", "internal") == "none" for e in spec.data["environments"]):
        for env in spec.data["environments"]:
            env.setdefault("network", {})["validation"] = "none"
    _refused_at(run_cli, tmp_path, spec, "is for validation, isolated ('none') in every environment", "/externals/0/for",
                "name a class that may reach it, or drop the external")


def test_a_model_on_a_cluster_without_prometheus_is_refused(run_cli, tmp_path):
    """Its ServiceMonitor's CRD would be missing and the team's whole Application would fail its dry run
    (verify's bootstrap journey says so of the tree: validate now says it of the spec)."""
    spec = Spec.example("quickstart")
    spec.data["services"] = [s for s in spec.data["services"] if s["kind"] != "monitoring"]
    for model in spec.data["models"]:
        model.pop("slos", None)
    _refused_at(run_cli, tmp_path, spec, "'fraud-detector' serves on cluster 'main', where no Prometheus runs",
                "/models/0/environments/dev", "declare a monitoring service (kind: monitoring) for 'main'")
    spec.data["clusters"][0].setdefault("provided", {})["prometheus"] = {}
    assert run_cli("validate", str(spec.write(tmp_path / "provided"))).exit_code == 0


def test_a_provided_mesh_without_native_sidecars_is_refused_where_only_validations_steps_are_meshed(run_cli, tmp_path):
    """Found by the spec-space property test: no class is in a meshed mode, but isolated validation fetches and
    reports through the mesh, so those steps would never end under a provided istiod without native sidecars."""
    spec = Spec.example("quickstart").set("models", [])
    spec.data["clusters"][0].update(cni={"calicoApiServer": True}, provided={"istio": {
        "revision": "asm-1-25", "cni": True, "nativeSidecars": False,
        "ingressGateway": {"namespace": "mesh-ingress", "serviceAccount": "ingress", "labels": {"istio": "ingress"}}}})
    for i, env in enumerate(spec.data["environments"]):
        env.update(network={"training": "host", "inference": "none", "validation": "none", "monitoring": "subnet"},
                   segment={"cidr": f"10.4{i}.0.0/16"}, hostNetworkJustification="NCCL over the host interfaces.")
    _refused_at(run_cli, tmp_path, spec, "meshes dev (validation's fetch and report), prod (validation's fetch and report)",
                "/clusters/0/provided/istio/nativeSidecars", "enable native sidecars")
