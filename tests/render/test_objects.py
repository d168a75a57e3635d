"""Every rendered object validates against the real schemas; every overlay builds with kustomize."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from mlopsgen.catalog.components import COMPONENTS
from tests.support.charts import check_values
from tests.support.schemas import SchemaStore


@pytest.fixture(scope="session")
def schemas(shared):
    return SchemaStore(shared)


def _is_kubernetes_file(rel: str) -> bool:
    return not (rel.endswith("kustomization.yaml") or "/patches/" in rel or "/values/" in rel or rel.endswith(".json"))


def _objects(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def test_every_rendered_object_validates(rendered, schemas):
    _, files, _ = rendered
    checked = 0
    for rel, text in files.items():
        if not _is_kubernetes_file(rel):
            continue
        for obj in _objects(text):
            assert schemas.errors(obj) == [], f"{rel}: {obj['kind']} {obj['metadata'].get('name')}"
            checked += 1
    assert checked > 20


def test_every_overlay_builds_and_its_output_validates(rendered, kubectl, schemas):
    _, files, out = rendered
    overlays = sorted({rel.rsplit("/", 1)[0] for rel in files if "/overlays/" in rel and rel.endswith("kustomization.yaml")})
    assert overlays
    for overlay in overlays:
        built = subprocess.run([kubectl, "kustomize", str(out / overlay)], capture_output=True, text=True)
        assert built.returncode == 0, f"{overlay}: {built.stderr}"
        objects = _objects(built.stdout)
        namespace = overlay.split("/")[1] + "-" + overlay.rsplit("/", 1)[1]
        for obj in objects:
            assert schemas.errors(obj) == [], f"{overlay}: {obj['kind']} {obj['metadata']['name']}"
            if obj["kind"] != "Namespace":
                assert obj["metadata"]["namespace"] == namespace


def test_every_base_builds(rendered, kubectl):
    _, files, out = rendered
    bases = sorted({rel.rsplit("/", 1)[0] for rel in files if rel.endswith("/base/kustomization.yaml")})
    for base in bases:
        built = subprocess.run([kubectl, "kustomize", str(out / base)], capture_output=True, text=True)
        assert built.returncode == 0, f"{base}: {built.stderr}"


def test_helm_values_match_the_charts(rendered, shared):
    _, files, _ = rendered
    values_files = [rel for rel in files if "/values/" in rel]
    assert values_files
    charts = {yaml.safe_load((d / "Chart.yaml").read_text())["name"]: d for d in (shared / "charts").iterdir() if d.is_dir()}
    sources = {yaml.safe_load((d / "Chart.yaml").read_text())["name"]: d for d in (shared / "charts-src").iterdir()
               if (d / "Chart.yaml").is_file()}
    for rel in values_files:
        chart = COMPONENTS[rel.rsplit("/", 1)[1].removesuffix(".yaml")].chart
        # ../shared/charts holds the values (and schemas) of the first charts; a later chart's are in its source.
        assert chart is not None and (chart.name in charts or chart.name in sources), rel
        values = yaml.safe_load(files[rel])
        assert check_values(values, charts.get(chart.name) or sources[chart.name], sources.get(chart.name)) == [], rel


def test_a_kind_without_schema_fails(schemas):
    from tests.support.schemas import UnknownKind

    with pytest.raises(UnknownKind):
        schemas.errors({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "x"}})


def test_strict_crd_schemas_reject_unknown_fields(schemas):
    policy = {"apiVersion": "projectcalico.org/v3", "kind": "IPPool", "metadata": {"name": "p"},
              "spec": {"cidr": "10.0.0.0/16", "cidrr": "typo"}}
    assert any("cidrr" in e for e in schemas.errors(policy))
    app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a"},
           "spec": {"project": "p", "destination": {"server": "https://x"}, "sourc": {}}}
    assert any("sourc" in e for e in schemas.errors(app))
    # Argo Events' CRDs are schemaless: its kinds are checked against the project's JSON Schema instead.
    source = {"apiVersion": "argoproj.io/v1alpha1", "kind": "EventSource", "metadata": {"name": "s"},
              "spec": {"webhook": {"a": {"port": "12000", "endpoint": "/a", "method": "POST", "url": "", "portt": 1}}}}
    assert any("portt" in e for e in schemas.errors(source))


def test_chart_check_catches_unknown_keys_and_types(shared):
    assert check_values({"replicaCount": "two"}, shared / "charts" / "mlflow")
    assert check_values({"prometheus": {"prometheusSpc": {}}}, shared / "charts" / "kube-prometheus-stack")


REQUIRED_KINDS = {
    "Namespace", "ResourceQuota", "LimitRange", "Role", "RoleBinding", "ServiceAccount", "NetworkPolicy",
    "WorkflowTemplate", "CronWorkflow", "AppProject", "Application", "IPPool", "InferenceService",
    "SeldonDeployment", "Gateway", "VirtualService", "DestinationRule", "AuthorizationPolicy",
    "PeerAuthentication", "RequestAuthentication", "ServiceMonitor", "PrometheusRule", "PodDisruptionBudget",
    "EventBus", "EventSource", "Sensor", "AlertmanagerConfig", "FeatureStore",
}


def test_the_examples_together_render_every_kind():
    """So the schema checks above really cover each kind the renderer can write."""
    from mlopsgen.platform import load_platform
    from mlopsgen.render import render_platform
    from tests.conftest import EXAMPLES

    kinds = {
        doc["kind"] for example in EXAMPLES for rel, text in render_platform(load_platform(example)).items()
        if _is_kubernetes_file(rel) for doc in _objects(text)
    }
    assert kinds >= REQUIRED_KINDS, REQUIRED_KINDS - kinds


@pytest.mark.parametrize("artifacts", ["s3", "volume"])
def test_a_tracking_server_is_installed_where_its_clients_dial_it(tmp_path, run_cli, artifacts):
    """The MLflow Applications follow the tracking service's namespace (its host), so clients reach it; without
    an artifact store its storage app (the artifacts' volume) goes there too, which the project permits."""
    import yaml

    from tests.support.specs import Spec

    spec = Spec.example("quickstart").set("services/mlflow/host", "mlflow.tracking.svc.cluster.local")
    if artifacts == "volume":
        spec.remove("services/mlflow/artifactStore")
    path = spec.write(tmp_path)
    assert run_cli("render", str(path)).exit_code == 0
    for name in ("mlflow", "mlflow-db") + (("mlflow-storage",) if artifacts == "volume" else ()):
        app = yaml.safe_load((tmp_path / f"deploy/argocd/apps/main/{name}.yaml").read_text())
        assert app["spec"]["destination"]["namespace"] == "tracking", name
    project = (tmp_path / "deploy/argocd/projects/platform.yaml").read_text()
    assert "namespace: tracking" in project
    assert run_cli("verify", str(path)).exit_code == 0
