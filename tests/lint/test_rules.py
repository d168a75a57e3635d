"""Each rule against its fixtures: tests/lint/fixtures/<rule>/{fail,pass}-*.yaml.

A fixture's `# expect: LINE:COL` lines list every finding of that rule, in
order; `# expect: nothing` means none. Findings of other rules are ignored here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlopsgen.lint.rules import RULES
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "lint" / "fixtures"
CASES = sorted(FIXTURES.glob("*/*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+)$", re.M)


def lint_json(run_cli, *args: str) -> tuple[int, dict]:
    result = run_cli("lint", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("fixture", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_rule_reports_exactly_the_expected_positions(fixture: Path, run_cli):
    rule = fixture.parent.name
    text = fixture.read_text()
    expected = [(int(line), int(column)) for line, column in EXPECT.findall(text)]
    assert expected or "# expect: nothing" in text
    assert fixture.stem.startswith("fail") == bool(expected)
    code, report = lint_json(run_cli, str(fixture.relative_to(ROOT)))
    assert code in (0, 1)
    found = [(f["line"], f["column"]) for f in report["findings"] if f["rule"] == rule]
    assert found == expected, [f for f in report["findings"] if f["rule"] == rule]
    assert not [f for f in report["findings"] if f["rule"] == "internal-error"]


def test_every_rule_has_pass_and_fail_fixtures():
    for slug in RULES:
        names = [p.stem for p in (FIXTURES / slug).glob("*.yaml")]
        assert any(n.startswith("fail") for n in names), slug
        assert any(n.startswith("pass") for n in names), slug


def test_every_rule_module_is_registered_and_documented():
    modules = {p.stem for p in (ROOT / "mlopsgen" / "lint" / "rules").glob("*.py") if not p.stem.startswith("_")}
    assert modules == {r.__name__.rsplit(".", 1)[1] for r in RULES.values()}
    ids = [r.ID for r in RULES.values()]
    assert len(set(ids)) == len(ids)
    for slug, rule in RULES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", slug)
        assert rule.SEVERITY in ("info", "warning", "error")
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in rule.__doc__, f"{slug}: {heading}"
        assert any(hasattr(rule, f) for f in ("check_manifest", "check_manifests", "check_spec"))


def test_rendered_examples_lint_clean(run_cli, tmp_path):
    for example in sorted((ROOT / "examples").glob("*/platform.yaml")):
        out = tmp_path / example.parent.name
        assert run_cli("render", str(example), "-o", str(out)).exit_code == 0
        code, report = lint_json(run_cli, str(out), str(example))
        assert report["findings"] == [], report["findings"][:5]
        assert code == 0
