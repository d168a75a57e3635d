"""`mlopsgen verify` from the command line: formats, exit codes, errors, --explain, maps and --diff."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mlopsgen.verify import diff as D
from mlopsgen.verify.checks import JOURNEYS
from mlopsgen.verify.summary import GITHUB_COMMENT_LIMIT
from tests.conftest import require
from tests.verify.conftest import edit_docs
from tests.verify.expectations import EXPECTED


def test_text_report_lists_findings_then_journeys(run_cli, quickstart):
    spec, tree = quickstart
    edit_docs(tree / "teams/fraud/overlays/prod/resourcequota.yaml",
              lambda docs: [{**d, "spec": {"hard": {**d["spec"]["hard"], "requests.cpu": "1"}}} for d in docs])
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("FAIL  2. Pods are admitted [admission]: ") for line in lines)
    passing = sum(not reasons for slug, reasons in EXPECTED["quickstart"].items() if slug != "admission")
    assert lines[-1].startswith(f"verify: NOT proven: {passing} of {len(JOURNEYS)} journeys pass;")
    assert "/teams/fraud/overlays/prod/resourcequota.yaml:" in result.output
    assert ": error: ResourceQuota fraud-prod/team-quota: requests.cpu 1 is less than" in result.output
    assert "\n  spec: " in result.output and "\n  hint: " in result.output


def test_tree_defaults_to_gitops_path_beside_the_spec(run_cli, examples):
    spec, _ = examples["quickstart"]
    result = run_cli("verify", str(spec), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["proven"] is True


def _with_seldon_engine(tree: Path) -> None:
    """Break the multicloud tree: Seldon's engine container is not admitted under `restricted`."""
    def drop_no_engine(docs):
        for predictor in docs[0]["spec"]["predictors"]:
            predictor.pop("annotations")
        return docs
    edit_docs(tree / "teams/risk/models/credit-score/seldondeployment.yaml", drop_no_engine)


def test_json_shape(run_cli, examples, multicloud):
    spec, tree = examples["multicloud"]
    proven = json.loads(run_cli("verify", str(spec), str(tree), "--format", "json").stdout)
    assert proven["proven"] is True and not [f for f in proven["findings"] if f["severity"] == "error"]
    spec, tree = multicloud
    _with_seldon_engine(tree)
    result = run_cli("verify", str(spec), str(tree), "--format", "json")
    data = json.loads(result.stdout)
    assert data["proven"] is False and [j["journey"] for j in data["journeys"]] == list(range(1, len(JOURNEYS) + 1))
    assert [j["passed"] for j in data["journeys"]].count(False) == 1
    finding = data["findings"][0]
    assert set(finding) >= {"check", "severity", "file", "line", "column", "message", "hint"}
    assert data["summary"]["outside_network_policy"] == ["nlp-train/training", "vision-train/training"]


def test_sarif_validates_against_the_schema(run_cli, examples, shared):
    import jsonschema

    spec, tree = examples["multicloud"]
    result = run_cli("verify", str(spec), str(tree), "--format", "sarif")
    log = json.loads(result.stdout)
    schema = json.loads((shared / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    assert any("relatedLocations" in r for r in results)  # the spec line


def test_github_annotations(run_cli, multicloud):
    spec, tree = multicloud
    result = run_cli("verify", str(spec), str(tree), "--format", "github")
    assert "\n::warning file=" in "\n" + result.output and "\n::error" not in "\n" + result.output
    _with_seldon_engine(tree)
    result = run_cli("verify", str(spec), str(tree), "--format", "github")
    assert "\n::error file=" in "\n" + result.output and "title=verify " in result.output


def test_unreadable_tree_is_a_located_error_with_exit_2(run_cli, quickstart):
    spec, tree = quickstart
    (tree / "teams/fraud/base/limitrange.yaml").write_text("kind: [unclosed\n")
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 2
    assert "teams/fraud/base/limitrange.yaml:2:1: error: YAML syntax error" in result.output
    assert "hint:" in result.output and "Traceback" not in result.output


def test_missing_tree_and_unknown_endpoints_are_usage_errors(run_cli, examples, tmp_path):
    spec, tree = examples["quickstart"]
    missing = run_cli("verify", str(spec), str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "no rendered tree here" in missing.output
    unknown = run_cli("verify", str(spec), str(tree), "--explain", "nobody", "mlflow")
    assert unknown.exit_code == 2 and "nobody: error: no such endpoint" in unknown.output


def test_explain_names_rules_at_both_layers(run_cli, examples):
    spec, tree = examples["quickstart"]
    allowed = run_cli("verify", str(spec), str(tree), "--explain", "ingress-gateway", "fraud-prod/fraud-detector:8080")
    assert allowed.exit_code == 0
    assert "ingress: allowed by NetworkPolicy fraud-prod/allow-ingress-gateway ingress[0]" in allowed.output
    assert "AuthorizationPolicy fraud-prod/fraud-detector-ingress" in allowed.output and "mTLS STRICT" in allowed.output
    denied = run_cli("verify", str(spec), str(tree), "--explain", "fraud-prod/training", "recsys-prod/training:8080")
    assert denied.exit_code == 1 and "DENIED" in denied.output and "default-deny-all" in denied.output
    dns = run_cli("verify", str(spec), str(tree), "--explain", "fraud-prod/training", "kube-dns:53/UDP")
    assert dns.exit_code == 0 and "allow-internal-dns egress[0]" in dns.output


def test_connectivity_maps(run_cli, examples):
    spec, tree = examples["quickstart"]
    mermaid = run_cli("verify", str(spec), str(tree), "--format", "mermaid")
    assert mermaid.exit_code == 0 and mermaid.output.startswith("flowchart LR\n")
    assert 'main__fraud_prod -->|"TCP 5000"| main__mlflow' in mermaid.output
    assert 'main__ingress_gateway -->|"TCP 8080"| main__fraud_prod' in mermaid.output
    dot = run_cli("verify", str(spec), str(tree), "--format", "dot")
    assert dot.output.startswith("digraph connectivity {") and '[label="TCP 53, UDP 53"]' in dot.output


QUICKSTART_MAP = "The quickstart's connectivity (`--format mermaid`; pairs inside one namespace left out):"


def test_the_readme_shows_the_quickstarts_connectivity_as_drawn(run_cli, examples):
    from tests.conftest import ROOT

    spec, tree = examples["quickstart"]
    readme = (ROOT / "README.md").read_text()
    assert QUICKSTART_MAP in readme
    block = readme.split(QUICKSTART_MAP, 1)[1].split("```mermaid\n", 1)[1].split("```", 1)[0]
    result = run_cli("verify", str(spec), str(tree), "--format", "mermaid")
    assert result.exit_code == 0, result.output
    assert block == result.stdout, "regenerate the README's map: mlopsgen verify platform.yaml --format mermaid"


def test_diff_against_a_directory_per_team_and_environment(run_cli, examples, quickstart):
    spec, tree = examples["quickstart"]
    _, changed = quickstart
    path = changed / "teams/fraud/overlays/prod/networkpolicies.yaml"
    edit_docs(path, lambda docs: [d for d in docs if d["metadata"]["name"] != "allow-internal-dns"])
    result = run_cli("verify", str(spec), str(changed), "--diff", str(tree))
    assert result.exit_code == 0
    assert "fraud-prod (main):" in result.output
    assert "- fraud-prod/training -> kube-system/kube-dns: TCP 53, UDP 53" in result.output
    md = run_cli("verify", str(spec), str(changed), "--diff", str(tree), "--format", "markdown")
    assert "| `fraud-prod (main)` | 0 |" in md.output and "```diff" in md.output


def test_diff_against_a_git_revision(run_cli, quickstart):
    require(shutil.which("git") is not None, "git is not on PATH")
    spec, tree = quickstart
    repo = spec.parent

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "tree")
    path = tree / "teams/recsys/overlays/dev/networkpolicies.yaml"
    edit_docs(path, lambda docs: [{**d, "spec": {**d["spec"], "egress": [{}]}} if d["metadata"]["name"] == "allow-internal-mesh"
                                  else d for d in docs])
    result = run_cli("verify", str(spec), str(tree), "--diff", "HEAD")
    assert result.exit_code == 0 and "recsys-dev (main):" in result.output
    assert "+ recsys-dev/training -> internet: all ports" in result.output
    bad = run_cli("verify", str(spec), str(tree), "--diff", "no-such-revision")
    assert bad.exit_code == 2 and "--diff no-such-revision" in bad.output


def test_markdown_summary_fits_a_github_comment():
    changes = [D.Change("main", f"team{i}-prod", f"team{i}-prod/training", "internet", frozenset(), frozenset({("TCP", 443, 443)}))
               for i in range(5000)]
    text = D.markdown(changes)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "more changes not listed here" in text and "5000 connection(s) changed" in text
    assert "and 4900 more team/environments" in text
    small = D.markdown(changes[:3])
    assert "not listed" not in small and small.count("+ team") == 3


@pytest.mark.parametrize("args", [["--explain", "a", "b", "--diff", "HEAD"]])
def test_explain_and_diff_do_not_combine(run_cli, examples, args):
    spec, tree = examples["quickstart"]
    result = run_cli("verify", str(spec), str(tree), *args)
    assert result.exit_code == 2


def test_help_shows_examples(run_cli):
    result = run_cli("verify", "--help")
    assert "mlopsgen verify platform.yaml --explain" in result.output and "--diff origin/main" in result.output


def test_yaml_dump_of_a_changed_tree_keeps_it_loadable(quickstart):
    _, tree = quickstart
    assert yaml.safe_load((tree / "teams/fraud/overlays/prod/kustomization.yaml").read_text())["namespace"] == "fraud-prod"


def test_readme_shows_what_verify_says_of_the_examples(run_cli, examples):
    from tests.conftest import ROOT

    readme = " ".join((ROOT / "README.md").read_text().split())
    for name in ("quickstart", "multicloud"):
        spec, tree = examples[name]
        lines = run_cli("verify", str(spec), str(tree)).output.splitlines()
        journeys = [line for line in lines if line.startswith(("PASS ", "FAIL "))]
        assert len(journeys) == len(JOURNEYS) and lines[-1].startswith("verify: proven")
        if name == "quickstart":
            assert [line for line in journeys if " ".join(line.split()) not in readme] == []
        assert " ".join(lines[-1].split()) in readme, lines[-1]


def test_externals_are_endpoints_of_diff_explain_and_connectivity(run_cli, examples, multicloud):
    """Opening an external's range to a class the spec does not name shows in --diff and fails connectivity;
    --explain names the external."""
    spec, tree = examples["multicloud"]
    _, changed = multicloud
    explained = run_cli("verify", str(spec), str(tree), "--explain", "nlp-prod/ticket-router", "external-datasets")
    assert explained.exit_code == 1 and "nlp-prod/ticket-router -> external-datasets TCP/443: DENIED" in explained.output
    path = changed / "teams/nlp/overlays/prod/networkpolicies.yaml"
    leak = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "to-datasets"},
            "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                     "egress": [{"to": [{"ipBlock": {"cidr": "20.60.0.0/16"}}], "ports": [{"port": 443, "protocol": "TCP"}]}]}}
    edit_docs(path, lambda docs: [*docs, leak])
    diff = run_cli("verify", str(spec), str(changed), "--diff", str(tree))
    assert "+ nlp-prod/ticket-router -> external-datasets: TCP 443" in diff.output, diff.output
    proof = run_cli("verify", str(spec), str(changed))
    assert proof.exit_code == 1 and "external-datasets" in proof.output
