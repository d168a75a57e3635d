"""What starts retraining: a trigger that can never fire is refused at the field, with the fix."""

from __future__ import annotations

from mlopsgen.platform import load_platform
from tests.platform.test_intent import _refused_at
from tests.support.specs import Spec

RETRAINING = "models/defect-detector/retraining"


def test_the_default_trigger_is_the_schedule(tmp_path):
    spec = Spec.example("multicloud")
    spec.get(RETRAINING).pop("triggers", None)
    platform = load_platform(spec.write(tmp_path))
    retraining = next(m for m in platform.models if m.name == "defect-detector").retraining
    assert retraining is not None and retraining.triggers == ("schedule",) and retraining.alert_triggers == ()


def test_a_schedule_trigger_without_a_schedule_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set(f"{RETRAINING}/triggers", ["schedule", "drift"]).remove(f"{RETRAINING}/schedule")
    _refused_at(run_cli, tmp_path, spec, "retraining of 'defect-detector' is triggered by a schedule, but has none",
                "/models/0/retraining/triggers", "add retraining.schedule")


def test_a_schedule_no_trigger_reads_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set(f"{RETRAINING}/triggers", ["drift"]).set(f"{RETRAINING}/schedule", "0 3 * * 1")
    _refused_at(run_cli, tmp_path, spec, "has a schedule its triggers do not include",
                "/models/0/retraining/schedule", "add 'schedule' to retraining.triggers")


def test_an_slo_trigger_without_slos_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set(f"{RETRAINING}/triggers", ["drift", "slo"]).remove("models/defect-detector/slos")
    _refused_at(run_cli, tmp_path, spec, "is triggered by an SLO breach, but the model has no SLOs to alert on",
                "/models/0/retraining/triggers/1", "declare slos")


def test_an_alert_trigger_without_a_prometheus_on_the_cluster_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set(f"{RETRAINING}/triggers", ["drift"])
    spec.set("services/prometheus/cluster", "training-cw")  # the retraining runs in staging, on serving-weu
    _refused_at(run_cli, tmp_path, spec, "is triggered by the 'drift' alert, but cluster 'serving-weu' (environment "
                "'staging') runs no Prometheus and Alertmanager to send it", "/models/0/retraining/triggers/0",
                "declare a monitoring service on cluster 'serving-weu'")


def test_a_drift_trigger_without_a_drift_monitor_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set(f"{RETRAINING}/triggers", ["schedule", "drift"])
    spec.remove("models/defect-detector/monitors/drift")
    _refused_at(run_cli, tmp_path, spec, "retraining of 'defect-detector' is triggered by drift, but the model has no "
                "drift monitor: nothing raises ModelDriftDetected", "/models/0/retraining/triggers/1",
                "declare monitors.drift")
