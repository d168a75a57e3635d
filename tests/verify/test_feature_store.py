"""The feature store: the Feast operator from its release manifests (restricted), a FeatureStore on the platform's
PostgreSQL, reached by training and inference at the operator's real online Service; each break of it named."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from tests.conftest import CHARTS
from tests.platform.test_intent import _refused_at
from tests.support.specs import Spec
from tests.verify.conftest import copy_example, edit_docs, run

MANIFESTS = "platform/serving-weu/manifests"
ONLINE = "http://feast-features-online.feast.svc.cluster.local:80"


def _errors(spec: Path, tree: Path, journey: str) -> list[str]:
    return [f.message for f in run(spec, tree).findings if f.rule == journey and f.severity == "error"]


def test_the_multicloud_store_is_installed_restricted_and_reached_by_its_clients(examples, reports):
    _, tree = examples["multicloud"]
    assert reports["multicloud"].proven and not reports["multicloud"].unseen
    kustomization = yaml.safe_load((tree / MANIFESTS / "feast-operator/kustomization.yaml").read_text())
    assert kustomization["resources"][0].endswith("/v0.66.0/infra/feast-operator/dist/install.yaml")
    docs = list(yaml.safe_load_all((tree / MANIFESTS / "feast-stores/featurestore.yaml").read_text()))
    store = next(d for d in docs if d and d["kind"] == "FeatureStore")
    assert store["apiVersion"] == "feast.dev/v1" and store["metadata"] == {**store["metadata"], "name": "features", "namespace": "feast"}
    assert store["spec"]["services"]["onlineStore"]["persistence"]["store"]["type"] == "postgres"
    assert store["spec"]["services"]["registry"]["local"]["persistence"]["store"]["type"] == "sql"
    assert "authz" not in store["spec"]  # clients run without tokens: no Kubernetes authorization to present one to
    # Where the store runs, clients dial the Service on 80; the policy admits the pods' 6566.
    assert ONLINE in (tree / "teams/vision/overlays/staging/workflowtemplates.yaml").read_text()
    assert ONLINE in (tree / "teams/nlp/models/ticket-router/inferenceservice.yaml").read_text()
    policies = (tree / "teams/vision/overlays/staging/networkpolicies.yaml").read_text()
    assert "feast.dev/service-type: online" in policies and "port: 6566" in policies
    # On the training cluster, through the gateway, with the namespace's client certificate.
    training = (tree / "teams/vision/overlays/train/workflowtemplates.yaml").read_text()
    assert "https://features.ml.acme.example" in training and "FEAST_FEATURE_SERVER_CLIENT_CERT_PATH" in training


def test_clients_dialing_the_wrong_port_or_the_old_name_and_a_store_without_its_database_are_named(tmp_path):
    spec, tree = copy_example("multicloud", tmp_path / "multicloud")
    training = tree / "teams/vision/overlays/staging/workflowtemplates.yaml"
    training.write_text(training.read_text().replace(ONLINE, ONLINE.replace(":80", ":6566")))
    serving = tree / "teams/nlp/models/ticket-router/inferenceservice.yaml"
    serving.write_text(serving.read_text().replace(ONLINE, "http://feast-online.feast.svc.cluster.local:6566"))

    def without_registry(docs):
        for doc in docs:
            if doc["kind"] == "FeatureStore":
                del doc["spec"]["services"]["registry"]
        return docs

    edit_docs(tree / MANIFESTS / "feast-stores/featurestore.yaml", without_registry)
    errors = _errors(spec, tree, "connectivity")
    assert any(m.startswith("vision-staging/training dials http://feast-features-online.feast.svc.cluster.local:6566: "
                            "Service feast-features-online listens on port 80, not 6566") for m in errors), errors
    assert any(m.startswith("nlp-prod/ticket-router dials http://feast-online.feast.svc.cluster.local:6566, but no "
                            "FeatureStore's online Service answers there (the Feast operator's is "
                            "feast-features-online.feast.svc.cluster.local)") for m in errors), errors
    assert any(m.startswith("FeatureStore feast/features keeps its registry in files in its pod") for m in errors), errors


def test_an_unpatched_operator_and_a_closed_feature_store_namespace_are_named(tmp_path):
    spec, tree = copy_example("multicloud", tmp_path / "multicloud")
    kustomization = tree / MANIFESTS / "feast-operator/kustomization.yaml"
    edit_docs(kustomization, lambda docs: [{**docs[0], "patches": docs[0]["patches"][:1]}])  # no seccomp profile
    edit_docs(tree / MANIFESTS / "platform-namespaces/networkpolicies.yaml",
              lambda docs: [d for d in docs if d["metadata"]["name"] != "allow-feature-store-clients"])
    report = run(spec, tree)
    admission = [f.message for f in report.findings if f.rule == "admission" and f.severity == "error"]
    assert any("feast-operator-system/deployment/feast-operator-controller-manager" in m and "restricted" in m
               for m in admission), admission
    denied = [f.message for f in report.findings if f.rule == "connectivity" and "feast-features-online" in f.message]
    assert any(m.startswith("required flow denied (vision-staging/training to the feature store)") for m in denied), denied
    assert any("the gateway to the published feature store" in m for m in denied), denied


def test_without_the_release_manifests_at_hand_the_journeys_are_unknown(tmp_path, monkeypatch):
    charts = tmp_path / "charts"
    charts.mkdir()
    for entry in CHARTS.iterdir():
        if entry.name != "feast-operator":
            (charts / entry.name).symlink_to(entry)
    monkeypatch.setenv("MLOPSGEN_CHARTS", str(charts))
    spec, tree = copy_example("multicloud", tmp_path / "multicloud")
    report = run(spec, tree)
    assert any(u.startswith("https://raw.githubusercontent.com/feast-dev/feast/v0.66.0/") for u in report.unseen), report.unseen
    assert not report.proven and os.environ["MLOPSGEN_CHARTS"] == str(charts)


def test_a_feature_store_at_another_name_or_port_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("services/features/host", "feast-online.feast.svc.cluster.local")
    _refused_at(run_cli, tmp_path / "name", spec, "feature store 'features' is served by Service feast-features-online, "
                "not feast-online", "/services/1/host", "write host: feast-features-online.feast.svc.cluster.local")
    spec = Spec.example("multicloud").set("services/features/port", 6566)
    _refused_at(run_cli, tmp_path / "port", spec, "Feast's online Service listens on port 80, not 6566", "/services/1/port",
                "write port: 80 (6566 is the feature server's container port, behind the Service)")
    spec = Spec.example("multicloud").set("services/prometheus/database", {"instances": 1})
    _refused_at(run_cli, tmp_path / "db", spec, "'database' applies to tracking servers and feature stores only",
                "/services/2/database", "remove it")


def test_a_second_feature_store_on_a_cluster_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud")
    second = {**spec.get("services/features"), "name": "more", "host": "feast-more-online.feast.svc.cluster.local"}
    second.pop("published")
    spec.data["services"].append(second)
    _refused_at(run_cli, tmp_path, spec, "feature store 'more' would run beside 'features' on cluster serving-weu",
                f"/services/{len(spec.data['services']) - 1}/name", "declare one feature store per cluster")


def test_with_no_chart_rendered_the_store_is_unknown_never_failed(examples):
    from mlopsgen.commands.verify import load_context
    from mlopsgen.verify import verify
    from mlopsgen.verify.charts import ChartOptions

    spec, tree = examples["multicloud"]
    report = verify(load_context(str(spec), str(tree), ChartOptions()))
    connectivity = next(v for v in report.verdicts if v.slug == "connectivity")
    errors = [f.message for f in connectivity.findings if f.severity == "error"]
    assert connectivity.unknown and errors == [], errors
