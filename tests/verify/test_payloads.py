"""Payloads reach the store, and drift becomes an alert: proven on the multicloud example, each break of the chain
named (the logger, the agent's admission, the store's egress, the monitor's scrape and its alert)."""

from __future__ import annotations

import yaml

from mlopsgen.catalog import promql
from tests.verify.conftest import edit_docs, run
from tests.verify.test_charts import _errors

VISION = "teams/vision"
ISVC = f"{VISION}/models/defect-detector/inferenceservice.yaml"
MONITORS = f"{VISION}/overlays/{{env}}/models/defect-detector/monitors.yaml"


def _without_logger(tree) -> None:
    """The logger gone from the base, and the environments' patches of its path with it (kustomize would fail)."""
    edit_docs(tree / ISVC, lambda docs: [{**d, "spec": {**d["spec"], "predictor": {
        k: v for k, v in d["spec"]["predictor"].items() if k != "logger"}}} for d in docs])
    for patch in (tree / VISION / "overlays").glob("*/patches/inferenceservice-*.yaml"):
        ops = [op for op in yaml.safe_load(patch.read_text()) if "/logger/" not in op["path"]]
        patch.write_text(yaml.safe_dump(ops))


def test_the_example_logs_payloads_and_alerts_on_drift(examples, reports):
    report = reports["multicloud"]
    assert {v.slug: v.passed for v in report.verdicts if v.slug in ("payloads", "drift")} == {
        "payloads": True, "drift": True}
    _, tree = examples["multicloud"]
    isvc = next(yaml.safe_load_all((tree / ISVC).read_text()))
    assert isvc["spec"]["predictor"]["logger"]["url"] == "s3://acme-ml-payloads"
    docs = list(yaml.safe_load_all((tree / MONITORS.format(env="prod")).read_text()))
    rule = next(d for d in docs if d and d["kind"] == "PrometheusRule")
    alert = rule["spec"]["groups"][0]["rules"][0]
    assert alert["alert"] == promql.DRIFT_ALERT == "ModelDriftDetected"
    assert alert["labels"] == {"model": "defect-detector", "namespace": "vision-prod", "severity": "warning"}
    slos = yaml.safe_load((tree / f"{VISION}/overlays/prod/models/defect-detector/prometheusrule.yaml").read_text())
    accuracy = next(r for r in slos["spec"]["groups"][0]["rules"] if r["alert"] == "ModelAccuracyLow")
    assert promql.ACCURACY in accuracy["expr"]


def test_a_model_without_its_logger_is_named(multicloud):
    spec, tree = multicloud
    _without_logger(tree)
    found = _errors(spec, tree, "payloads")
    assert any("InferenceService vision-prod/defect-detector has no logger" in m for m in found), found


def test_an_agent_pod_security_refuses_is_named(multicloud):
    spec, tree = multicloud
    edit_docs(tree / ISVC, lambda docs: [{**d, "spec": {**d["spec"], "predictor": {**d["spec"]["predictor"], "model": {
        **d["spec"]["predictor"]["model"], "securityContext": {"runAsNonRoot": True}}}}} for d in docs])
    found = _errors(spec, tree, "payloads")
    assert any("container agent (injected by KServe (payload logger)) is refused by Pod Security 'restricted'" in m
               for m in found), found


def test_a_store_the_models_may_not_reach_is_named(multicloud):
    spec, tree = multicloud
    edit_docs(tree / f"{VISION}/overlays/prod/networkpolicies.yaml",
              lambda docs: [d for d in docs if d["metadata"]["name"] != "allow-external-payload-lake-inference"])
    found = _errors(spec, tree, "payloads")
    assert any("vision-prod/defect-detector may not connect to the payload store external-payload-lake" in m
               for m in found), found


def test_a_drift_monitor_no_servicemonitor_scrapes_is_named(multicloud):
    spec, tree = multicloud
    edit_docs(tree / MONITORS.format(env="prod"),
              lambda docs: [d for d in docs if not (d["kind"] == "ServiceMonitor" and "drift" in d["metadata"]["name"])])
    found = _errors(spec, tree, "drift")
    assert found == ["vision-prod/defect-detector-drift-monitor: no ServiceMonitor selects a Service in front of the "
                     "drift monitor: Prometheus never scrapes it, so its alert never fires"], found


def test_a_servicemonitor_selecting_nothing_is_named(multicloud):
    spec, tree = multicloud

    def elsewhere(docs):
        for d in docs:
            if d["kind"] == "ServiceMonitor" and "drift" in d["metadata"]["name"]:
                d["spec"]["selector"] = {"matchLabels": {"mlopsgen.dev/monitor": "nothing"}}
        return docs

    edit_docs(tree / MONITORS.format(env="staging"), elsewhere)
    found = _errors(spec, tree, "drift")
    assert any(m.startswith("vision-staging/defect-detector-drift-monitor: no ServiceMonitor selects") for m in found), found


def test_a_policy_keeping_prometheus_from_the_monitor_is_named(multicloud):
    spec, tree = multicloud
    edit_docs(tree / f"{VISION}/overlays/prod/networkpolicies.yaml",
              lambda docs: [d for d in docs if d["metadata"]["name"] != "allow-monitors-scrape"])
    found = _errors(spec, tree, "drift")
    assert any("monitoring/prometheus may not connect to vision-prod/defect-detector-drift-monitor on 15020" in m
               for m in found), found
    assert any("Prometheus scrape of a monitor" in m for m in _errors(spec, tree, "connectivity"))


def test_a_drift_alert_on_another_metric_is_named(multicloud):
    spec, tree = multicloud

    def other_metric(docs):
        for d in docs:
            if d["kind"] == "PrometheusRule":
                d["spec"]["groups"][0]["rules"][0]["expr"] = 'max(some_other_score{model="defect-detector"}) > 0.2'
        return docs

    edit_docs(tree / MONITORS.format(env="prod"), other_metric)
    found = _errors(spec, tree, "drift")
    assert any("reads some_other_score, which the drift monitor does not export" in m for m in found), found
    assert not run(spec, tree).proven


def test_a_drift_monitor_that_does_not_run_is_named(multicloud):
    spec, tree = multicloud
    edit_docs(tree / MONITORS.format(env="prod"),
              lambda docs: [d for d in docs if not (d["kind"] == "Deployment" and "drift" in d["metadata"]["name"])])
    found = _errors(spec, tree, "drift")
    assert found == ["no drift monitor of defect-detector runs in vision-prod: nothing measures drift"], found
