"""An alert starts retraining: Alertmanager -> webhook EventSource -> EventBus -> Sensor -> Workflow, proven on the
multicloud example, and each hand-broken link named."""

from __future__ import annotations

import yaml

from tests.verify.conftest import docs_by_name, edit_docs
from tests.verify.test_broken import _messages

TRIGGERS = "teams/vision/overlays/staging/retraining-triggers.yaml"
WHAT = "alert {} of defect-detector in vision-staging"


def test_every_retraining_alert_reaches_the_models_workflow(examples, reports):
    _, tree = examples["multicloud"]
    verdict = next(v for v in reports["multicloud"].verdicts if v.slug == "alert-retraining")
    assert verdict.passed and not verdict.unknown, verdict.findings
    docs = docs_by_name(tree / TRIGGERS)
    route = docs[("AlertmanagerConfig", "defect-detector-retraining")]["spec"]["route"]
    alerts = route["matchers"][1]["value"].split("|")
    assert alerts == ["ModelDriftDetected", "ModelLatencyP95High", "ModelErrorRateHigh", "ModelAccuracyLow"]
    trigger = docs[("Sensor", "retraining")]["spec"]["triggers"][0]["template"]
    assert trigger["k8s"]["source"]["resource"]["spec"]["workflowTemplateRef"] == {"name": "defect-detector-retrain"}
    assert [p["src"]["dataKey"] for p in trigger["k8s"]["parameters"]] == ["body.commonLabels.model", "body.commonLabels.alertname"]
    # The Sensor may create Workflows in its namespace, and nothing more.
    assert docs[("Role", "retraining-sensor")]["rules"] == [{"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["create"]}]
    # Every pod the controller makes from these objects is held to restricted, out of the mesh.
    for kind, path in (("EventSource", ("template",)), ("Sensor", ("template",)), ("EventBus", ("jetstream",))):
        pod = docs[(kind, "retraining" if kind != "EventBus" else "default")]["spec"][path[0]]
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"} and pod["securityContext"]["runAsNonRoot"]
        assert pod["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"
    # Argo Events is installed from its pinned chart where an alert starts retraining, restricted; nowhere else.
    values = yaml.safe_load((tree / "platform/serving-weu/values/argo-events.yaml").read_text())
    assert values["controller"]["containerSecurityContext"]["allowPrivilegeEscalation"] is False
    assert not (tree / "platform/training-cw/values/argo-events.yaml").exists()
    assert not (examples["quickstart"][1] / "platform/main/values/argo-events.yaml").exists()
    # The schedule still runs the same template.
    cron = docs_by_name(tree / "teams/vision/overlays/staging/models/defect-detector/cronworkflow.yaml")
    assert cron[("CronWorkflow", "defect-detector-retrain")]["spec"]["workflowSpec"] == {
        "workflowTemplateRef": {"name": "defect-detector-retrain"}}


def test_an_alert_routed_nowhere_is_named(multicloud):
    spec, tree = multicloud
    edit_docs(tree / TRIGGERS, lambda docs: [d for d in docs if d["kind"] != "AlertmanagerConfig"])
    found = _messages(spec, tree, "alert-retraining")
    assert [m for m in found if WHAT.format("ModelDriftDetected") + " is routed nowhere" in m], found
    assert [m for m in found if WHAT.format("ModelLatencyP95High") + " is routed nowhere" in m
            and "prometheusrule.yaml:" in m], found


def test_a_sensor_that_may_not_create_workflows_is_named(multicloud):
    spec, tree = multicloud

    def read_only(docs):
        for d in docs:
            if d["kind"] == "Role" and d["metadata"]["name"] == "retraining-sensor":
                d["rules"][0]["verbs"] = ["get", "list"]
        return docs
    edit_docs(tree / TRIGGERS, read_only)
    found = _messages(spec, tree, "alert-retraining")
    assert [m for m in found if "Sensor vision-staging/retraining runs as retraining-sensor, which may not create "
            "workflows" in m and "retraining-triggers.yaml:" in m], found


def test_a_policy_blocking_alertmanager_from_the_webhook_is_named(multicloud):
    spec, tree = multicloud

    def elsewhere(docs):
        for d in docs:
            if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "allow-retraining-webhook":
                d["spec"]["ingress"][0]["from"][0]["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": "argo"}}
        return docs
    edit_docs(tree / TRIGGERS, elsewhere)
    found = _messages(spec, tree, "alert-retraining")
    assert [m for m in found if "flow denied (Alertmanager posts the alert to the webhook): monitoring/alertmanager -> "
            "vision-staging/eventsource-retraining TCP/12000" in m], found


def test_a_webhook_url_no_eventsource_serves_is_named(multicloud):
    spec, tree = multicloud

    def wrong_path(docs):
        for d in docs:
            if d["kind"] == "AlertmanagerConfig":
                d["spec"]["receivers"][0]["webhookConfigs"][0]["url"] += "-typo"
        return docs
    edit_docs(tree / TRIGGERS, wrong_path)
    found = _messages(spec, tree, "alert-retraining")
    assert [m for m in found if "which is no webhook of an EventSource" in m], found


def test_an_eventbus_pod_security_would_reject_is_named(multicloud):
    spec, tree = multicloud

    def privileged(docs):
        for d in docs:
            if d["kind"] == "EventBus":
                d["spec"]["jetstream"].pop("securityContext")
                d["spec"]["jetstream"]["containerTemplate"]["securityContext"] = {"privileged": True}
        return docs
    edit_docs(tree / TRIGGERS, privileged)
    found = _messages(spec, tree, "alert-retraining")
    assert [m for m in found if "the pods of EventBus vision-staging/default: Pod Security 'restricted' rejects "
            "container containerTemplate" in m and "privileged" in m], found


def test_the_quota_holds_the_bus_the_webhook_and_the_sensor(examples):
    """They run in the team namespace for good: validate and verify both count them (3 bus replicas, 1 each)."""
    from mlopsgen.commands.verify import load_context
    from mlopsgen.platform.capacity import namespace_runs
    from mlopsgen.verify.checks.quotas import running_together

    spec, tree = examples["multicloud"]
    ctx = load_context(str(spec), str(tree))
    running = running_together(ctx, [p for p in ctx.pods["serving-weu"] if p.namespace == "vision-staging"],
                               ("serving-weu", "vision-staging"))
    assert sorted((p.workload, n) for p, n in running if p.kind == "events") == [
        ("eventbus/default", 3), ("eventsource/retraining", 1), ("sensor/retraining", 1)]
    team, env = ctx.platform.team("vision"), ctx.platform.environment("staging")
    assert [r.what for r in namespace_runs(ctx.platform, team, env)][-3:] == [
        "the retraining webhook", "the retraining Sensor", "the EventBus x3"]
    assert not [r for r in namespace_runs(ctx.platform, team, ctx.platform.environment("prod")) if "EventBus" in r.what]
