"""Each check family on small hand-made trees, pass and fail, independent of the bundled examples."""

from __future__ import annotations

import yaml

from mlopsgen.verify.checks import admission, bootstrap, lifecycle, quotas, serving, urls, workflows
from tests.verify.minitree import (
    HARDENED_EXECUTOR,
    NAMESPACE,
    MiniTree,
    app,
    component_app,
    namespace,
    workflow_template,
)


def _messages(run, ctx) -> list[str]:
    return [f.message for f in run(ctx, {}) if f.severity == "error"]


def test_admission_passes_with_a_hardened_executor_and_no_mesh(tmp_path):
    ctx = MiniTree(tmp_path).team([namespace(), workflow_template()]).app(
        component_app("argo-workflows", values=HARDENED_EXECUTOR)).context()
    assert _messages(admission.run, ctx) == []


def test_admission_rejects_the_executor_containers_by_default(tmp_path):
    ctx = MiniTree(tmp_path).team([namespace(), workflow_template()]).app(component_app("argo-workflows")).context()
    messages = _messages(admission.run, ctx)
    assert any("rejects container init (injected by Argo Workflows executor): allowPrivilegeEscalation is not false" in m
               for m in messages)
    assert any("rejects container wait" in m for m in messages)


def test_admission_follows_istio_cni(tmp_path):
    values = {"cni": {"enabled": True}}  # istiod chart 1.30: flat keys (no pilot. prefix)
    without = MiniTree(tmp_path / "a").team([namespace(injection=True), workflow_template()]).app(
        component_app("argo-workflows", values=HARDENED_EXECUTOR), component_app("istiod")).context()
    assert any("istio-init" in m and "NET_ADMIN" in m for m in _messages(admission.run, without))
    with_cni = MiniTree(tmp_path / "b").team([namespace(injection=True), workflow_template()]).app(
        component_app("argo-workflows", values=HARDENED_EXECUTOR), component_app("istiod", values=values),
        component_app("istio-cni")).context()
    assert _messages(admission.run, with_cni) == []


def test_privileged_namespace_is_reported(tmp_path):
    ctx = MiniTree(tmp_path).team([namespace("privileged"), workflow_template()]).app(
        component_app("argo-workflows", values=HARDENED_EXECUTOR)).context()
    assert any("enforces Pod Security 'privileged'" in m for m in _messages(admission.run, ctx))


def _quota(cpu: str) -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
            "spec": {"hard": {"requests.cpu": cpu, "limits.memory": "8Gi"}}}


def test_quota_covers_a_training_run_or_names_what_runs(tmp_path):
    fits = MiniTree(tmp_path / "a").team([namespace(), workflow_template(), _quota("4")]).app(
        component_app("argo-workflows", values={"executor": {"resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "64Mi"}}}})
    ).context()
    assert _messages(quotas.run, fits) == []
    small = MiniTree(tmp_path / "b").team([namespace(), workflow_template(), _quota("500m")]).context()
    messages = _messages(quotas.run, small)
    assert any(f"ResourceQuota {NAMESPACE}/q: requests.cpu 500m is less than" in m and "training x1" in m for m in messages)
    assert any("limits memory, but container init has no memory limit" in m for m in messages)  # executor without limits


def test_gpu_pods_must_fit_a_declared_pool(tmp_path):
    plugin = component_app("nvidia-device-plugin")
    ok = MiniTree(tmp_path / "a").team([workflow_template(gpus=4, node_selector={"mlopsgen.dev/gpu-pool": "a10"})]).app(plugin).context()
    assert _messages(quotas.run, ok) == []
    too_many = MiniTree(tmp_path / "b").team([workflow_template(gpus=8, node_selector={"mlopsgen.dev/gpu-pool": "a10"})]).app(
        plugin).context()
    assert any("asks for 8 GPUs; a node of pool a10 has 4" in m for m in _messages(quotas.run, too_many))
    nowhere = MiniTree(tmp_path / "c").team([workflow_template(gpus=1, node_selector={"pool": "x"})]).context()
    messages = _messages(quotas.run, nowhere)
    assert any("matches no GPU pool" in m for m in messages) and any("advertises nvidia.com/gpu" in m for m in messages)


def _executor_rbac(with_secret: bool = True) -> list[dict]:
    docs = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "executor"},
         "rules": [{"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]},
                   {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "watch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "executor"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "executor"},
         "subjects": [{"kind": "ServiceAccount", "name": "training", "namespace": NAMESPACE}]},
    ]
    if with_secret:
        docs.append({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                     "metadata": {"name": "training.service-account-token", "annotations": {"kubernetes.io/service-account.name": "training"}}})
    return docs


def test_workflow_executor_needs_rbac_and_a_token(tmp_path):
    ok = MiniTree(tmp_path / "a").team([workflow_template(), *_executor_rbac()]).context()
    assert _messages(workflows.run, ok) == []
    bare = MiniTree(tmp_path / "b").team([workflow_template()]).context()
    messages = _messages(workflows.run, bare)
    assert any("may not create workflowtaskresults" in m for m in messages)
    assert any(f"no Secret {NAMESPACE}/training.service-account-token" in m for m in messages)
    no_token = MiniTree(tmp_path / "c").team([workflow_template(), *_executor_rbac(with_secret=False)]).context()
    assert [m for m in _messages(workflows.run, no_token) if "service-account-token" in m]


def test_meshed_workflow_pods_need_native_sidecars(tmp_path):
    classic = MiniTree(tmp_path / "a").team([namespace(injection=True), workflow_template(), *_executor_rbac()]).context()
    assert any("sidecar keeps the pod running" in m for m in _messages(workflows.run, classic))
    native = MiniTree(tmp_path / "b").team([namespace(injection=True), workflow_template(), *_executor_rbac()]).app(
        component_app("istiod", values={"pilot": {"env": {"ENABLE_NATIVE_SIDECARS": "true"}}})).context()
    assert _messages(workflows.run, native) == []


def test_bootstrap_roots_in_default_and_crds_at_an_earlier_wave(tmp_path):
    ok = MiniTree(tmp_path / "a").team([workflow_template()]).app(component_app("argo-workflows", wave=-4)).context()
    assert _messages(bootstrap.run, ok) == []
    tree = MiniTree(tmp_path / "b").team([workflow_template()])
    tree.root_project = "platform"
    assert any("root Application root uses project 'platform'" in m for m in _messages(bootstrap.run, tree.context()))
    same_wave = MiniTree(tmp_path / "c").team([workflow_template()]).app(component_app("argo-workflows", wave=0)).context()
    assert any("installs the CRD, but not at an earlier wave" in m for m in _messages(bootstrap.run, same_wave))
    missing = MiniTree(tmp_path / "d").team([workflow_template()]).context()
    assert any("WorkflowTemplate (argoproj.io)" in m and "neither installed" in m for m in _messages(bootstrap.run, missing))


def test_bootstrap_project_must_permit_what_its_apps_deploy(tmp_path):
    project = {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "fraud", "namespace": "argocd",
                                                                                          "annotations": {"argocd.argoproj.io/sync-wave": "-10"}},
               "spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": NAMESPACE}],
                        "namespaceResourceBlacklist": [{"group": "", "kind": "Secret"}]}}
    tree = MiniTree(tmp_path).team([*_executor_rbac()]).add("argocd/apps/project.yaml", [project])
    tree.apps[0]["spec"]["project"] = "fraud"
    messages = _messages(bootstrap.run, tree.context())
    assert any("project fraud forbids Secret" in m for m in messages)


def test_urls_resolve_only_on_their_own_cluster(tmp_path):
    here = [{"name": "MLFLOW_TRACKING_URI", "value": "http://mlflow.mlflow.svc.cluster.local:5000"}]
    assert _messages(urls.run, MiniTree(tmp_path / "a").team([workflow_template(env=here)]).context()) == []
    elsewhere = [{"name": "FEAST_URL", "value": "http://feast-feast-online.feast.svc.cluster.local:80"}]
    tree = MiniTree(tmp_path / "b").team([workflow_template(env=elsewhere)])
    tree.spec["services"].append({"name": "feast", "kind": "featureStore", "host": "feast-feast-online.feast.svc.cluster.local",
                                  "port": 80, "cluster": "other",
                                  "published": {"url": "https://feast.example.com", "cidrs": ["203.0.113.0/24"],
                                                "clientIssuer": "clusters-ca"}})
    messages = _messages(urls.run, tree.context())
    assert any("is given http://feast-feast-online.feast.svc.cluster.local:80, but feast-feast-online.feast does not run "
               "on main (it runs on other)" in m for m in messages)


def _gateway(name: str, host: str) -> dict:
    return {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": name, "namespace": "istio-system"},
            "spec": {"selector": {"istio": "ingressgateway"}, "servers": [{"port": {"number": 443}, "hosts": [host]}]}}


def test_gateway_hosts_must_be_unique_per_workload(tmp_path):
    gw = component_app("istio-ingressgateway")
    ok = MiniTree(tmp_path / "a").team([_gateway("a", "a.example.com"), _gateway("b", "b.example.com")]).app(gw).context()
    assert _messages(serving.traffic, ok) == []
    clash = MiniTree(tmp_path / "b").team([_gateway("a", "x.example.com"), _gateway("b", "x.example.com")]).app(gw).context()
    assert any("Gateways a and b both bind x.example.com:443" in m for m in _messages(serving.traffic, clash))


def _isvc(fmt: str) -> dict:
    return {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {"name": "m"},
            "spec": {"predictor": {"model": {"modelFormat": {"name": fmt}, "storageUri": "models:/m/1"}}}}


def _storage_container() -> dict:
    return {"apiVersion": "serving.kserve.io/v1alpha1", "kind": "ClusterStorageContainer", "metadata": {"name": "mlflow"},
            "spec": {"supportedUriFormats": [{"prefix": "models:/"}],
                     "container": {"name": "storage-initializer", "image": "i", "securityContext": {"allowPrivilegeEscalation": False}}}}


def test_models_uri_needs_a_storage_container_and_the_mlflow_format(tmp_path):
    ok = MiniTree(tmp_path / "a").team([_isvc("mlflow")]).add("platform/csc.yaml", [_storage_container()]).app(
        app("main-kserve-config", path="platform", namespace="kserve")).context()
    assert _messages(serving.serving, ok) == []
    bad = MiniTree(tmp_path / "b").team([_isvc("pytorch")]).context()
    messages = _messages(serving.serving, bad)
    assert any("no ClusterStorageContainer supports models:/m/1" in m for m in messages)
    assert any("served as 'pytorch'" in m for m in messages)


def _rule(metric: str) -> dict:
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "r"},
            "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": f"sum(rate({metric}{{a=\"b\"}}[5m])) > 1"}]}]}}


def test_alerts_must_read_exported_metrics(tmp_path):
    model = _isvc("mlflow")
    model["spec"]["predictor"]["labels"] = {"sidecar.istio.io/inject": "true"}
    ok = MiniTree(tmp_path / "a").team([model, _rule("istio_requests_total")]).context()
    assert _messages(lifecycle.monitoring, ok) == []
    bad = MiniTree(tmp_path / "b").team([model, _rule("model_accuracy")]).context()
    assert any("reads model_accuracy" in m for m in _messages(lifecycle.monitoring, bad))


def _validation(mode: str, with_job: bool) -> dict:
    wt = workflow_template("validation")
    step = wt["spec"]["templates"][0]
    step["name"] = "fetch"
    step["metadata"]["labels"] = {"mlopsgen.dev/network-mode": mode, "mlopsgen.dev/workload-class": "validation"}
    if with_job:
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "v-"}, "spec": {"template": {
            "metadata": {"labels": {"mlopsgen.dev/network-mode": "none", "mlopsgen.dev/workload-class": "validation"}},
            "spec": {"containers": [{"name": "v", "image": "i"}],
                     "volumes": [{"name": "work", "persistentVolumeClaim": {"claimName": "{{workflow.name}}-work"}}]}}}}
        wt["spec"]["templates"].append({"name": "validate", "resource": {"action": "create", "manifest": yaml.safe_dump(job)}})
    return wt


def test_isolated_validation_runs_in_a_job_fed_by_a_volume(tmp_path):
    staged = MiniTree(tmp_path / "a").team([_validation("internal", with_job=True), *_executor_rbac()]).context()
    assert _messages(workflows.run, staged) == []
    unfed = MiniTree(tmp_path / "b").team([_validation("internal", with_job=False), *_executor_rbac()]).context()
    assert any("no pod of WorkflowTemplate fraud-dev/validation is isolated" in m for m in _messages(workflows.run, unfed))
    step = MiniTree(tmp_path / "c").team([_validation("none", with_job=False), *_executor_rbac()]).context()
    assert any("an ordinary Argo container step in 'none' mode" in m for m in _messages(workflows.run, step))
