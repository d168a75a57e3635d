"""verify on the charts' real objects: rendered by a real helm from the pinned charts, judged by the journeys,
and each defect the charts' defaults bring back (by hand, in the values or the Application) named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlopsgen.commands.verify import load_context
from mlopsgen.verify import helm as H
from mlopsgen.verify import verify
from mlopsgen.verify.charts import ChartOptions, chart_options
from tests.verify.conftest import edit_docs, run

VALUES = "platform/main/values"
APPS = "argocd/apps/main"


def _errors(spec: Path, tree: Path, journey: str) -> list[str]:
    return [f.message for f in run(spec, tree).findings if f.rule == journey and f.severity == "error"]


def _set_values(tree: Path, component: str, change) -> None:
    path = tree / VALUES / f"{component}.yaml"
    values = yaml.safe_load(path.read_text()) or {}
    change(values)
    path.write_text(yaml.safe_dump(values, sort_keys=False))


def test_both_examples_are_proven_with_every_chart_rendered(reports, examples):
    for name, report in reports.items():
        assert report.proven and not report.unseen, name
        ctx = load_context(str(examples[name][0]), str(examples[name][1]))
        charts = [(a.name, c) for a in ctx.deployment.apps.values() for c in a.charts]
        assert charts and all(c.rendered for _, c in charts), [n for n, c in charts if not c.rendered]
        from_charts = [o for a in ctx.deployment.apps.values() for o in a.objects if o.origin]
        kinds = {o.kind for o in from_charts}
        assert {"CustomResourceDefinition", "Deployment", "DaemonSet", "ClusterServingRuntime", "ServiceMonitor"} <= kinds


def test_an_oversized_crd_without_server_side_apply_is_named(quickstart):
    spec, tree = quickstart
    edit_docs(tree / APPS / "kserve-crd.yaml", lambda d: [{**d[0], "spec": {**d[0]["spec"], "syncPolicy": {
        **d[0]["spec"]["syncPolicy"], "syncOptions": ["CreateNamespace=true"]}}}])
    found = [m for m in _errors(spec, tree, "bootstrap") if "inferenceservices.serving.kserve.io" in m]
    assert found and "262,144" in found[0] and "ServerSideApply" not in found[0]


def test_argo_workflows_defaults_write_to_a_forbidden_namespace_and_download_crds(quickstart):
    spec, tree = quickstart
    _set_values(tree, "argo-workflows", lambda v: (v.pop("controller"), v.pop("crds"), v.pop("workflow")))
    messages = _errors(spec, tree, "bootstrap")
    assert any("does not permit destination" in m and "namespace default" in m for m in messages)
    assert any("argo-workflows-crd-install" in m and "downloads https://raw.githubusercontent.com" in m for m in messages)


def test_no_serving_runtime_leaves_models_unserved(quickstart):
    spec, tree = quickstart
    _set_values(tree, "kserve-runtimes", lambda v: v.clear())
    found = _errors(spec, tree, "serving")
    assert any("InferenceService fraud-prod/fraud-detector serves model format 'mlflow'" in m for m in found)


def test_the_device_plugin_on_nfd_labels_runs_on_no_gpu_pool(quickstart):
    spec, tree = quickstart
    _set_values(tree, "nvidia-device-plugin", lambda v: v.pop("affinity"))
    found = [m for m in _errors(spec, tree, "admission") if m.startswith("DaemonSet nvidia-device-plugin/nvidia-device-plugin ")]
    assert found and "does not run on GPU pool a10" in found[0] and "never advertise nvidia.com/gpu" in found[0]


def test_a_node_agent_that_skips_tainted_pools_is_named(quickstart):
    spec, tree = quickstart
    _set_values(tree, "kube-prometheus-stack", lambda v: v.update({"prometheus-node-exporter": {"tolerations": []}}))
    found = [m for m in _errors(spec, tree, "admission") if "prometheus-node-exporter" in m]
    assert found and "does not run on GPU pool a10" in found[0] and "every node" in found[0]


@pytest.mark.parametrize(("component", "change", "template"), [
    ("kube-prometheus-stack", lambda v: v["grafana"].pop("admin"), "grafana/templates/secret.yaml"),
    ("mlflow", lambda v: v.pop("flaskServerSecretKey"), "mlflow/templates/flask_secret.yaml"),
])
def test_a_random_value_in_a_render_is_named(quickstart, component, change, template):
    spec, tree = quickstart
    _set_values(tree, component, change)
    assert any(template in m and "differently each time" in m for m in _errors(spec, tree, "bootstrap"))


def test_istiods_webhook_policy_flip_is_named(quickstart):
    spec, tree = quickstart
    _set_values(tree, "istiod", lambda v: v.pop("base"))
    assert any("istio-validator-istio-system" in m and "failurePolicy Ignore" in m for m in _errors(spec, tree, "bootstrap"))


def test_a_duplicate_key_in_a_render_is_named(quickstart):
    spec, tree = quickstart
    _set_values(tree, "mlflow", lambda v: v.update(extraPodLabels={"app.kubernetes.io/name": "mlflow"}))
    assert any("appears twice" in m and "mlflow/templates/deployment.yaml" in m for m in _errors(spec, tree, "bootstrap"))


def test_a_servicemonitor_on_a_port_no_service_names_is_named(quickstart):
    spec, tree = quickstart
    _set_values(tree, "mlflow", lambda v: v["serviceMonitor"].pop("useServicePort"))
    found = [m for m in _errors(spec, tree, "monitoring") if "ServiceMonitor mlflow/mlflow" in m]
    assert found and "scrapes port 'http', which none of the containers" in found[0]


def test_values_a_chart_refuses_fail_the_bootstrap(quickstart):
    spec, tree = quickstart
    _set_values(tree, "mlflow", lambda v: v.update(replicaCount="two"))
    assert any("helm cannot render mlflow 1.11.5" in m for m in _errors(spec, tree, "bootstrap"))


def test_without_helm_the_chart_journeys_are_unknown_and_the_exit_code_says_so(quickstart, run_cli, monkeypatch):
    spec, tree = quickstart
    report = verify(load_context(str(spec), str(tree), ChartOptions()))
    states = {v.slug: v.state for v in report.verdicts}
    assert states["bootstrap"] == states["admission"] == states["connectivity"] == "UNKNOWN"
    assert states["workflows"] == "UNKNOWN"  # the executor comes from the argo-workflows chart's ConfigMap
    assert states["clusters"] == "PASS" and not report.proven and not report.failed
    assert "main-kube-prometheus-stack (kube-prometheus-stack 88.5.3): no helm binary (install helm v3.8+, or pass --helm PATH)" in report.unseen
    monkeypatch.setenv("MLOPSGEN_HELM", "/nonexistent")
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run_cli("verify", str(spec), str(tree), "--format", "json")
    assert result.exit_code == 4
    data = json.loads(result.stdout)
    assert data["proven"] is False and data["not_rendered"] and {j["state"] for j in data["journeys"]} == {"PASS", "UNKNOWN"}
    text = run_cli("verify", str(spec), str(tree)).output
    assert "UNKNOWN  1. Bootstrap" in text and "not rendered, so not judged" in text and "verify: NOT proven" in text


def test_a_chart_not_at_hand_is_unknown_and_named(quickstart, tmp_path):
    spec, tree = quickstart
    options = chart_options()
    partial = tmp_path / "charts"
    partial.mkdir()
    for chart in options.charts[0].iterdir():
        if chart.name != "mlflow" and (chart / "Chart.yaml").is_file():
            (partial / chart.name).symlink_to(chart)
    report = verify(load_context(str(spec), str(tree), ChartOptions(options.helm, (partial,), tmp_path / "cache")))
    assert report.unseen == ["main-mlflow (mlflow 1.11.5): chart not at hand (pass --charts DIR with the chart, or --pull to fetch it)"]
    assert not report.failed and not report.proven


def test_a_warm_cache_renders_nothing(quickstart, tmp_path, monkeypatch):
    spec, tree = quickstart
    options = chart_options()
    options = ChartOptions(options.helm, options.charts, tmp_path / "cache")
    calls: list[list[str]] = []
    real = H._run
    monkeypatch.setattr(H, "_run", lambda command: calls.append(command) or real(command))
    first = verify(load_context(str(spec), str(tree), options))
    assert first.proven and calls
    calls.clear()
    second = verify(load_context(str(spec), str(tree), options))
    assert second.proven and calls == []


def test_platform_namespaces_enforce_what_their_charts_pods_need(examples):
    for name, (spec, tree) in examples.items():
        ctx = load_context(str(spec), str(tree))
        for view in ctx.views:
            namespaces = {a.namespace for a in view.apps if a.charts and a.namespace != "kube-system"}
            levels = {}
            for namespace in namespaces:
                obj = view.namespace_object(namespace)
                assert obj is not None, (name, view.name, namespace)
                levels[namespace] = obj.labels["pod-security.kubernetes.io/enforce"]
                if levels[namespace] != "restricted":  # only where a component needs it, and said why
                    assert obj.annotations["mlopsgen.dev/pod-security-reason"], namespace
            assert {levels.get(n) for n in ("argo", "kserve", "mlflow", "cert-manager", "cnpg-system") if n in levels} <= {"restricted"}


def test_a_chart_pod_beyond_its_namespace_level_is_named(quickstart):
    spec, tree = quickstart
    _set_values(tree, "mlflow", lambda v: v.pop("podSecurityContext"))
    found = [m for m in _errors(spec, tree, "admission") if m.startswith("mlflow/deployment/mlflow")]
    assert found and "Pod Security 'restricted' of its namespace rejects" in found[0] and "seccompProfile" in found[0]


def test_a_release_named_like_a_flag_stays_a_name(quickstart, tmp_path):
    spec, tree = quickstart
    target = tmp_path / "written-by-helm"
    edit_docs(tree / APPS / "mlflow.yaml", lambda d: [{**d[0], "spec": {**d[0]["spec"], "sources": [
        {**d[0]["spec"]["sources"][0], "helm": {**d[0]["spec"]["sources"][0]["helm"], "releaseName": f"--output-dir={target}"}},
        *d[0]["spec"]["sources"][1:]]}}])
    found = [m for m in _errors(spec, tree, "bootstrap") if "helm cannot render mlflow" in m]
    assert found and "invalid release name" in found[0] and not target.exists()


def test_a_helm_older_than_3_8_is_not_used(quickstart, tmp_path):
    spec, tree = quickstart
    old = tmp_path / "helm"
    old.write_text("#!/bin/sh\necho v3.7.2\n")
    old.chmod(0o755)
    options = chart_options()
    report = verify(load_context(str(spec), str(tree), ChartOptions(str(old), options.charts, tmp_path / "cache")))
    assert report.unseen and all("older than v3.8" in u for u in report.unseen) and not report.failed


def _drop_platform_policies(tree: Path, drop) -> None:
    edit_docs(tree / "platform/main/manifests/platform-namespaces/networkpolicies.yaml",
              lambda docs: [d for d in docs if not drop(d["metadata"]["namespace"], d["metadata"]["name"])])


def test_a_platform_namespace_without_a_default_deny_is_named(quickstart):
    spec, tree = quickstart
    _drop_platform_policies(tree, lambda ns, name: (ns, name) == ("argo", "default-deny"))
    found = [m for m in _errors(spec, tree, "connectivity")
             if m.startswith("no default deny selects argo/deployment/argo-workflows-workflow-controller")]
    assert found and "chart argo-workflows 1.0.18" in found[0] and "in both directions" in found[0]


def test_flows_the_charts_need_are_derived_from_them_and_checked(quickstart):
    spec, tree = quickstart
    _drop_platform_policies(tree, lambda ns, name: name in ("allow-kserve-listeners", "allow-tracking-database", "allow-api-server"))
    found = _errors(spec, tree, "connectivity")
    assert any("(the API server calls inferenceservice.serving.kserve.io): the API server (control plane) -> "
               "kserve/deployment/kserve-controller-manager TCP/9443" in m for m in found)
    assert any("(MLflow to its database): mlflow/deployment/mlflow -> mlflow/mlflow-db TCP/5432" in m for m in found)
    assert any("(to the API server): cert-manager/deployment/cert-manager -> api-server TCP/" in m for m in found)



def test_an_oversized_object_the_tree_writes_itself_is_named_too(quickstart):
    spec, tree = quickstart
    path = tree / "platform/main/manifests/kserve-config/clusterstoragecontainer.yaml"
    edit_docs(path, lambda docs: [{**docs[0], "metadata": {**docs[0]["metadata"], "annotations": {"note": "x" * 300_000}}}])
    found = [m for m in _errors(spec, tree, "bootstrap") if m.startswith("ClusterStorageContainer mlflow-models is")]
    assert found and "262,144" in found[0]


def test_the_executor_istio_and_mlflow_settings_are_read_from_the_rendered_charts(quickstart):
    """What the controllers are configured with comes from their rendered objects (the workflow controller's
    ConfigMap, istiod's environment, MLflow's arguments), not from a model of the values."""
    spec, tree = quickstart
    _set_values(tree, "argo-workflows", lambda v: v.pop("executor"))
    _set_values(tree, "istiod", lambda v: v.pop("env"))
    _set_values(tree, "mlflow", lambda v: v["artifactRoot"].pop("proxiedArtifactStorage"))
    report = run(spec, tree)
    admission = [f.message for f in report.findings if f.rule == "admission"]
    assert any("container wait (injected by Argo Workflows executor)" in m for m in admission)
    workflows = [f.message for f in report.findings if f.rule == "workflows"]
    assert any("sidecar" in m for m in workflows)
    assert any("does not serve artifacts" in f.message for f in report.findings if f.rule == "serving")
