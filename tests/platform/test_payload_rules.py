"""Payload logging and monitors that could not work are refused at the field, with the fix."""

from __future__ import annotations

from tests.platform.test_intent import _refused_at
from tests.support.specs import Spec

DD = "models/defect-detector"


def test_a_seldon_model_that_logs_payloads_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("models/credit-score/payloads",
                                          {"url": "s3://acme-ml-payloads/credit", "store": "payload-lake"})
    _refused_at(run_cli, tmp_path, spec, "run without it (seldon.io/no-engine): nothing would log", "/models/2/payloads",
                "serve the model with a runtime whose injected agent logs payloads (kserve)")


def test_a_store_the_agent_or_the_monitors_may_not_reach_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("externals/payload-lake/for", ["inference"])
    _refused_at(run_cli, tmp_path, spec, "external 'payload-lake' is not for monitoring: the monitors could not reach it",
                "/models/0/payloads/store", "add monitoring to externals[1].for")


def test_an_undeclared_store_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set(f"{DD}/payloads/store", "lake")
    _refused_at(run_cli, tmp_path, spec, "unknown external 'lake'", "/models/0/payloads/store", "declared externals:")


def test_a_sink_on_another_host_than_its_store_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").remove(f"{DD}/monitors").set(f"{DD}/payloads/url", "https://events.acme.example/ml")
    _refused_at(run_cli, tmp_path, spec, "the sink's host 'events.acme.example' is not 's3.eu-west-1.amazonaws.com'",
                "/models/0/payloads/url", "point store at the external that declares the sink's host")


def test_monitors_without_payloads_in_an_object_store_are_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").remove(f"{DD}/payloads")
    _refused_at(run_cli, tmp_path, spec, "has monitors and logs no payloads", "/models/0/monitors", "add payloads")
    spec = (Spec.example("multicloud").set("externals/payload-lake/host", "events.acme.example")
            .set(f"{DD}/payloads/url", "https://events.acme.example/ml"))
    _refused_at(run_cli, tmp_path, spec, "CloudEvents sink, which monitors cannot read back", "/models/0/monitors",
                "log to an object-store prefix")


def test_a_monitor_needs_one_of_schedule_and_streaming_and_an_image(run_cli, tmp_path):
    spec = Spec.example("multicloud").remove(f"{DD}/monitors/drift/schedule")
    _refused_at(run_cli, tmp_path, spec, "the drift monitor of 'defect-detector' neither has a schedule nor streams",
                "/models/0/monitors/drift", "add schedule")
    spec = Spec.example("multicloud").set(f"{DD}/monitors/accuracy/schedule", "0 * * * *")
    _refused_at(run_cli, tmp_path, spec, "has a schedule and streams", "/models/0/monitors/accuracy/streaming", "keep one")
    spec = Spec.example("multicloud").set(f"{DD}/monitors/drift/schedule", "0 0 31 2 *")
    _refused_at(run_cli, tmp_path, spec, "schedule '0 0 31 2 *': day 31 never comes in Feb",
                "/models/0/monitors/drift/schedule", "use 5 fields")
    spec = Spec.example("multicloud").remove(f"{DD}/retraining").remove(f"{DD}/monitors/image")
    _refused_at(run_cli, tmp_path, spec, "has monitors and no image to run them", "/models/0/monitors", "set monitors.image")


def test_accuracy_from_two_places_is_refused_and_from_none_too(run_cli, tmp_path):
    spec = Spec.example("multicloud").set(f"{DD}/slos/accuracyMetric", "defect_detector_accuracy")
    _refused_at(run_cli, tmp_path, spec, "the SLO alert can read one", "/models/0/slos/accuracyMetric", "drop accuracyMetric")
    spec = Spec.example("multicloud").remove(f"{DD}/monitors/accuracy")
    _refused_at(run_cli, tmp_path, spec, "minAccuracy needs accuracy measured", "/models/0/slos/minAccuracy",
                "add monitors.accuracy")
