"""Models: canary weights after every overlay patch, checkov on the rendered trees, and its skips."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mlopsgen.catalog.conventions import BASE_NAMESPACE_SKIP
from mlopsgen.platform import load_platform
from mlopsgen.render import render_platform
from mlopsgen.render.promotion import IMAGE_TAG_SKIP
from tests.conftest import EXAMPLES, ROOT, require
from tests.support.specs import Spec

MULTICLOUD = ROOT / "examples" / "multicloud" / "platform.yaml"


def _render_to(spec_text: str, directory: Path) -> dict[str, str]:
    spec = directory / "platform.yaml"
    spec.write_text(spec_text)
    files = render_platform(load_platform(spec))
    for rel, text in files.items():
        (directory / rel).parent.mkdir(parents=True, exist_ok=True)
        (directory / rel).write_text(text)
    return files


def _built(kubectl: str, overlay: Path) -> list[dict]:
    result = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=True)
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.mark.parametrize("default, staging, prod", [(0, None, None), (100, None, None), (50, 100, 0), (37, None, 5)])
def test_canary_weights_sum_to_100_and_match_the_spec(default, staging, prod, kubectl, tmp_path):
    spec = Spec.example("multicloud").set("models/defect-detector/canary/weight", default)
    spec.remove("models/defect-detector/environments/prod/canaryWeight")
    if prod is not None:
        spec.set("models/defect-detector/environments/prod/canaryWeight", prod)
    if staging is not None:
        spec.set("models/defect-detector/environments/staging/canaryWeight", staging)
    _render_to(spec.text(), tmp_path)
    expected = {"staging": default if staging is None else staging, "prod": default if prod is None else prod}
    for env, weight in expected.items():
        objects = _built(kubectl, tmp_path / f"teams/vision/overlays/{env}")
        services = [o for o in objects if o["kind"] == "VirtualService"]
        assert {s["metadata"]["name"] for s in services} == {"defect-detector-serving", "defect-detector-ingress"}
        for service in services:
            routes = service["spec"]["http"][0]["route"]
            assert sum(r["weight"] for r in routes) == 100
            assert {r["destination"]["subset"]: r["weight"] for r in routes} == {"stable": 100 - weight, "canary": weight}
        rule = next(o for o in objects if o["kind"] == "DestinationRule")
        assert rule["spec"]["trafficPolicy"]["tls"]["mode"] == "ISTIO_MUTUAL"
        assert [s["name"] for s in rule["spec"]["subsets"]] == ["stable", "canary"]


def test_every_virtual_service_in_the_examples_sums_to_100(kubectl, tmp_path):
    for example in EXAMPLES:
        out = tmp_path / example.parent.name
        out.mkdir()
        files = _render_to(example.read_text(), out)
        overlays = sorted({rel.rsplit("/", 1)[0] for rel in files if "/overlays/" in rel and rel.endswith("kustomization.yaml")})
        for overlay in overlays:
            for obj in _built(kubectl, out / overlay):
                if obj["kind"] == "VirtualService":
                    assert sum(r.get("weight", 100) for r in obj["spec"]["http"][0]["route"]) == 100, overlay


def test_replicas_autoscaling_and_disruption_budgets_follow_each_environment(kubectl, tmp_path):
    _render_to(MULTICLOUD.read_text(), tmp_path)
    prod = _built(kubectl, tmp_path / "teams/vision/overlays/prod")
    stable = next(o for o in prod if o["kind"] == "InferenceService" and o["metadata"]["name"] == "defect-detector")
    predictor = stable["spec"]["predictor"]
    assert (predictor["minReplicas"], predictor["maxReplicas"], predictor["scaleTarget"]) == (3, 6, 60)
    assert predictor["model"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert predictor["nodeSelector"] == {"agentpool": "gput4"}
    security = predictor["model"]["securityContext"]
    assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"] == {"drop": ["ALL"]} and predictor["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert {e["name"]: e["value"] for e in predictor["model"]["env"]} == {
        "MLFLOW_TRACKING_URI": "http://mlflow.mlflow.svc.cluster.local:5000", "MLSERVER_MODEL_NAME": "defect-detector",
        "FEAST_FEATURE_SERVER_URL": "http://feast-features-online.feast.svc.cluster.local:80",
        "MLSERVER_ENVIRONMENTS_DIR": "/tmp/mlserver-envs", "MLSERVER_METRICS_DIR": "/tmp/mlserver-metrics"}
    assert any(o["kind"] == "PodDisruptionBudget" for o in prod)
    staging = _built(kubectl, tmp_path / "teams/vision/overlays/staging")
    assert not any(o["kind"] == "PodDisruptionBudget" for o in staging)  # one replica there


def test_oauth_models_require_a_jwt_from_the_ingress(tmp_path):
    files = _render_to(MULTICLOUD.read_text(), tmp_path)
    request_auth = yaml.safe_load(files["teams/risk/models/credit-score/requestauthentication.yaml"])
    assert request_auth["spec"]["jwtRules"][0]["issuer"] == "https://login.microsoftonline.com/acme-tenant/v2.0"
    policies = [d for d in yaml.safe_load_all(files["teams/risk/overlays/prod/authorizationpolicies.yaml"]) if d]
    jwt = next(p for p in policies if p["metadata"]["name"] == "credit-score-require-jwt")
    source = jwt["spec"]["rules"][0]["from"][0]["source"]
    assert source["requestPrincipals"] == ["https://login.microsoftonline.com/acme-tenant/v2.0/*"]
    assert not any(p["metadata"]["name"] == "credit-score-ingress" for p in policies)  # no token-less path
    mesh = [d for d in yaml.safe_load_all(files["teams/risk/base/mesh.yaml"]) if d]
    assert mesh[0]["spec"]["mtls"]["mode"] == "STRICT" and mesh[1]["spec"] == {}


def test_slo_alerts_have_severity_and_summary(tmp_path):
    files = _render_to(MULTICLOUD.read_text(), tmp_path)
    rule = yaml.safe_load(files["teams/vision/overlays/prod/models/defect-detector/prometheusrule.yaml"])
    alerts = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    assert set(alerts) == {"ModelLatencyP95High", "ModelErrorRateHigh", "ModelAccuracyLow"}
    assert "> 250" in alerts["ModelLatencyP95High"]["expr"] and "< 0.92" in alerts["ModelAccuracyLow"]["expr"]
    for alert in alerts.values():
        assert alert["labels"]["severity"] in ("warning", "critical") and alert["annotations"]["summary"]
        assert 'destination_workload_namespace="vision-prod"' in alert["expr"] or 'namespace="vision-prod"' in alert["expr"]


def test_retraining_runs_drift_check_then_data_validation_then_training_then_validation(tmp_path):
    files = _render_to(MULTICLOUD.read_text(), tmp_path)
    [path] = [rel for rel in files if rel.endswith("retrain.yaml")]
    assert path == "teams/vision/overlays/staging/models/defect-detector/retrain.yaml"  # first env with a vision pool
    template = next(d for d in yaml.safe_load_all(files[path]) if d)
    assert template["kind"] == "WorkflowTemplate" and template["metadata"]["name"] == "defect-detector-retrain"
    steps = template["spec"]["templates"][0]["steps"]
    assert [s[0]["name"] for s in steps] == ["drift-check", "validate-data", "train", "validate", "promote", "rollout"]
    assert steps[1][0]["templateRef"] == {"name": "validation", "template": "validation"}
    assert {"name": "module", "value": "validate_data"} in steps[1][0]["arguments"]["parameters"]
    assert steps[2][0]["templateRef"] == {"name": "training", "template": "training"}
    assert steps[3][0]["templateRef"] == {"name": "validation", "template": "validation"}
    assert "verdict}} == passed" in steps[4][0]["when"] and "verdict}} == passed" in steps[5][0]["when"]
    assert [c["metadata"]["name"] for c in template["spec"]["volumeClaimTemplates"]] == ["workdir"]
    templates = {t["name"]: t for t in template["spec"]["templates"]}
    # Only the promotion step holds the registry writer's credentials; it moves the canary's alias.
    assert templates["promote"]["container"]["envFrom"] == [{"secretRef": {"name": "mlflow-registry-writer", "optional": True}}]
    assert templates["promote"]["container"]["command"][-3:-1] == ["defect-detector", "challenger"]
    rollout = yaml.safe_load(templates["rollout"]["resource"]["manifest"])
    assert rollout["metadata"]["name"] == "defect-detector-canary"
    assert rollout["spec"]["predictor"]["annotations"] == {"mlopsgen.dev/model-version": "{{inputs.parameters.candidate}}"}
    workflows = {d["metadata"]["name"]: d for d in yaml.safe_load_all(files["teams/vision/overlays/staging/workflowtemplates.yaml"]) if d}
    job = yaml.safe_load(next(t for t in workflows["validation"]["spec"]["templates"] if t["name"] == "validate")["resource"]["manifest"])
    pod = job["spec"]["template"]
    assert pod["metadata"]["labels"]["mlopsgen.dev/network-mode"] == "none"
    assert pod["spec"]["automountServiceAccountToken"] is False and pod["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"


def _checkov() -> str | None:
    candidates = [os.environ.get("MLOPSGEN_CHECKOV"), str(ROOT / ".venv-tools" / "bin" / "checkov"), shutil.which("checkov")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def test_checkov_finds_nothing_in_the_rendered_examples(tmp_path):
    checkov = _checkov()
    require(checkov is not None, "checkov is not installed (make test installs it into .venv-tools)")
    for example in EXAMPLES:
        out = tmp_path / example.parent.name
        out.mkdir()
        _render_to(example.read_text(), out)
        result = subprocess.run([checkov, "-d", str(out), "--framework", "kubernetes", "--skip-download", "-o", "json"],
                                capture_output=True, text=True)
        report = json.loads(result.stdout)
        report = report[0] if isinstance(report, list) else report
        summary = report["summary"]
        assert summary["resource_count"] > 50 and summary["passed"] > 20, summary  # it really looked
        assert summary["failed"] == 0, [c["check_id"] + " " + c["resource"] for c in report["results"]["failed_checks"]]
        skipped = report["results"]["skipped_checks"]
        assert "CKV_K8S_21" in {c["check_id"] for c in skipped} <= {"CKV_K8S_21", "CKV_K8S_43"}
        assert summary["skipped"] == len(skipped) > 0


def test_checkov_skips_are_the_documented_ones_and_counted(tmp_path):
    """Each base object without a namespace carries one skip, each promotion's registration Job another; nothing
    else may."""
    readme = (ROOT / "README.md").read_text()
    for skip in (BASE_NAMESPACE_SKIP, IMAGE_TAG_SKIP):
        check, reason = next(iter(skip.values())).split("=", 1)
        assert f"`{check}`" in readme and reason in readme
    for example in EXAMPLES:
        platform = load_platform(example)
        files = render_platform(platform)
        skips = [
            doc for text in files.values() for doc in yaml.safe_load_all(text)
            if isinstance(doc, dict) and any(k.startswith("checkov.io/skip") for k in (doc.get("metadata", {}).get("annotations") or {}))
        ]
        jobs = [d for d in skips if d["kind"] == "Job"]
        assert len(jobs) == sum(len(m.environments) for m in platform.models if m.promotion)
        for job in jobs:
            assert [(k, v) for k, v in job["metadata"]["annotations"].items() if k.startswith("checkov.io/")] == list(IMAGE_TAG_SKIP.items())
        skips = [d for d in skips if d["kind"] != "Job"]
        # per team: 4 ServiceAccounts, 2 token Secrets, 2 Roles and 2 RoleBindings; per model: its routing Service
        assert len(skips) == 10 * len(platform.teams) + len(platform.models)
        for doc in skips:
            annotations = doc["metadata"]["annotations"]
            assert BASE_NAMESPACE_SKIP.items() <= annotations.items() and "namespace" not in doc["metadata"]
            assert [k for k in annotations if k.startswith("checkov.io/")] == list(BASE_NAMESPACE_SKIP)


def test_seldon_predictors_fetch_their_own_version_and_serve_it_with_mlserver(kubectl, tmp_path):
    """No modelUri (Seldon would inject its unrestricted rclone initializer, blind to models:/): each
    predictor's init container downloads its track's source into the volume MLServer reads."""
    spec = Spec.example("multicloud").set("models/credit-score/canary", {"source": "models:/credit-score/8", "weight": 20})
    spec.remove("models/credit-score/promotion")  # a version is never promoted: only an alias is
    _render_to(spec.text(), tmp_path)
    prod = _built(kubectl, tmp_path / "teams/risk/overlays/prod")
    sdep = next(o for o in prod if o["kind"] == "SeldonDeployment")
    assert sdep["spec"]["protocol"] == "v2"
    sources = {}
    for predictor in sdep["spec"]["predictors"]:
        assert predictor["graph"] == {"name": "credit-score", "type": "MODEL"}
        assert predictor["annotations"] == {"seldon.io/no-engine": "true"}
        pod = predictor["componentSpecs"][0]["spec"]
        (fetch,), (server,) = pod["initContainers"], pod["containers"]
        sources[predictor["name"]] = fetch["args"][0]
        assert fetch["args"][1] == "/mnt/models" and fetch["env"][0]["name"] == "MLFLOW_TRACKING_URI"
        assert fetch["securityContext"]["allowPrivilegeEscalation"] is False
        assert fetch["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        env = {e["name"]: e["value"] for e in server["env"]}
        assert env["MLSERVER_MODEL_IMPLEMENTATION"] == "mlserver_mlflow.MLflowRuntime"
        assert env["MLSERVER_MODEL_URI"] == "/mnt/models"
        written = {m["name"] for m in fetch["volumeMounts"] if m["mountPath"] == "/mnt/models"}
        read = {m["name"] for m in server["volumeMounts"] if m["mountPath"] == "/mnt/models" and m.get("readOnly")}
        assert written == read == {"model"}
        assert {"name": "model", "emptyDir": {}} in pod["volumes"]
    assert sources == {"stable": "models:/credit-score@champion", "canary": "models:/credit-score/8"}
    assert {p["name"]: p["traffic"] for p in sdep["spec"]["predictors"]} == {"stable": 80, "canary": 20}


def test_seldon_retraining_rolls_the_promoted_predictor_and_argo_cd_keeps_it(tmp_path):
    """The rollout is a JSON patch of the promoted predictor's pod annotations; Argo CD compares a custom
    resource's lists whole, so the team Application ignores that field and syncs around it."""
    from tests.verify.conftest import render_tree, run

    spec = Spec.example("multicloud")
    spec.set("models/credit-score/canary", {"source": "models:/credit-score@challenger", "weight": 10})
    spec.set("models/credit-score/retraining", {"schedule": "0 4 * * 1", "image": "acmeml.azurecr.io/risk/retrain:1.0.0"})
    path = spec.write(tmp_path)
    files = render_platform(load_platform(path))
    retrain = yaml.safe_load(files["teams/risk/overlays/prod/models/credit-score/retrain.yaml"].split("\n---\n", 1)[-1])
    rollout = next(t for t in retrain["spec"]["templates"] if t["name"] == "rollout")["resource"]
    assert (rollout["action"], rollout["mergeStrategy"]) == ("patch", "json")
    assert rollout["flags"] == ["seldondeployments.machinelearning.seldon.io", "credit-score"]
    assert yaml.safe_load(rollout["manifest"]) == [{
        "op": "add", "path": "/spec/predictors/1/componentSpecs/0/metadata/annotations",  # the canary, promoted
        "value": {"mlopsgen.dev/model-version": "{{inputs.parameters.candidate}}"}}]
    app = yaml.safe_load(files["argocd/apps/serving-weu/risk-prod.yaml"].split("\n", 1)[1])
    assert app["spec"]["ignoreDifferences"] == [{"group": "machinelearning.seldon.io", "kind": "SeldonDeployment",
                                                 "name": "credit-score",
                                                 "jqPathExpressions": [".spec.predictors[].componentSpecs[].metadata.annotations"]}]
    assert "RespectIgnoreDifferences=true" in app["spec"]["syncPolicy"]["syncOptions"]
    report = run(path, render_tree(path))
    assert [(v.slug, v.passed) for v in report.verdicts if not v.passed] == []


def test_seldon_autoscaling_is_rendered_and_proven(tmp_path, run_cli):
    """maxReplicas of a Seldon model becomes the component's hpaSpec (Seldon Core 1.x scales through it)."""
    from tests.support.specs import Spec

    spec = Spec.example("multicloud").set("models/credit-score/environments/prod/autoscaling",
                                          {"maxReplicas": 5, "targetUtilization": 65})
    path = spec.write(tmp_path)
    assert run_cli("render", str(path)).exit_code == 0
    patches = "".join(p.read_text() for p in (tmp_path / "clusters").rglob("*.yaml") if "credit-score" in p.name and "patch" in str(p))
    patches += "".join(p.read_text() for p in tmp_path.rglob("patches/*credit-score*.yaml"))
    assert "hpaSpec" in patches and "maxReplicas: 5" in patches and "averageUtilization: 65" in patches
    result = run_cli("verify", str(path))
    assert result.exit_code == 0, result.output[-2000:]
