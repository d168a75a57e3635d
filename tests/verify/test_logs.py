"""Logs: Loki (multi-tenant) and Alloy (through the API server) where a logs service is declared; proven on the
charts as helm renders them, and each break of the chain, or of the tenants' isolation, named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mlopsgen.verify.alloy_reader import pipelines
from tests.platform.test_intent import _refused_at
from tests.support.specs import Spec
from tests.verify.conftest import edit_docs, render_tree, run

LOGS = {"name": "loki", "kind": "logs", "host": "loki.logs.svc.cluster.local", "port": 3100}
VALUES = "platform/main/values"
POLICIES = "platform/main/manifests/platform-namespaces/networkpolicies.yaml"


def _logs_errors(spec: Path, tree: Path) -> list[str]:
    return [f.message for f in run(spec, tree).findings if f.rule == "logs" and f.severity == "error"]


def _set_values(tree: Path, component: str, change) -> None:
    path = tree / VALUES / f"{component}.yaml"
    values = yaml.safe_load(path.read_text())
    change(values)
    path.write_text(yaml.safe_dump(values, sort_keys=False))


@pytest.fixture
def with_logs(tmp_path) -> tuple[Path, Path]:
    """The quickstart with a logs service: a small tree to break by hand."""
    spec = Spec.example("quickstart").append("services", dict(LOGS))
    path = spec.write(tmp_path)
    return path, render_tree(path)


def test_the_multicloud_example_collects_logs_on_both_clusters_and_proves_the_journey(examples, reports):
    _, tree = examples["multicloud"]
    logs = next(v for v in reports["multicloud"].verdicts if v.slug == "logs")
    assert logs.passed and not logs.unknown, logs
    for cluster, teams in (("serving-weu", {"vision", "nlp", "risk"}), ("training-cw", {"vision", "nlp"})):
        loki = yaml.safe_load((tree / f"platform/{cluster}/values/loki.yaml").read_text())
        assert loki["loki"]["auth_enabled"] is True and loki["deploymentMode"] == "Monolithic"
        assert loki["loki"]["storage"] == {"type": "filesystem"}
        alloy = yaml.safe_load((tree / f"platform/{cluster}/values/alloy.yaml").read_text())
        assert alloy["controller"]["type"] == "deployment"
        tenants = {p.tenant for p in pipelines(alloy["alloy"]["configMap"]["content"])}
        assert tenants == teams | {"platform"}
        grafana = yaml.safe_load((tree / f"platform/{cluster}/values/kube-prometheus-stack.yaml").read_text())
        sources = {s["secureJsonData"]["httpHeaderValue1"] for s in grafana["grafana"]["additionalDataSources"]}
        assert sources == teams | {"platform"}


def test_the_quickstart_stays_without_logs(examples, reports):
    _, tree = examples["quickstart"]
    assert not (tree / VALUES / "loki.yaml").exists() and not (tree / VALUES / "alloy.yaml").exists()
    logs = next(v for v in reports["quickstart"].verdicts if v.slug == "logs")
    assert logs.passed


def test_both_namespaces_are_restricted(with_logs):
    _, tree = with_logs
    namespaces = {d["metadata"]["name"]: d for d in yaml.safe_load_all(
        (tree / "platform/main/manifests/platform-namespaces/namespaces.yaml").read_text()) if d}
    for name in ("logs", "alloy"):
        assert namespaces[name]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_a_tree_with_logs_is_proven(with_logs):
    spec, tree = with_logs
    report = run(spec, tree)
    assert report.proven, [f.message for f in report.findings if f.severity == "error"]


@pytest.mark.parametrize(("rbac", "missing"), [
    ({"clusterRules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]}, "get pods/log"),
    ({"create": False}, "get pods, list pods, watch pods, get pods/log"),
])
def test_alloy_without_pod_log_access_is_named(with_logs, rbac, missing):
    spec, tree = with_logs
    _set_values(tree, "alloy", lambda v: v["rbac"].update(rbac))
    found = [m for m in _logs_errors(spec, tree) if m.startswith("Alloy's service account alloy/alloy ")]
    assert found and f"may not {missing}: loki.source.kubernetes reads no pod's logs" in found[0], found


def _drop_policy(tree: Path, namespace: str, name: str) -> None:
    def change(docs):
        kept = [d for d in docs if not (d["metadata"]["namespace"] == namespace and d["metadata"]["name"] == name)]
        assert len(kept) == len(docs) - 1, (namespace, name)
        return kept

    edit_docs(tree / POLICIES, change)


def test_alloy_without_egress_to_the_api_server_is_named(with_logs):
    spec, tree = with_logs
    _drop_policy(tree, "alloy", "allow-api-server")
    found = [m for m in _logs_errors(spec, tree) if "Alloy reads pod logs through the API server" in m]
    assert found and found[0].startswith("required flow denied (Alloy reads pod logs through the API server): alloy/"), found


def test_alloy_to_loki_blocked_by_a_policy_is_named(with_logs):
    spec, tree = with_logs
    _drop_policy(tree, "alloy", "allow-logs-push")
    found = [m for m in _logs_errors(spec, tree) if "Alloy pushes logs to Loki" in m]
    assert found and "alloy/deployment/alloy -> logs/statefulset/loki TCP/3100" in found[0], found


def test_loki_without_auth_is_named(with_logs):
    spec, tree = with_logs
    _set_values(tree, "loki", lambda v: v["loki"].update(auth_enabled=False))
    found = _logs_errors(spec, tree)
    assert any("Loki on main has auth_enabled False: it ignores X-Scope-OrgID" in m for m in found), found


def test_a_team_pushed_to_another_teams_tenant_is_named(with_logs):
    spec, tree = with_logs
    _set_values(tree, "alloy", lambda v: v["alloy"]["configMap"].update(
        content=v["alloy"]["configMap"]["content"].replace('tenant_id = "recsys"', 'tenant_id = "fraud"')))
    found = [m for m in _logs_errors(spec, tree) if "recsys-dev's logs" in m]
    assert found and "to tenant(s) fraud: readers of fraud read team recsys's logs" in found[0], found


def test_a_team_pod_that_reaches_loki_is_named(with_logs):
    spec, tree = with_logs

    def open_to_all(docs):  # Loki admits every namespace, and fraud-dev's pods may go anywhere
        for d in docs:
            if d["metadata"]["name"] == "allow-logs-push-and-query":
                d["spec"]["ingress"][0]["from"].append({"namespaceSelector": {}})
        return [*docs, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": "anywhere", "namespace": "fraud-dev"},
                        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}}]

    edit_docs(tree / POLICIES, open_to_all)
    found = [m for m in _logs_errors(spec, tree) if "reaches Loki" in m]
    assert found and "can name any tenant in its own X-Scope-OrgID" in found[0], found


def test_a_provided_loki_gets_only_alloy(tmp_path):
    spec = Spec.example("quickstart").append("services", dict(LOGS))
    spec.data["clusters"][0].setdefault("provided", {})["loki"] = {}
    tree = render_tree(spec.write(tmp_path))
    assert not (tree / VALUES / "loki.yaml").exists() and (tree / VALUES / "alloy.yaml").exists()


def test_a_provided_lokis_tenancy_is_unknown_never_proven(tmp_path):
    spec = Spec.example("quickstart").append("services", dict(LOGS))
    spec.data["clusters"][0].setdefault("provided", {})["loki"] = {}
    path = spec.write(tmp_path)
    verdict = next(v for v in run(path, render_tree(path)).verdicts if v.slug == "logs")
    assert verdict.state == "UNKNOWN" and "Loki on main is the cluster's own" in verdict.reason, verdict


def test_a_provided_loki_without_a_logs_service_is_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart")
    spec.data["clusters"][0].setdefault("provided", {})["loki"] = {}
    _refused_at(run_cli, tmp_path, spec, "cluster 'main' provides Loki but declares no logs service to find it at",
                "/clusters/0/provided/loki", "add a service of kind 'logs'")


def test_a_team_named_like_the_platform_tenant_is_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart").append("services", dict(LOGS))
    spec.data["teams"][0]["name"] = "platform"
    for model in spec.data["models"]:
        if model["team"] == "fraud":
            model["team"] = "platform"
    _refused_at(run_cli, tmp_path, spec, "team 'platform' would share the platform's Loki tenant",
                "/teams/0/name", "rename the team")


def test_a_second_logs_service_on_a_cluster_is_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart").append("services", dict(LOGS))
    spec.append("services", {**LOGS, "name": "loki2", "host": "loki2.logs2.svc.cluster.local"})
    _refused_at(run_cli, tmp_path, spec, "'loki2' is a second logs service on cluster 'main'",
                "/services/3/kind", "declare one logs service per cluster")


def test_loki_pods_the_policies_do_not_select_are_named(with_logs):
    spec, tree = with_logs
    _set_values(tree, "loki", lambda v: v.update(nameOverride="logstore"))
    found = [m for m in _logs_errors(spec, tree) if m.startswith("no pod of Loki's chart on main carries")]
    assert found and "Alloy and Grafana are sent to pods that do not exist" in found[0], found


def test_pod_labels_on_the_trees_loki_are_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart").append("services", {**LOGS, "podLabels": {"app": "loki"}})
    _refused_at(run_cli, tmp_path, spec, "'loki' sets podLabels, but the tree installs its Loki",
                "/services/2/podLabels", "remove podLabels")


def test_a_store_for_a_provided_loki_is_refused(run_cli, tmp_path):
    spec = Spec.example("quickstart").append("services", {**LOGS, "artifactStore": {"url": "s3://acme-logs/loki"}})
    spec.data["clusters"][0].setdefault("provided", {})["loki"] = {}
    _refused_at(run_cli, tmp_path, spec, "'loki' names a store for Loki, but every cluster it runs on provides its own",
                "/services/2/artifactStore", "remove artifactStore")


@pytest.mark.parametrize(("services", "provided", "scrapers"), [
    (["prometheus"], {}, [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                          "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}]),
    ([], {"prometheus": {}}, [{"namespaceSelector": {}}]),
    ([], {}, None),
])
def test_alloy_admits_scrapes_only_from_the_clusters_prometheus(tmp_path, services, provided, scrapers):
    spec = Spec.example("quickstart")
    spec.data["services"] = [s for s in spec.data["services"] if s["kind"] != "monitoring" or s["name"] in services]
    spec.data["services"].append(dict(LOGS))
    spec.data["models"] = []  # models need a Prometheus (their ServiceMonitors)
    spec.data["clusters"][0]["provided"] = provided
    tree = render_tree(spec.write(tmp_path))
    policies = {d["metadata"]["name"]: d for d in yaml.safe_load_all((tree / POLICIES).read_text())
                if d and d["metadata"]["namespace"] == "alloy"}
    assert "allow-logs-push" in policies
    found = policies.get("allow-alloy-scrapes")
    assert (found["spec"]["ingress"][0]["from"] if found else None) == scrapers
