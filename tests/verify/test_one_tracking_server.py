"""One tracking server, one registry: across clusters it runs on one, published to the others, and retraining runs
beside the team's GPU pool. The refused cases (tests/cases/spec-invalid/semantic-tracking-without-cluster.yaml and
semantic-retraining-without-gpu-pool.yaml), fixed as their hints say, are accepted, and verify proves the tree."""

from __future__ import annotations

import yaml

from mlopsgen.render import render_spec
from tests.conftest import ROOT
from tests.support.specs import Spec
from tests.verify.conftest import render_tree, run

CASES = ROOT / "tests" / "cases" / "spec-invalid"
PUBLISHED = {"url": "https://mlflow.ml.example.com", "cidrs": ["203.0.113.10/32"], "clientIssuer": "ml-clusters"}
T4 = {"name": "t4", "cluster": "serving", "gpuType": "nvidia-tesla-t4", "gpusPerNode": 1, "nodes": 4}


def _case(name: str) -> Spec:
    return Spec(yaml.safe_load((CASES / f"{name}.yaml").read_text()))


def _docs(tree, rel: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((tree / rel).read_text()) if d]


def _training_container(tree, overlay: str) -> dict:
    template = next(d for d in _docs(tree, f"teams/fraud/overlays/{overlay}/workflowtemplates.yaml") if d["metadata"]["name"] == "training")
    return template["spec"]["templates"][0]


def test_on_one_cluster_a_tracking_server_needs_no_cluster(run_cli, tmp_path):
    """Where every environment is on one cluster, that cluster's own server is the only one (a second cluster
    that hosts no environment does not change that)."""
    assert "cluster" not in Spec.example("quickstart").get("services/mlflow")
    assert run_cli("validate", str(ROOT / "examples" / "quickstart" / "platform.yaml")).exit_code == 0
    spec = _case("semantic-tracking-without-cluster").remove("environments/train").remove("teams/fraud/quotas/train")
    path = spec.write(tmp_path)
    result = run_cli("validate", str(path))
    assert result.exit_code == 0, result.output
    files = render_spec(path).files
    assert "argocd/apps/serving/mlflow.yaml" in files and not any(f.startswith("argocd/apps/training/") for f in files)


def test_each_hint_alone_clears_its_error(run_cli, tmp_path):
    pinned = _case("semantic-tracking-without-cluster").set("services/mlflow/cluster", "serving")
    pinned.set("services/mlflow/published", PUBLISHED)
    with_pool = _case("semantic-retraining-without-gpu-pool").append("gpuPools", T4).append("teams/fraud/gpuPools", "t4")
    with_pool.set("teams/fraud/quotas/prod/gpu", 1)
    on_cpu = _case("semantic-retraining-without-gpu-pool").set("teams/fraud/training", {"gpus": 0})
    for name, spec in {"pinned": pinned, "with-pool": with_pool, "on-cpu": on_cpu}.items():
        result = run_cli("validate", str(spec.write(tmp_path / name)))
        assert result.exit_code == 0, f"{name}: {result.output}"


def test_published_without_cluster_is_refused_once(run_cli, tmp_path):
    """The published one already says to set its cluster; the rule for several clusters does not repeat it."""
    spec = _case("semantic-tracking-without-cluster").set("services/mlflow/published", PUBLISHED)
    result = run_cli("validate", str(spec.write(tmp_path)))
    assert result.exit_code == 2
    assert "'mlflow' is published but runs on no single cluster" in result.output and "1 problem found." in result.output


def test_the_split_platform_with_one_published_tracking_server_is_proven(tmp_path):
    """Training on one cluster, serving and retraining (beside the team's pool there) on the other, one MLflow."""
    spec = _case("semantic-tracking-without-cluster")
    spec.set("services/mlflow/cluster", "serving").set("services/mlflow/published", PUBLISHED)
    spec.append("gpuPools", T4).append("teams/fraud/gpuPools", "t4").set("teams/fraud/quotas/prod/gpu", 1)
    spec.set("models/fraud-detector/retraining", {"schedule": "0 3 * * 1", "image": "registry.example.com/fraud/retrain:1.0"})
    path = spec.write(tmp_path)
    tree = render_tree(path)

    # One MLflow, on the serving cluster; training on the other reaches it at its published URL.
    assert (tree / "argocd/apps/serving/mlflow.yaml").is_file() and not (tree / "argocd/apps/training/mlflow.yaml").exists()
    train = {e["name"]: e.get("value") for e in _training_container(tree, "train")["container"]["env"]}
    assert train["MLFLOW_TRACKING_URI"] == PUBLISHED["url"]
    # Retraining runs in prod, where the model is, and its training step gets the team's pool there.
    assert (tree / "teams/fraud/overlays/prod/models/fraud-detector/cronworkflow.yaml").is_file()
    step = _training_container(tree, "prod")
    assert step["nodeSelector"] == {"mlopsgen.dev/gpu-pool": "t4"}
    assert step["container"]["resources"]["limits"]["nvidia.com/gpu"] == "1"

    report = run(path, tree)
    failing = {v.slug: [f.message for f in v.findings if f.severity == "error"][:3] or v.reason
               for v in report.verdicts if not v.passed}
    assert failing == {}
