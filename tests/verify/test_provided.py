"""Components a cluster provides, as the spec declares them: the tree works beside them."""

from __future__ import annotations

from tests.support.specs import Spec
from tests.verify.conftest import render_tree, run


def _multicloud_in(tmp_path, domain: str):
    spec = Spec.example("multicloud")
    spec.data["clusters"][0]["provided"]["istio"]["trustDomain"] = domain
    path = spec.write(tmp_path / "spec")
    return path, render_tree(path)


def _connectivity(report):
    return next(v for v in report.verdicts if v.slug == "connectivity")


def test_a_trust_domain_other_than_cluster_local_is_proven(tmp_path):
    """The gateway's AuthorizationPolicy names `acme.internal/ns/.../sa/...`; verify gives the gateway the same
    identity, so the exposed models are reachable (it used to assume cluster.local and deny them)."""
    spec, tree = _multicloud_in(tmp_path, "acme.internal")
    assert "acme.internal/ns/aks-istio-ingress/sa/" in (tree / "teams/vision/overlays/prod/authorizationpolicies.yaml").read_text()
    verdict = _connectivity(run(spec, tree))
    assert verdict.passed, [f.message for f in verdict.findings][:3]


def test_a_policy_naming_the_wrong_trust_domain_is_denied(tmp_path):
    spec, tree = _multicloud_in(tmp_path, "acme.internal")
    for path in tree.glob("teams/*/overlays/*/authorizationpolicies.yaml"):
        path.write_text(path.read_text().replace("acme.internal/ns/", "cluster.local/ns/"))
    verdict = _connectivity(run(spec, tree))
    assert not verdict.passed
    assert any("gateway to exposed model" in f.message for f in verdict.findings)


def test_a_provided_prometheus_scrapes_mlflow_from_mlflows_namespace(tmp_path):
    """Found by the spec-space property test: with the cluster's own Prometheus, the tree installs no monitoring
    namespace, yet MLflow's chart put its ServiceMonitor there, outside what the platform project permits; the
    MLflow Application never synced. It now lives in MLflow's namespace."""
    spec = Spec.example("quickstart")
    spec.data["clusters"][0]["provided"] = {"prometheus": {}}
    path = spec.write(tmp_path / "spec")
    tree = render_tree(path)
    assert "namespace: mlflow" in (tree / "platform/main/values/mlflow.yaml").read_text().split("serviceMonitor:")[1]
    bootstrap = next(v for v in run(path, tree).verdicts if v.slug == "bootstrap")
    assert bootstrap.passed, [f.message for f in bootstrap.findings]
