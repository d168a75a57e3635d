"""A promotion reaches serving: MLflow -> webhook EventSource -> EventBus -> Sensor -> <model>-promote (signature
check, rollout), proven on the multicloud example, and each hand-broken link named."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time

import yaml

from mlopsgen.render.promotion import _VERIFY
from tests.verify.conftest import docs_by_name, edit_docs, edit_object
from tests.verify.test_broken import _messages

TRIGGERS = "teams/risk/overlays/prod/retraining-triggers.yaml"
PROMOTE = "teams/risk/overlays/prod/models/credit-score/promote.yaml"
WHAT = "a promotion of models:/credit-score@champion (credit-score in risk-prod)"


def test_a_promotion_of_the_served_alias_rolls_the_model(examples, reports):
    _, tree = examples["multicloud"]
    verdict = next(v for v in reports["multicloud"].verdicts if v.slug == "promotion")
    assert verdict.passed and not verdict.unknown, verdict.findings
    docs = docs_by_name(tree / TRIGGERS)
    dependency = next(d for d in docs[("Sensor", "retraining")]["spec"]["dependencies"] if d["name"] == "credit-score-promotion")
    assert {f["path"]: f["value"] for f in dependency["filters"]["data"]} == {
        "body.entity": ["model_version_alias"], "body.action": ["created"], "body.data.name": ["credit-score"],
        "body.data.alias": ["champion"]}
    assert docs[("Role", "retraining-sensor")]["rules"] == [{"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["create"]}]
    promote = docs_by_name(tree / PROMOTE)
    job = promote[("Job", "credit-score-promotion-webhook")]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PostSync"
    values = yaml.safe_load((tree / "platform/serving-weu/values/mlflow.yaml").read_text())
    assert values["extraEnvVars"]["MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS"] == "true"
    assert "mlflow-webhook-encryption" in values["extraSecretNamesForEnvFrom"]
    # The vision team serves no promoted model: its namespace gets no promotion webhook.
    vision = docs_by_name(tree / "teams/vision/overlays/staging/retraining-triggers.yaml")
    assert list(vision[("EventSource", "retraining")]["spec"]["webhook"]) == ["alertmanager"]


def _check(tmp_path, secret: bytes, body: str, signature: str, delivery: str, stamp: str) -> int:
    (tmp_path / "secret").write_bytes(secret)
    code = _VERIFY.replace("/etc/mlflow-webhook", str(tmp_path))
    return subprocess.run([sys.executable, "-c", code, body, signature, delivery, stamp, "600"], capture_output=True).returncode


def test_the_signature_check_accepts_mlflows_signature_only(tmp_path):
    # MLflow signs "<delivery id>.<timestamp>.<json.dumps(payload)>"; Argo Events hands the body over compacted.
    payload = {"entity": "model_version_alias", "action": "created", "timestamp": "2026-01-01T00:00:00+00:00",
               "data": {"name": "credit-score", "alias": "champion", "version": "7"}}
    stamp, delivery = str(int(time.time())), "d-1"
    digest = hmac.new(b"k3y", f"{delivery}.{stamp}.{json.dumps(payload)}".encode(), hashlib.sha256).digest()
    signature = "v1," + base64.b64encode(digest).decode()
    compact = json.dumps(payload, separators=(",", ":"))
    assert _check(tmp_path, b"k3y", compact, signature, delivery, stamp) == 0
    assert _check(tmp_path, b"other", compact, signature, delivery, stamp) != 0
    assert _check(tmp_path, b"k3y", compact.replace("7", "8"), signature, delivery, stamp) != 0
    assert _check(tmp_path, b"k3y", compact, signature, delivery, str(int(stamp) - 3600)) != 0


def test_a_policy_blocking_mlflow_from_the_webhook_is_named(multicloud):
    spec, tree = multicloud

    def elsewhere(policy):
        policy["spec"]["ingress"][-1]["from"][0]["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": "argo"}}
    edit_object(tree / TRIGGERS, "NetworkPolicy", "allow-retraining-webhook", elsewhere)
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if f"{WHAT}: flow denied (MLflow delivers to the webhook)" in m and "TCP/12001" in m], found


def test_a_sensor_filtering_another_alias_is_named(multicloud):
    spec, tree = multicloud

    def other_alias(sensor):
        for d in sensor["spec"]["dependencies"]:
            for f in d["filters"]["data"]:
                if f["path"] == "body.data.alias":
                    f["value"] = ["challenger"]
    edit_object(tree / TRIGGERS, "Sensor", "retraining", other_alias)
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if f"{WHAT}: no Sensor of risk-prod admits it" in m and "credit-score-promote" in m], found


def test_a_sensor_that_may_not_create_workflows_is_named(multicloud):
    spec, tree = multicloud
    edit_object(tree / TRIGGERS, "Role", "retraining-sensor", lambda r: r["rules"][0].update(verbs=["get"]))
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if "Sensor risk-prod/retraining runs as retraining-sensor, which may not create workflows" in m], found


def test_a_template_without_the_signature_check_is_named(multicloud):
    spec, tree = multicloud

    def unchecked(template):
        template["spec"]["templates"][0]["steps"].pop(0)
    edit_object(tree / PROMOTE, "WorkflowTemplate", "credit-score-promote", unchecked)
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if "rolls out before any step checks the delivery's signature" in m], found


def test_a_rollout_patching_the_wrong_track_is_named(multicloud):
    spec, tree = multicloud

    def canary(template):
        rollout = template["spec"]["templates"][2]["resource"]
        rollout["manifest"] = rollout["manifest"].replace("/predictors/0/", "/predictors/1/")
    edit_object(tree / PROMOTE, "WorkflowTemplate", "credit-score-promote", canary)
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if "patches /spec/predictors/1/componentSpecs/0/metadata/annotations" in m
            and "the wrong pods roll" in m], found


def test_a_missing_registration_is_named(multicloud):
    spec, tree = multicloud
    edit_docs(tree / PROMOTE, lambda docs: [d for d in docs if d["kind"] != "Job"])
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if f"{WHAT}: no PostSync Job of risk-prod registers a webhook" in m], found


def test_a_rollout_argo_cd_undoes_is_named(multicloud):
    spec, tree = multicloud
    app = next(tree.glob("argocd/apps/*/risk-prod.yaml"))
    edit_docs(app, lambda docs: [{**d, "spec": {k: v for k, v in d["spec"].items() if k != "ignoreDifferences"}} for d in docs])
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if "credit-score-promote/rollout patches /spec/predictors/0/componentSpecs/0/metadata/annotations"
            in m and "self-heal undoes the rollout" in m], found


def test_mlflow_that_delivers_to_public_addresses_only_is_named(multicloud):
    spec, tree = multicloud
    values = tree / "platform/serving-weu/values/mlflow.yaml"
    data = yaml.safe_load(values.read_text())
    data["extraEnvVars"].pop("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS")
    values.write_text(yaml.safe_dump(data))
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if "MLflow delivers only to public addresses" in m], found


def test_a_registration_job_that_cannot_reach_mlflow_is_named(multicloud):
    spec, tree = multicloud

    def isolated(job):
        job["spec"]["template"]["metadata"]["labels"]["mlopsgen.dev/network-mode"] = "none"
    edit_object(tree / PROMOTE, "Job", "credit-score-promotion-webhook", isolated)
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if "flow denied (the Job registers the webhook): risk-prod/credit-score-promotion-webhook" in m], found


def test_a_sensor_admitting_every_alias_is_named(multicloud):
    spec, tree = multicloud

    def any_alias(sensor):
        for d in sensor["spec"]["dependencies"]:
            d["filters"]["data"] = [f for f in d["filters"]["data"] if f["path"] != "body.data.alias"]
    edit_object(tree / TRIGGERS, "Sensor", "retraining", any_alias)
    found = _messages(spec, tree, "promotion")
    assert [m for m in found if "Sensor risk-prod/retraining also admits a delivery of another alias" in m], found


def test_a_kserve_canary_promotion_rolls_the_canary_and_its_stable_twin_is_named(tmp_path):
    """defect-detector serves its canary from @challenger (KServe, one InferenceService per track): a promotion of
    that alias rolls defect-detector-canary; a rollout of the stable InferenceService is the wrong track."""
    from tests.support.specs import Spec
    from tests.verify.conftest import render_tree

    spec = Spec.example("multicloud").set("models/defect-detector/promotion", {"registry": True, "secret": "vision-hmac"})
    path = spec.write(tmp_path)
    tree = render_tree(path)
    assert not _messages(path, tree, "promotion")
    rel = "teams/vision/overlays/staging/models/defect-detector/promote.yaml"
    template = docs_by_name(tree / rel)[("WorkflowTemplate", "defect-detector-promote")]
    rollout = yaml.safe_load(template["spec"]["templates"][2]["resource"]["manifest"])
    assert rollout["metadata"]["name"] == "defect-detector-canary"

    def stable(template):
        resource = template["spec"]["templates"][2]["resource"]
        resource["manifest"] = resource["manifest"].replace("defect-detector-canary", "defect-detector")
    edit_object(tree / rel, "WorkflowTemplate", "defect-detector-promote", stable)
    found = _messages(path, tree, "promotion")
    assert [m for m in found if "inferenceservices.serving.kserve.io/defect-detector, but models:/defect-detector@challenger "
            "is served by InferenceService defect-detector-canary" in m and "the wrong pods roll" in m], found
