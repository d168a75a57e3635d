"""Hand-broken trees: each break gives a mismatch that names the culprit, and --explain names the allowing rule."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import yaml

from mlopsgen.commands.verify import load_context
from mlopsgen.verify.explain import explain, find_endpoint
from tests.verify.conftest import edit_docs, run

OVERLAY = "teams/fraud/overlays/prod"


def _messages(spec: Path, tree: Path, check: str) -> list[str]:
    report = run(spec, tree)
    return [f"{f.location}: {f.message}" for f in report.findings if f.rule == check and f.severity == "error"]


def _add_resource(tree: Path, overlay: str, name: str, docs: list[dict]) -> None:
    (tree / overlay / name).write_text(yaml.safe_dump_all(docs, sort_keys=False))
    edit_docs(tree / overlay / "kustomization.yaml", lambda ks: [{**ks[0], "resources": [*ks[0]["resources"], name]}])


def _drop_policy(path: Path, name: str) -> None:
    edit_docs(path, lambda docs: [d for d in docs if d["metadata"]["name"] != name])


def test_deleted_default_deny_leaks_unlabelled_pods(quickstart):
    spec, tree = quickstart
    assert not [m for m in _messages(spec, tree, "connectivity") if "unlabelled-pod" in m]
    edit_docs(tree / "teams/fraud/base/kustomization.yaml",
              lambda ks: [{**ks[0], "resources": [r for r in ks[0]["resources"] if "default-deny" not in r]}])
    leaks = [m for m in _messages(spec, tree, "connectivity") if "forbidden flow allowed: fraud-prod/unlabelled-pod -> internet" in m]
    assert leaks and "no NetworkPolicy isolates fraud-prod/unlabelled-pod (no default deny selects it)" in leaks[0]


def test_widened_selector_names_the_allowing_rule(quickstart):
    spec, tree = quickstart
    path = tree / OVERLAY / "networkpolicies.yaml"
    edit_docs(path, lambda docs: [{**d, "spec": {**d["spec"], "podSelector": {}}} if d["metadata"]["name"] == "allow-ingress-gateway"
                                  else d for d in docs])
    leaks = [m for m in _messages(spec, tree, "connectivity")
             if "forbidden flow allowed: istio-system/ingress-gateway -> fraud-prod/validate-job TCP/8080" in m]
    assert leaks and "allowed by NetworkPolicy fraud-prod/allow-ingress-gateway ingress[0]" in leaks[0]
    assert leaks[0].startswith(f"{tree.as_posix()}/{OVERLAY}/networkpolicies.yaml:") or f"{OVERLAY}/networkpolicies.yaml:" in leaks[0]
    ctx = load_context(str(spec), str(tree))
    net, gateway = find_endpoint(ctx.networks, "ingress-gateway")  # type: ignore[misc]
    _, validation = find_endpoint(ctx.networks, "fraud-prod/validate-job")  # type: ignore[misc]
    allowed, text = explain(net, gateway, validation, "TCP", 8080)
    assert allowed and "ingress: allowed by NetworkPolicy fraud-prod/allow-ingress-gateway ingress[0]" in text
    assert "has no sidecar" in text


def test_removed_dns_allow_is_a_denied_required_flow(quickstart):
    spec, tree = quickstart
    _drop_policy(tree / OVERLAY / "networkpolicies.yaml", "allow-internal-dns")
    denied = [m for m in _messages(spec, tree, "connectivity")
              if "required flow denied (DNS): fraud-prod/training -> kube-system/kube-dns UDP/53" in m]
    assert denied and "isolated for egress by NetworkPolicy default-deny-all" in denied[0]


def _api_address(spec: Path, tree: Path) -> str:
    ctx = load_context(str(spec), str(tree))
    return next(e.address for e in ctx.networks["main"].endpoints if e.role == "apiserver")  # type: ignore[return-value]


def test_removed_api_server_egress_is_a_denied_required_flow(quickstart):
    spec, tree = quickstart
    address = _api_address(spec, tree)
    allow = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "allow-api-server"},
             "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                      "egress": [{"to": [{"ipBlock": {"cidr": f"{address}/32"}}], "ports": [{"port": 443, "protocol": "TCP"}]}]}}
    _add_resource(tree, OVERLAY, "api-server.yaml", [allow])
    assert not [m for m in _messages(spec, tree, "connectivity") if "fraud-prod/training -> api-server" in m]
    edit_docs(tree / OVERLAY / "kustomization.yaml", lambda ks: [{**ks[0], "resources": [r for r in ks[0]["resources"]
                                                                                        if r != "api-server.yaml"]}])
    def admits_api(doc: dict) -> bool:
        blocks = [p["ipBlock"]["cidr"] for rule in (doc.get("spec") or {}).get("egress") or [] for p in rule.get("to") or []
                  if "ipBlock" in p]
        return doc.get("kind") == "NetworkPolicy" and any(ipaddress.ip_address(address) in ipaddress.ip_network(b) for b in blocks)

    for path in (tree / OVERLAY).glob("*.yaml"):  # and whatever the tree itself renders for it
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        if any(admits_api(d) for d in docs):
            edit_docs(path, lambda ds: [d for d in ds if not admits_api(d)])
    denied = [m for m in _messages(spec, tree, "connectivity")
              if "required flow denied (workflow pod to the API server): fraud-prod/training -> api-server TCP/443" in m]
    assert denied and "default-deny-all" in denied[0]


def test_missing_executor_role_names_the_service_account(quickstart):
    spec, tree = quickstart
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "executor"},
            "rules": [{"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "executor"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "executor"},
               "subjects": [{"kind": "ServiceAccount", "name": "training"}]}
    _add_resource(tree, OVERLAY, "executor-rbac.yaml", [role, binding])
    rbac = "fraud-prod/training: service account fraud-prod/training may not create workflowtaskresults"
    assert not [m for m in _messages(spec, tree, "workflows") if rbac in m]
    edit_docs(tree / OVERLAY / "executor-rbac.yaml", lambda docs: [d for d in docs if d["kind"] != "Role"])
    for path in tree.rglob("*.yaml"):  # and any Role the tree itself renders for it
        text = path.read_text()
        if "workflowtaskresults" in text and "kind: Role\n" in text:
            edit_docs(path, lambda ds: [d for d in ds if not (d.get("kind") == "Role" and "workflowtaskresults" in str(d))])
    assert [m for m in _messages(spec, tree, "workflows") if rbac in m]


def test_quota_too_small_names_the_quota(quickstart):
    spec, tree = quickstart
    edit_docs(tree / OVERLAY / "resourcequota.yaml",
              lambda docs: [{**d, "spec": {"hard": {**d["spec"]["hard"], "requests.cpu": "1"}}} for d in docs])
    found = [m for m in _messages(spec, tree, "admission") if "ResourceQuota fraud-prod/team-quota: requests.cpu 1 is less than" in m]
    assert found and f"{OVERLAY}/resourcequota.yaml:" in found[0]


SELDON = "teams/risk/models/credit-score/seldondeployment.yaml"


def _edit_predictor(tree: Path, change) -> None:
    def edit(docs):
        for predictor in docs[0]["spec"]["predictors"]:
            change(predictor, predictor["componentSpecs"][0]["spec"])
        return docs
    edit_docs(tree / SELDON, edit)


def test_seldon_model_uri_brings_the_operators_initializer(multicloud):
    """With a modelUri, Seldon Core 1.x injects its rclone initializer: not restricted, and blind to models:/."""
    spec, tree = multicloud
    assert not _messages(spec, tree, "admission") and not _messages(spec, tree, "serving")

    def prepackaged(predictor, pod):
        predictor["graph"].update(implementation="MLFLOW_SERVER", modelUri="models:/credit-score@champion")
        pod.pop("initContainers")
    _edit_predictor(tree, prepackaged)
    rejected = [m for m in _messages(spec, tree, "admission") if "rejects container credit-score-model-initializer" in m]
    assert rejected and "(injected by Seldon Core storage initializer)" in rejected[0]
    assert [m for m in _messages(spec, tree, "serving")
            if "risk-prod/credit-score/stable: Seldon Core's storage initializer (rclone) does not know models:/" in m]


def test_seldon_predictor_without_a_model_fetch_serves_nothing(multicloud):
    spec, tree = multicloud
    _edit_predictor(tree, lambda predictor, pod: pod.pop("initContainers"))
    found = [m for m in _messages(spec, tree, "serving") if "nothing fills /mnt/models, where the model server reads" in m]
    assert found and f"{SELDON}:" in found[0]


def test_seldon_engine_is_rejected_by_pod_security(multicloud):
    spec, tree = multicloud
    _edit_predictor(tree, lambda predictor, pod: predictor.pop("annotations"))
    assert [m for m in _messages(spec, tree, "admission") if "rejects container seldon-container-engine" in m]


def test_mlserver_on_a_read_only_root_needs_its_work_directories_on_scratch(quickstart):
    spec, tree = quickstart
    path = next(tree.glob("teams/*/models/*/inferenceservice.yaml"))

    def drop_metrics_dir(docs):
        for doc in docs:
            model = doc["spec"]["predictor"]["model"]
            model["env"] = [e for e in model["env"] if e["name"] != "MLSERVER_METRICS_DIR"]
        return docs
    edit_docs(path, drop_metrics_dir)
    found = [m for m in _messages(spec, tree, "serving") if "MLServer creates /opt/mlserver at start (MLSERVER_METRICS_DIR)" in m]
    assert found and "read-only" in found[0]


def test_model_downloads_need_native_sidecars_in_the_mesh(quickstart):
    """Without native sidecars the proxy starts after the init containers that fetch models. (A spec whose
    provided mesh says so is refused by validate; here the tree's own istiod is edited by hand.)"""
    spec, tree = quickstart
    values = tree / "platform/main/values/istiod.yaml"
    values.write_text(values.read_text().replace("ENABLE_NATIVE_SIDECARS: 'true'", "ENABLE_NATIVE_SIDECARS: 'false'")
                      .replace('ENABLE_NATIVE_SIDECARS: "true"', 'ENABLE_NATIVE_SIDECARS: "false"'))
    assert "ENABLE_NATIVE_SIDECARS" in values.read_text() and "true" not in values.read_text().split("ENABLE_NATIVE_SIDECARS")[1][:12]
    found = [m for m in _messages(spec, tree, "serving") if "before the Istio proxy runs" in m]
    pods = {m.split(": ", 2)[1] for m in found}
    assert {"fraud-dev/fraud-detector", "fraud-prod/fraud-detector"} <= pods, found


def test_resource_steps_need_their_verbs(multicloud):
    """The validate step creates the isolated Job and the rollout patches the InferenceService, as the executor."""
    spec, tree = multicloud
    assert not _messages(spec, tree, "workflows")

    def drop(resource):
        def edit(docs):
            for d in docs:
                if d.get("kind") == "Role":
                    d["rules"] = [r for r in d["rules"] if resource not in r["resources"]]
            return docs
        return edit
    edit_docs(tree / "teams/vision/base/workflow-access.yaml", drop("jobs"))
    edit_docs(tree / "teams/vision/base/workflow-access.yaml", drop("inferenceservices"))
    messages = _messages(spec, tree, "workflows")
    assert [m for m in messages if "vision-staging/validate: service account vision-staging/validation may not create jobs.batch/*" in m]
    assert [m for m in messages if "may not get inferenceservices.serving.kserve.io/defect-detector-canary" in m]


def test_rollout_of_an_object_the_namespace_lacks_fails(multicloud):
    spec, tree = multicloud
    path = tree / "teams/vision/overlays/staging/models/defect-detector/retrain.yaml"
    assert not _messages(spec, tree, "retraining")

    def retarget(docs):
        for template in docs[0]["spec"]["templates"]:
            if template.get("resource", {}).get("action") == "patch":
                template["resource"]["manifest"] = template["resource"]["manifest"].replace("defect-detector-canary", "gone")
        return docs
    edit_docs(path, retarget)
    found = [m for m in _messages(spec, tree, "retraining") if "patches inferenceservices.serving.kserve.io/gone, which is not in vision-staging" in m]
    assert found and "retrain.yaml:" in found[0]


PUBLISHED_GATEWAYS = "platform/serving-weu/manifests/mesh-config/gateways.yaml"
TRAIN = "teams/nlp/overlays/train"


def test_a_published_endpoint_without_client_certificates_is_open_to_anyone(multicloud):
    spec, tree = multicloud
    assert not _messages(spec, tree, "clusters")

    def simple(docs):
        for d in docs:
            for server in d["spec"]["servers"]:
                if server["tls"].get("mode") == "MUTUAL":
                    server["tls"]["mode"] = "SIMPLE"
        return docs
    edit_docs(tree / PUBLISHED_GATEWAYS, simple)
    found = [m for m in _messages(spec, tree, "clusters") if "publishes mlflow.ml.acme.example with tls mode SIMPLE" in m]
    assert found and f"{PUBLISHED_GATEWAYS}:" in found[0]


def test_workloads_given_a_published_url_must_present_a_certificate_of_its_ca(multicloud):
    spec, tree = multicloud
    edit_docs(tree / TRAIN / "certificates.yaml",
              lambda docs: [{**d, "spec": {**d["spec"], "issuerRef": {**d["spec"]["issuerRef"], "name": "letsencrypt"}}} for d in docs])
    assert [m for m in _messages(spec, tree, "clusters")
            if "nlp-train/training: main is given https://mlflow.ml.acme.example but its client certificate is issued by "
               "letsencrypt, not by acme-ml-clusters" in m]
    edit_docs(tree / TRAIN / "kustomization.yaml",
              lambda ks: [{**ks[0], "resources": [r for r in ks[0]["resources"] if r != "certificates.yaml"]}])
    assert [m for m in _messages(spec, tree, "clusters") if "no Certificate in nlp-train writes Secret mlflow-client" in m]

    def no_client_cert(docs):
        for d in docs:
            for template in d["spec"]["templates"]:
                env = (template.get("container") or {}).get("env") or []
                template.get("container", {})["env"] = [e for e in env if e["name"] != "MLFLOW_TRACKING_CLIENT_CERT_PATH"]
        return docs
    edit_docs(tree / TRAIN / "workflowtemplates.yaml", no_client_cert)
    assert [m for m in _messages(spec, tree, "clusters") if "presents no client certificate" in m]


def test_a_rollout_inside_a_list_needs_argo_cd_to_keep_it(tmp_path):
    """A Seldon rollout patches an item of spec.predictors; without ignoreDifferences and
    RespectIgnoreDifferences on its Application, self-heal undoes it."""
    from tests.support.specs import Spec
    from tests.verify.conftest import render_tree

    spec = Spec.example("multicloud").set("models/credit-score/retraining",
                                          {"schedule": "0 4 * * 1", "image": "acmeml.azurecr.io/risk/retrain:1.0.0"}).write(tmp_path)
    tree = render_tree(spec)
    assert not _messages(spec, tree, "retraining")
    app = next(tree.glob("argocd/apps/*/risk-prod.yaml"))
    edit_docs(app, lambda docs: [{**d, "spec": {**d["spec"], "syncPolicy": {**d["spec"]["syncPolicy"], "syncOptions": [
        o for o in d["spec"]["syncPolicy"]["syncOptions"] if not o.startswith("RespectIgnoreDifferences")]}}} for d in docs])
    assert [m for m in _messages(spec, tree, "retraining") if "syncs without RespectIgnoreDifferences=true" in m]
    edit_docs(app, lambda docs: [{**d, "spec": {k: v for k, v in d["spec"].items() if k != "ignoreDifferences"}} for d in docs])
    found = [m for m in _messages(spec, tree, "retraining")
             if "patches /spec/predictors/0/componentSpecs/0/metadata/annotations of "
                "seldondeployments.machinelearning.seldon.io/credit-score" in m]
    assert found and "does not ignore the field: self-heal undoes the rollout" in found[0]
