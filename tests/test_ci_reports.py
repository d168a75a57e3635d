"""JUnit XML and GitLab Code Quality from lint and verify, read back as their consumers read them.

JUnit is parsed with junitparser (the shape Jenkins and GitLab's `artifacts:reports:junit` read:
testsuites > testsuite > testcase, one failure per case). The GitLab report is checked against the
fields docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format requires, as a JSON Schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from mlopsgen.verify.checks import JOURNEYS
from tests.conftest import ROOT
from tests.verify.conftest import copy_example

FIXTURES = ROOT / "tests/lint/fixtures/static-ip"
GITLAB_SCHEMA = {  # the documented required fields and their types
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {"type": "object", "required": ["path", "lines"], "properties": {
                "path": {"type": "string", "minLength": 1},
                "lines": {"type": "object", "required": ["begin"], "properties": {"begin": {"type": "integer", "minimum": 1}}},
            }},
        },
    },
}


def _junit(text: str):
    from junitparser import JUnitXml

    xml = JUnitXml.fromstring(text.encode())
    cases = [case for suite in xml for case in suite]
    failed = [case for case in cases if any(r.__class__.__name__ == "Failure" for r in case.result)]
    return xml, cases, failed


def test_lint_junit_has_a_failing_case_per_finding(run_cli):
    result = run_cli("lint", str(FIXTURES), "--format", "junit")
    assert result.exit_code == 1
    findings = json.loads(run_cli("lint", str(FIXTURES), "--format", "json").stdout)["findings"]
    _, cases, failed = _junit(result.stdout)
    assert len(failed) == len([f for f in findings if f["severity"] == "error"]) > 0
    assert {case.classname for case in failed} == {f"mlopsgen lint.{f['rule']}" for f in findings if f["severity"] == "error"}
    assert len(cases) > len(failed)  # the rules that found nothing pass


def test_lint_gitlab_report_has_the_documented_shape(run_cli):
    result = run_cli("lint", str(FIXTURES), "--format", "gitlab")
    issues = json.loads(result.stdout)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert len({i["fingerprint"] for i in issues}) == len(issues) > 0  # GitLab shows one issue per fingerprint


@pytest.fixture(scope="module")
def leaking(tmp_path_factory) -> tuple[Path, Path]:
    spec, tree = copy_example("quickstart", tmp_path_factory.mktemp("ci-reports"))
    path = tree / "teams/fraud/overlays/prod/networkpolicies.yaml"
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    for doc in docs:  # the mesh allow opened to anywhere
        if doc["metadata"]["name"] == "allow-internal-mesh":
            doc["spec"]["egress"] = [{}]
    path.write_text(yaml.safe_dump_all(docs))
    return spec, tree


def test_verify_junit_has_a_case_per_journey(run_cli, leaking):
    spec, tree = leaking
    result = run_cli("verify", str(spec), str(tree), "--format", "junit")
    assert result.exit_code == 1
    _, cases, failed = _junit(result.stdout)
    assert len(cases) == len(JOURNEYS) and [c.name for c in failed] == ["6. Connectivity the platform needs, and only that [connectivity]"]
    assert "forbidden flow allowed" in failed[0].result[0].text


def test_verify_gitlab_report_has_the_documented_shape(run_cli, leaking):
    spec, tree = leaking
    issues = json.loads(run_cli("verify", str(spec), str(tree), "--format", "gitlab").stdout)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert issues and {i["check_name"] for i in issues} == {"connectivity"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_verify_output_quiet_and_color_behave_as_lints(run_cli, leaking, tmp_path):
    spec, tree = leaking
    out = tmp_path / "report.sarif"
    result = run_cli("verify", str(spec), str(tree), "--format", "sarif", "--output", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert "verify: NOT proven" in result.stderr
    quiet = run_cli("verify", str(spec), str(tree), "--format", "sarif", "--output", str(out), "-q")
    assert quiet.stderr == "" and quiet.exit_code == 1
    text = run_cli("verify", str(spec), str(tree), "-q")
    assert "PASS" not in text.stdout and "FAIL  6." in text.stdout and "error: forbidden flow allowed" in text.stdout
    assert "verify:" not in text.stdout
    plain = run_cli("verify", str(spec), str(tree), "--color", "never")
    coloured = run_cli("verify", str(spec), str(tree), "--color", "always")
    assert "\x1b[" not in plain.stdout and "\x1b[" in coloured.stdout
    lint_plain = run_cli("lint", str(FIXTURES), "--color", "never")
    assert "\x1b[" not in lint_plain.stdout


def test_lint_and_verify_report_one_finding_model_through_the_same_writers(run_cli, leaking, tmp_path):
    """A verify problem and a lint finding are the same type, and their SARIF results have the same shape."""
    from mlopsgen.errors import Location
    from mlopsgen.findings import Finding
    from mlopsgen.lint import finding as lint_finding
    from mlopsgen.verify.result import finding

    assert lint_finding.Finding is Finding
    made = finding("connectivity", "forbidden flow allowed", Location("t.yaml", 3, 5), hint="deny it")
    assert isinstance(made, Finding) and made.id == "MLV006" and made.rule == "connectivity"
    spec, tree = leaking
    verify_results = json.loads(run_cli("verify", str(spec), str(tree), "--format", "sarif").stdout)["runs"][0]["results"]
    lint_results = json.loads(run_cli("lint", str(FIXTURES), "--format", "sarif").stdout)["runs"][0]["results"]
    shape = {"ruleId", "ruleIndex", "level", "message", "locations", "partialFingerprints"}
    assert shape <= set(verify_results[0]) and shape <= set(lint_results[0])
    assert set(verify_results[0]["partialFingerprints"]) == set(lint_results[0]["partialFingerprints"])
