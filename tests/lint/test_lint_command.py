"""`mlopsgen lint` behaviour: suppressions, formats, exit codes, bad input, crashing rules, derived files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator, validators

from mlopsgen.lint import rules as rules_package
from mlopsgen.lint.docs import generated_files
from tests.conftest import ROOT
from tests.support.specs import Spec

QUICKSTART = ROOT / "examples" / "quickstart" / "platform.yaml"
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: ml}
data:
  tracking: http://172.17.0.4:5000
  registry: http://10.0.0.8:5000
"""


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A working directory to lint in (findings are reported relative to it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def lint(run_cli, *args):
    result = run_cli("lint", *args)
    return result


def findings(result) -> list[tuple]:
    return [(f["file"], f["line"], f["column"], f["rule"]) for f in json.loads(result.stdout)["findings"]]


def test_text_output_is_file_line_col_with_hint(run_cli, repo):
    write(repo / "cm.yaml", CONFIGMAP)
    result = lint(run_cli, "cm.yaml")
    assert result.exit_code == 1
    assert "cm.yaml:5:20: error: static IP address 172.17.0.4 [static-ip]\n  hint: use a DNS name" in result.stdout
    assert "2 findings (2 errors) in 1 file" in result.stderr


def test_json_contract(run_cli, repo):
    write(repo / "cm.yaml", CONFIGMAP)
    report = json.loads(lint(run_cli, "--format", "json", "cm.yaml").stdout)
    assert set(report) >= {"findings"}
    first = report["findings"][0]
    assert set(first) == {"rule", "id", "severity", "file", "line", "column", "message", "hint"}
    assert (first["rule"], first["id"], first["file"], first["line"], first["column"]) == ("static-ip", "MLG001", "cm.yaml", 5, 20)


def test_exit_code_does_not_depend_on_format(run_cli, repo):
    write(repo / "cm.yaml", CONFIGMAP)
    codes = {fmt: lint(run_cli, "--format", fmt, "cm.yaml").exit_code for fmt in ("text", "json", "sarif", "github")}
    assert set(codes.values()) == {1}
    write(repo / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: b}\n")
    codes = {fmt: lint(run_cli, "--format", fmt, "cm.yaml").exit_code for fmt in ("text", "json", "sarif", "github")}
    assert set(codes.values()) == {0}


def test_fail_on_threshold(run_cli, repo):
    write(repo / "job.yaml", """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: a}
        data: {image: "x"}
        ---
        image:
          repository: ghcr.io/mlflow/mlflow
          tag: latest
        """)
    assert lint(run_cli, "job.yaml").exit_code == 0  # a warning, below the default threshold
    assert lint(run_cli, "--fail-on", "warning", "job.yaml").exit_code == 1


def test_inline_suppression_covers_its_line_and_the_next(run_cli, repo):
    write(repo / "cm.yaml", """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app, namespace: ml}
        data:
          # mlopsgen: disable=static-ip
          tracking: http://172.17.0.4:5000
          other: http://10.0.0.9:5000  # mlopsgen: disable=latest-tag
          third: http://10.0.0.10:5000
        """)
    result = lint(run_cli, "--format", "json", "cm.yaml")
    assert findings(result) == [("cm.yaml", 7, 17, "static-ip"), ("cm.yaml", 8, 17, "static-ip")]
    strict = lint(run_cli, "--format", "json", "--strict", "static-ip", "cm.yaml")
    assert len(findings(strict)) == 3


def test_config_file_ignores_by_path_and_sets_severity(run_cli, repo):
    write(repo / "legacy" / "cm.yaml", CONFIGMAP)
    write(repo / "apps" / "cm.yaml", CONFIGMAP)
    write(repo / ".mlopsgen.yaml", """\
        lint:
          ignore:
            - {path: "legacy/**", rules: [static-ip], reason: decommissioned next quarter}
          rules: {static-ip: warning}
        """)
    result = lint(run_cli, "--format", "json", ".")
    report = json.loads(result.stdout)
    assert {f["file"] for f in report["findings"]} == {"apps/cm.yaml"}
    assert {f["severity"] for f in report["findings"]} == {"warning"}
    assert report["summary"]["suppressed"] == 2
    assert result.exit_code == 0


def test_config_in_pyproject(run_cli, repo):
    write(repo / "cm.yaml", CONFIGMAP)
    write(repo / "pyproject.toml", """\
        [tool.mlopsgen.lint]
        rules = {static-ip = "off"}
        """)
    assert findings(lint(run_cli, "--format", "json", "cm.yaml")) == []


def test_unknown_rule_in_config_is_a_located_usage_error(run_cli, repo):
    write(repo / "cm.yaml", CONFIGMAP)
    write(repo / ".mlopsgen.yaml", "lint:\n  rules:\n    static-ips: off\n")
    result = lint(run_cli, "cm.yaml")
    assert result.exit_code == 2
    assert ".mlopsgen.yaml:3:5: error: unknown rule 'static-ips'" in result.stderr
    assert "did you mean 'static-ip'?" in result.stderr


def test_invalid_config_value_is_located(run_cli, repo):
    write(repo / "cm.yaml", CONFIGMAP)
    write(repo / ".mlopsgen.yaml", "lint:\n  fail-on: sometimes\n")
    result = lint(run_cli, "cm.yaml")
    assert result.exit_code == 2
    assert ".mlopsgen.yaml:2:12: error: invalid lint configuration" in result.stderr


def test_platform_suppressions_need_a_reason_and_expire(run_cli, repo):
    spec = Spec.example("quickstart").set("lint", {"suppressions": [
        {"rule": "static-ip", "path": "manifests/old.yaml", "reason": "vendor chart, replaced in Q3"},
        {"rule": "static-ip", "path": "manifests/expired.yaml", "reason": "was temporary, long ago", "expires": "2020-01-01"},
    ]})
    spec.write(repo)
    write(repo / "manifests" / "old.yaml", CONFIGMAP)
    write(repo / "manifests" / "expired.yaml", CONFIGMAP)
    result = lint(run_cli, "--format", "json", ".")
    assert {f[0] for f in findings(result)} == {"manifests/expired.yaml"}
    spec.set("lint/suppressions/0/reason", "").write(repo)
    result = lint(run_cli, "--format", "json", ".")  # the invalid spec is a finding; the manifests are still linted
    assert result.exit_code == 1
    invalid = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "invalid-spec"]
    assert len(invalid) == 1 and invalid[0]["file"] == "platform.yaml" and "reason" in invalid[0]["message"]
    assert {f[0] for f in findings(result) if f[3] == "static-ip"} == {"manifests/old.yaml", "manifests/expired.yaml"}


def test_linting_nothing_is_an_error(run_cli, repo):
    (repo / "empty").mkdir()
    result = lint(run_cli, "empty")
    assert result.exit_code == 2 and "no YAML files to lint" in result.stderr
    assert lint(run_cli).exit_code == 2


def test_missing_path_is_a_usage_error_and_nothing_readable_exits_2_with_a_full_report(run_cli, repo):
    result = lint(run_cli, "nope.yaml")
    assert result.exit_code == 2 and "nope.yaml: error: no such file or directory" in result.stderr
    write(repo / "bad.yaml", "apiVersion: v1\nkind: [ConfigMap\n")
    result = lint(run_cli, "--format", "sarif", "bad.yaml")
    assert result.exit_code == 2  # nothing at all could be read
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]) for r in results] == [
        ("parse-error", {"startLine": 3, "startColumn": 1})]
    text = lint(run_cli, "bad.yaml")
    assert text.exit_code == 2 and "bad.yaml:3:1: error: YAML syntax error" in text.stdout
    assert "Traceback" not in result.output


def test_invalid_platform_file_is_a_usage_error(run_cli, repo):
    text = QUICKSTART.read_text().replace("role: shared", "role: nope")
    line = text.splitlines().index("    role: nope") + 1
    write(repo / "platform.yaml", text)
    result = lint(run_cli, "platform.yaml")
    assert result.exit_code == 2 and f"platform.yaml:{line}:11: error: 'nope' is not a valid role" in result.stdout
    assert "[invalid-spec]" in result.stdout


def test_a_crashing_rule_is_reported_not_hidden(run_cli, repo, monkeypatch):
    def explode(manifest):
        raise RuntimeError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(rules_package.RULES["latest-tag"], "check_manifest", explode)
    write(repo / "cm.yaml", CONFIGMAP)
    result = lint(run_cli, "--format", "json", "cm.yaml")
    rules = [f[3] for f in findings(result)]
    assert "internal-error" in rules and rules.count("static-ip") == 2
    assert result.exit_code == 1
    message = next(f for f in json.loads(result.stdout)["findings"] if f["rule"] == "internal-error")["message"]
    assert "latest-tag crashed: RuntimeError: boom" in message


def test_sarif_validates_against_the_schema(run_cli, repo, shared):
    schema = json.loads((shared / "sarif" / "sarif-schema-2.1.0.json").read_text())
    validator = validators.validator_for(schema, default=Draft7Validator)(schema)
    write(repo / "manifests" / "cm.yaml", CONFIGMAP)
    write(repo / "clean.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    for target in ("manifests", "clean.yaml"):
        log = json.loads(lint(run_cli, "--format", "sarif", target).stdout)
        assert list(validator.iter_errors(log)) == []
        run = log["runs"][0]
        assert "results" in run
        assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"static-ip", "missing-default-deny"}
        assert all(r["help"]["text"] for r in run["tool"]["driver"]["rules"])
        for result in run["results"]:
            location = result["locations"][0]["physicalLocation"]
            assert not location["artifactLocation"]["uri"].startswith("/")
            assert location["region"]["startLine"] > 0 and location["region"]["startColumn"] > 0
            assert result["partialFingerprints"]
    empty = json.loads(lint(run_cli, "--format", "sarif", "clean.yaml").stdout)
    assert empty["runs"][0]["results"] == []


def test_github_annotations_are_picked_automatically(run_cli, repo, monkeypatch):
    write(repo / "cm.yaml", CONFIGMAP)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = lint(run_cli, "cm.yaml")
    assert result.stdout.splitlines()[0].startswith("::error file=cm.yaml,line=5,col=20,title=static-ip::static IP address 172.17.0.4")
    assert result.exit_code == 1


def test_rules_and_explain(run_cli):
    listing = run_cli("rules").stdout
    assert "MLG001  static-ip" in listing and "stale-render" in listing
    doc = run_cli("explain", "static-ip")
    assert doc.exit_code == 0 and "## Why is this bad?" in doc.stdout and "## Use instead" in doc.stdout
    assert run_cli("explain", "MLG010").stdout.startswith("# missing-default-deny (MLG010)")
    unknown = run_cli("explain", "static-ips")
    assert unknown.exit_code == 2 and "did you mean 'static-ip'?" in unknown.stderr


def test_rule_docs_and_hook_definitions_are_up_to_date():
    stale = [str(path.relative_to(ROOT)) for path, text in generated_files(ROOT).items()
             if not path.is_file() or path.read_text() != text]
    assert stale == [], "regenerate with `python -m mlopsgen.lint.docs`"
    documented = {p.stem for p in (ROOT / "docs" / "rules").glob("*.md")} - {"README"}
    assert documented == set(rules_package.RULES)


def test_stale_render_rule(run_cli, repo):
    write(repo / "platform.yaml", QUICKSTART.read_text())
    assert run_cli("render", "platform.yaml").exit_code == 0
    assert findings(lint(run_cli, "--format", "json", "platform.yaml")) == []
    quota = repo / "deploy" / "teams" / "fraud" / "overlays" / "prod" / "resourcequota.yaml"
    quota.write_text(quota.read_text().replace('"32"', '"64"'))
    result = lint(run_cli, "--format", "json", "platform.yaml")
    report = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"], f["column"]) for f in report] == [("stale-render", 10, 9)]
    assert "1 stale" in report[0]["message"] and "resourcequota.yaml" in report[0]["message"]


def test_every_format_shows_what_was_suppressed_and_why(run_cli, repo, shared):
    write(repo / "legacy" / "cm.yaml", CONFIGMAP)
    write(repo / "inline.yaml", CONFIGMAP.replace("tracking:", "# mlopsgen: disable=static-ip\n  tracking:"))
    write(repo / ".mlopsgen.yaml", """\
        lint:
          ignore:
            - {path: "legacy/**", rules: [static-ip], reason: decommissioned next quarter}
        """)
    report = json.loads(lint(run_cli, "--format", "json", ".").stdout)
    reasons = {(s["file"], s["rule"], s["suppressed_by"], s["reason"]) for s in report["suppressed"]}
    assert reasons == {("legacy/cm.yaml", "static-ip", "config", "decommissioned next quarter"),
                       ("inline.yaml", "static-ip", "inline", "`# mlopsgen: disable` comment")}
    assert report["summary"]["suppressed"] == len(report["suppressed"]) >= 2
    text = lint(run_cli, ".").stdout
    assert "legacy/cm.yaml:5:20: suppressed: static IP address 172.17.0.4" in text
    assert "  reason: decommissioned next quarter" in text
    github = lint(run_cli, "--format", "github", ".").stdout
    assert "title=suppressed static-ip::" in github and "Suppressed: decommissioned next quarter" in github
    log = json.loads(lint(run_cli, "--format", "sarif", ".").stdout)
    schema = json.loads((shared / "sarif" / "sarif-schema-2.1.0.json").read_text())
    assert list(validators.validator_for(schema, default=Draft7Validator)(schema).iter_errors(log)) == []
    suppressions = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["suppressions"]
                    for r in log["runs"][0]["results"] if "suppressions" in r}
    assert suppressions == {
        "legacy/cm.yaml": [{"kind": "external", "justification": "decommissioned next quarter"}],
        "inline.yaml": [{"kind": "inSource", "justification": "`# mlopsgen: disable` comment"}],
    }


def test_spec_suppression_reason_and_expiry_are_reported(run_cli, repo):
    Spec.example("quickstart").set("lint", {"suppressions": [
        {"rule": "static-ip", "path": "manifests/old.yaml", "reason": "vendor chart, replaced in Q3", "expires": "2999-01-01"},
    ]}).write(repo)
    write(repo / "manifests" / "old.yaml", CONFIGMAP)
    report = json.loads(lint(run_cli, "--format", "json", ".").stdout)
    assert {(s["file"], s["rule"], s["suppressed_by"], s["reason"]) for s in report["suppressed"]} == {
        ("manifests/old.yaml", "static-ip", "spec", "vendor chart, replaced in Q3 (until 2999-01-01)")}


def test_lint_reads_specs_within_the_loaders_limits(run_cli, repo):
    big = QUICKSTART.read_text() + "# padding\n" * 300_000  # about 3 MB, past the spec loader's bound
    write(repo / "platform.yaml", big)
    linted = lint(run_cli, "platform.yaml")
    validated = run_cli("validate", "platform.yaml")
    assert linted.exit_code == validated.exit_code == 2
    assert "the limit is" in linted.stdout and "the limit is" in validated.output


def test_output_file_gets_the_report_and_stdout_stays_empty(run_cli, repo):
    write(repo / "cm.yaml", CONFIGMAP)
    result = lint(run_cli, "cm.yaml", "--format", "sarif", "--output", "report.sarif")
    assert result.exit_code == 1 and result.stdout == ""
    report = json.loads((repo / "report.sarif").read_text())
    assert len(report["runs"][0]["results"]) == 2
    assert "2 findings (2 errors) in 1 file" in result.stderr
    assert sorted(p.name for p in repo.iterdir()) == ["cm.yaml", "report.sarif"]  # no temporary left behind


def test_output_file_is_replaced_atomically_and_a_failure_keeps_the_old_one(run_cli, repo, monkeypatch):
    write(repo / "cm.yaml", CONFIGMAP)
    (repo / "report.txt").write_text("previous report\n")
    import os

    real_replace = os.replace

    def fail(*args, **kwargs):
        raise OSError(28, os.strerror(28))  # ENOSPC while writing the temporary file

    monkeypatch.setattr(os, "replace", fail)
    result = lint(run_cli, "cm.yaml", "--output", "report.txt")
    assert result.exit_code == 2 and "error: No space left on device" in result.stderr
    assert (repo / "report.txt").read_text() == "previous report\n"
    assert sorted(p.name for p in repo.iterdir()) == ["cm.yaml", "report.txt"]
    monkeypatch.setattr(os, "replace", real_replace)
    assert lint(run_cli, "cm.yaml", "--output", "report.txt").exit_code == 1
    assert "[static-ip]" in (repo / "report.txt").read_text() and "\x1b[" not in (repo / "report.txt").read_text()


def test_output_into_a_missing_directory_is_a_located_error(run_cli, repo):
    write(repo / "cm.yaml", CONFIGMAP)
    result = lint(run_cli, "cm.yaml", "--output", "nowhere/report.txt")
    assert result.exit_code == 2
    assert result.stderr.startswith("nowhere/") and "error: No such file or directory" in result.stderr


def test_a_folder_named_on_the_command_line_is_linted_though_gitignore_lists_it(run_cli, tmp_path, monkeypatch):
    """As `make demo` lints its gitignored output folder; a .gitignore inside the folder still applies."""
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("out/\n")
    tree = tmp_path / "out" / "quickstart"
    tree.mkdir(parents=True)
    (tree / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {clusterIP: 10.0.0.7}\n")
    (tree / ".gitignore").write_text("scratch.yaml\n")
    (tree / "scratch.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {clusterIP: 10.0.0.8}\n")
    monkeypatch.chdir(tmp_path)
    named = json.loads(run_cli("lint", "out/quickstart", "--format", "json").stdout)
    assert [f["file"] for f in named["findings"] if f["rule"] == "static-ip"] == ["out/quickstart/svc.yaml"]
    assert run_cli("lint", ".").exit_code == 2  # from the top, the ignored folder is skipped: nothing to lint


def test_dns_blocked_names_the_mode_label_that_fixes_it(run_cli, tmp_path):
    """In a namespace whose policies allow DNS to the pods of a network mode (as mlopsgen's do), the fix for
    a pod without that label is the label, not a new policy."""
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "default-deny-all", "namespace": "ml"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
    dns = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "allow-internal-dns", "namespace": "ml"},
           "spec": {"podSelector": {"matchLabels": {"mlopsgen.dev/network-mode": "internal"}}, "policyTypes": ["Egress"],
                    "egress": [{"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "job", "namespace": "ml", "labels": {"app": "job"}},
           "spec": {"containers": [{"name": "c", "image": "r/i:1.0"}]}}
    path = tmp_path / "ns.yaml"
    path.write_text(yaml.safe_dump_all([deny, dns, pod]))
    found = [f for f in json.loads(run_cli("lint", str(path), "--format", "json").stdout)["findings"] if f["rule"] == "dns-blocked"]
    assert len(found) == 1 and found[0]["hint"].startswith("label the pods mlopsgen.dev/network-mode: internal")


def test_a_badly_indented_file_gets_an_indentation_hint_and_is_not_called_unread(run_cli, tmp_path):
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n namespace: y\ndata: {}\n")
    result = run_cli("lint", str(path))
    assert result.exit_code == 2
    assert "cm.yaml:5:2: error: YAML syntax error: did not find expected key" in result.stdout
    assert "hint: check the indentation: keys of one mapping start in the same column" in result.stdout
    assert "could be read" not in result.stderr and "no file could be linted" in result.stderr
