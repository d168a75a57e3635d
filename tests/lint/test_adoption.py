"""What a repository needs to adopt lint: configuration found upward, gitignore, stdin, every format complete."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, validators

from mlopsgen.reporters import ANNOTATIONS_PER_KIND
from tests.conftest import ROOT

HELM_REPO = ROOT / "tests" / "lint" / "repos" / "helm-chart"
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: ml}
data:
  tracking: http://172.17.0.4:5000
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def git_repo(tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def found(result) -> list[tuple]:
    return [(f["file"], f["line"], f["column"], f["rule"]) for f in json.loads(result.stdout)["findings"]]


def test_configuration_is_found_upward_and_excludes_are_relative_to_it(run_cli, git_repo, monkeypatch):
    write(git_repo / ".mlopsgen.yaml", """\
        lint:
          exclude: ["templates/", "/vendor/"]
          ignore:
            - {path: "legacy/", rules: [static-ip], reason: decommissioned next quarter}
        """)
    for folder in ("apps/templates", "apps/vendor", "vendor", "apps/legacy", "apps/live"):
        write(git_repo / folder / "cm.yaml", CONFIGMAP)
    monkeypatch.chdir(git_repo / "apps")  # the configuration is one folder up
    result = run_cli("lint", "--format", "json", ".")
    report = json.loads(result.stdout)
    # templates/ at any depth; /vendor/ only beside the configuration; legacy/ ignored for static-ip
    assert found(result) == [("live/cm.yaml", 5, 20, "static-ip"), ("vendor/cm.yaml", 5, 20, "static-ip")]
    assert [s["file"] for s in report["suppressed"]] == ["legacy/cm.yaml"]


def test_top_level_templates_folder_is_excluded_by_a_templates_pattern(run_cli, git_repo):
    write(git_repo / ".mlopsgen.yaml", "lint:\n  exclude: [\"**/templates/**\"]\n")
    write(git_repo / "templates" / "cm.yaml", CONFIGMAP)
    write(git_repo / "live.yaml", CONFIGMAP)
    assert [f[0] for f in found(run_cli("lint", "--format", "json", "."))] == ["live.yaml"]


def test_discovery_stops_at_the_repository_root(run_cli, tmp_path, monkeypatch):
    write(tmp_path / ".mlopsgen.yaml", "lint:\n  rules: {static-ip: off}\n")  # outside the repository
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write(repo / "cm.yaml", CONFIGMAP)
    monkeypatch.chdir(repo)
    assert [f[3] for f in found(run_cli("lint", "--format", "json", "."))] == ["static-ip"]


def test_gitignored_files_are_skipped_unless_asked(run_cli, git_repo):
    write(git_repo / ".gitignore", "rendered/\n*.local.yaml\n")
    write(git_repo / "rendered" / "cm.yaml", CONFIGMAP)
    write(git_repo / "apps" / "dev.local.yaml", CONFIGMAP)
    write(git_repo / "apps" / ".gitignore", "!dev.local.yaml\n")  # a deeper file decides
    write(git_repo / "apps" / "cm.yaml", CONFIGMAP)
    assert [f[0] for f in found(run_cli("lint", "--format", "json", "."))] == ["apps/cm.yaml", "apps/dev.local.yaml"]
    assert [f[0] for f in found(run_cli("lint", "--format", "json", "--no-gitignore", "."))] == [
        "apps/cm.yaml", "apps/dev.local.yaml", "rendered/cm.yaml"]


def test_dash_reads_standard_input(git_repo):
    result = subprocess.run([sys.executable, "-m", "mlopsgen", "lint", "-"], input=CONFIGMAP, capture_output=True,
                            text=True, cwd=git_repo)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("<stdin>:5:20: error: static IP address 172.17.0.4 [static-ip]")


def test_a_parse_error_never_hides_the_rest_in_any_format(run_cli, monkeypatch, shared):
    monkeypatch.chdir(HELM_REPO)
    schema = json.loads((shared / "sarif" / "sarif-schema-2.1.0.json").read_text())
    results = {fmt: run_cli("lint", "--format", fmt, ".") for fmt in ("text", "json", "sarif", "github")}
    assert {r.exit_code for r in results.values()} == {1}
    log = json.loads(results["sarif"].stdout)
    assert list(validators.validator_for(schema, default=Draft7Validator)(schema).iter_errors(log)) == []
    rules = [r["ruleId"] for r in log["runs"][0]["results"]]
    assert rules == ["static-ip", "static-ip", "parse-error"]
    assert "deploy/broken/values-prod.yaml:3:13: error: YAML syntax error" in results["text"].stdout
    assert "::error file=deploy/broken/values-prod.yaml,line=3,col=13,title=parse-error::" in results["github"].stdout
    assert json.loads(results["json"].stdout)["summary"]["templates"] == 3
    assert "3 templates skipped" in results["text"].stderr


def test_sarif_uris_are_encoded_fingerprints_differ_and_security_rules_have_a_severity(run_cli, git_repo, shared):
    write(git_repo / "my apps" / "cm#1.yaml", CONFIGMAP + "  other: http://172.17.0.4:5000\n")
    log = json.loads(run_cli("lint", "--format", "sarif", ".").stdout)
    schema = json.loads((shared / "sarif" / "sarif-schema-2.1.0.json").read_text())
    assert list(validators.validator_for(schema, default=Draft7Validator)(schema).iter_errors(log)) == []
    results = log["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"my%20apps/cm%231.yaml"}
    assert len({r["partialFingerprints"]["mlopsgenFinding/v2"] for r in results}) == len(results) == 2
    rules = {r["id"]: r["properties"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "security" in rules["missing-default-deny"]["tags"] and float(rules["missing-default-deny"]["security-severity"]) >= 7
    assert "security-severity" not in rules["canary-weights"] and "security" not in rules["canary-weights"]["tags"]


def test_github_format_summarises_past_the_annotation_limit(run_cli, git_repo):
    lines = "".join(f"  k{i}: http://10.0.0.{i + 1}:5000\n" for i in range(25))
    write(git_repo / "cm.yaml", CONFIGMAP.replace("  tracking: http://172.17.0.4:5000\n", lines))
    out = run_cli("lint", "--format", "github", "cm.yaml").stdout.splitlines()
    annotations = [line for line in out if line.startswith("::error ")]
    assert len(annotations) == ANNOTATIONS_PER_KIND == 10
    summary = next(i for i, line in enumerate(out) if line.startswith("mlopsgen: 15 errors past what GitHub annotates"))
    assert out[summary + 1:] == [f"cm.yaml:{5 + i}:{13 + len(str(i))}: error: static IP address 10.0.0.{i + 1}. "
                                 "use a DNS name: <service>.<namespace>.svc.cluster.local in the cluster, a stable "
                                 "host name outside it [static-ip]" for i in range(10, 25)]


def test_a_large_upstream_crd_is_linted(run_cli, git_repo):
    crd = (ROOT / "tests" / "lint" / "repos" / "crds" / "config" / "crd" / "bases" / "serving.example.com_routes.yaml").read_text()
    properties = "".join(f"                      field{i}:\n                        description: Field {i} of the route.\n"
                         f"                        type: string\n" for i in range(40_000))
    big = crd.replace("                      upstream:\n", properties + "                      upstream:\n")
    assert len(big) > 3_000_000  # past the spec loader's bound: manifests are not specs
    write(git_repo / "crd.yaml", big)
    result = run_cli("lint", "--format", "json", "crd.yaml")
    assert result.exit_code == 0 and found(result) == []
    assert json.loads(result.stdout)["summary"]["files"] == 1
