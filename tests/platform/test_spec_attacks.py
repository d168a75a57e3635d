"""Specs that would make derived names collide, claim reserved ones, or carry values the schema forbids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.specs import Spec


def _validate(run_cli, spec: Spec, tmp_path) -> str:
    result = run_cli("validate", str(spec.write(tmp_path)))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_two_teams_deriving_one_namespace(run_cli, tmp_path):
    spec = Spec.example("quickstart")
    spec.append("environments", {"name": "dev-prod", "cluster": "main"})
    spec.set("teams/fraud/quotas/dev-prod", {"cpu": 4, "memory": "8Gi"})
    spec.append("teams", {"name": "fraud-dev", "owners": ["g"], "quotas": {"prod": {"cpu": 4, "memory": "8Gi"}}})
    output = _validate(run_cli, spec, tmp_path)
    assert "team 'fraud-dev' in 'prod' derives the namespace 'fraud-dev-prod', which team 'fraud' in 'dev-prod' derives too" in output
    assert "hint: first at line" in output


@pytest.mark.parametrize("team, env, message", [
    ("platform", "dev", "team name 'platform' is reserved for an Argo CD project"),
    ("default", "dev", "team name 'default' is reserved for an Argo CD project"),
    ("istio", "system", "derives the namespace 'istio-system', which is reserved"),
    ("kube", "public", "derives the namespace 'kube-public', which is reserved"),
    ("kserve", "config", "derives the Argo CD file of platform component 'kserve-config'"),
])
def test_reserved_names(run_cli, tmp_path, team, env, message):
    spec = Spec.example("quickstart")
    if env != "dev":
        spec.append("environments", {"name": env, "cluster": "main"})
    spec.append("teams", {"name": team, "owners": ["g"], "quotas": {env: {"cpu": 4, "memory": "8Gi"}}})
    assert message in _validate(run_cli, spec, tmp_path)


def test_long_names_give_distinct_dashboards(run_cli, tmp_path):
    """A dashboard uid is cut to Grafana's 40 characters with a digest of the whole name: two environments of
    a long team name no longer derive the same uid, so the spec is valid and each dashboard keeps its own."""
    from mlopsgen.catalog.conventions import dashboard_uid

    spec = Spec.example("quickstart")
    envs = ("environment-number-one", "environment-number-two")
    for env in envs:
        spec.append("environments", {"name": env, "cluster": "main"})
    spec.append("teams", {"name": "a-very-long-team-name-indeed", "owners": ["g"], "quotas": {
        env: {"cpu": 4, "memory": "8Gi"} for env in envs}})
    result = run_cli("validate", str(spec.write(tmp_path)))
    assert result.exit_code == 0, result.output
    uids = {dashboard_uid("a-very-long-team-name-indeed", env) for env in envs}
    assert len(uids) == 2 and all(len(uid) <= 40 for uid in uids), uids
    assert dashboard_uid("fraud", "dev") == "mlopsgen-fraud-dev"  # short names stay as they were


@given(st.lists(st.text("ab-", min_size=30, max_size=50), min_size=2, max_size=2, unique=True))
def test_a_cut_name_stays_unique_and_within_its_limit(names):
    from mlopsgen.catalog.conventions import cut

    first, second = (cut(n, 40) for n in names)
    assert len(first) <= 40 and len(second) <= 40 and first != second


@pytest.mark.parametrize("path, value, message", [
    ("gitops/repoURL", "ssh://deploy:hunter2@git.example.com/ml/gitops.git", "the repository URL carries a password"),
    ("lint", {"suppressions": [{"rule": "static-ip", "reason": "accepted for a while", "expires": "2027-02-31"}]},
     "'2027-02-31' is not a date"),
])
def test_values_the_schema_describes(run_cli, tmp_path, path, value, message):
    assert message in _validate(run_cli, Spec.example("quickstart").set(path, value), tmp_path)


def test_a_canary_must_differ_and_registry_sources_need_a_tracking_server(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("models/defect-detector/canary/source", "models:/defect-detector/12")
    assert "the canary serves the same source as the stable track" in _validate(run_cli, spec, tmp_path / "a")
    spec = Spec.example("quickstart")
    spec.set("services", [s for s in spec.get("services") if s["kind"] != "tracking"])
    assert "a models:/ source needs a tracking server to resolve it" in _validate(run_cli, spec, tmp_path / "b")


def test_a_trailing_newline_never_passes_a_name(run_cli, tmp_path):
    output = _validate(run_cli, Spec.example("quickstart").set("teams/fraud/name", "fraud\n"), tmp_path)
    assert "is not a valid name" in output


def test_a_tracking_server_used_from_another_cluster_needs_a_published_endpoint(run_cli, tmp_path):
    spec = Spec.example("multicloud").remove("services/mlflow/published")
    output = _validate(run_cli, spec, tmp_path)
    assert "tracking server 'mlflow' runs on cluster 'serving-weu' only, but workloads on training-cw use it" in output


def test_a_published_endpoint_names_the_ca_of_its_clients(run_cli, tmp_path):
    spec = Spec.example("multicloud").remove("services/mlflow/published/clientIssuer")
    output = _validate(run_cli, spec, tmp_path)
    assert "'clientIssuer' is a required property" in output or "missing required key 'clientIssuer'" in output


def test_models_serve_where_their_tracking_server_runs(run_cli, tmp_path):
    spec = Spec.example("multicloud")
    spec.set("models/ticket-router/environments", {"train": {"replicas": 1}})
    output = _validate(run_cli, spec, tmp_path)
    assert "model 'ticket-router' serves on cluster 'training-cw', which has no tracking server of its own" in output


def test_a_badly_indented_spec_gets_an_indentation_hint(run_cli, tmp_path):
    from tests.conftest import ROOT

    spec = tmp_path / "platform.yaml"
    spec.write_text((ROOT / "examples/quickstart/platform.yaml").read_text().replace("\nclusters:", "\n clusters:", 1))
    result = run_cli("validate", str(spec))
    assert result.exit_code == 2 and "platform.yaml:11:2: error: YAML syntax error: did not find expected key" in result.output
    assert "hint: check the indentation: keys of one mapping start in the same column" in result.output


@pytest.mark.parametrize("example", ["quickstart", "multicloud"])
def test_a_duplicate_team_is_the_one_problem_reported(run_cli, tmp_path, example):
    """The copy may differ (smaller quotas): capacity arithmetic over names that are not unique would blame
    quotas for what is a naming mistake, so it runs only once references are sound."""
    from tests.conftest import ROOT

    text = (ROOT / f"examples/{example}/platform.yaml").read_text()
    start = text.index("  - name:", text.index("\nteams:"))
    end = text.index("  - name:", start + 5)
    copy = text[start:end].replace("gpu: 2", "gpu: 0").replace("gpu: 3", "gpu: 0").replace("gpu: 8", "gpu: 0")
    spec = tmp_path / "platform.yaml"
    spec.write_text(text[:end] + copy + text[end:])
    result = run_cli("validate", str(spec))
    assert result.exit_code == 2
    assert result.output.count(": error:") == 1 and "duplicate teams name" in result.output


def test_a_url_where_a_host_belongs_is_told_to_drop_the_scheme(run_cli, tmp_path):
    from tests.conftest import ROOT

    spec = tmp_path / "platform.yaml"
    spec.write_text((ROOT / "examples/quickstart/platform.yaml").read_text().replace(
        "host: fraud.dev.ml.example.com", "host: https://fraud.dev.ml.example.com/predict", 1))
    result = run_cli("validate", str(spec))
    assert result.exit_code == 2
    assert "hint: write the host name alone, without the scheme or a path: fraud.dev.ml.example.com" in result.output


def test_a_host_that_is_no_url_either_keeps_the_patterns_hint(run_cli, tmp_path):
    """Found by fuzzing: `https://[` made the URL parser raise while the hint was being written."""
    from tests.conftest import ROOT

    spec = tmp_path / "platform.yaml"
    spec.write_text((ROOT / "examples/quickstart/platform.yaml").read_text().replace(
        "host: fraud.dev.ml.example.com", "host: \"https://[fraud\"", 1))
    result = run_cli("validate", str(spec))
    assert result.exit_code == 2 and "is not a valid host" in result.output and "Traceback" not in result.output
