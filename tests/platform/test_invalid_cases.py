"""Every file in tests/cases/spec-invalid names the errors it must produce.

Header lines: `# expect: LINE:COL: message fragment` (one per problem, in
order) and `# expect-text: fragment` (must appear somewhere in the output).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

CASES = sorted((ROOT / "tests" / "cases" / "spec-invalid").glob("*.yaml"))
EXPECT = re.compile(rb"^# expect: (\d+):(\d+): (.+)$", re.M)
EXPECT_TEXT = re.compile(rb"^# expect-text: (.+)$", re.M)


def test_there_are_enough_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_invalid_spec_is_reported_precisely(case, run_cli):
    raw = case.read_bytes()
    expected = [(int(line), int(c), m.decode()) for line, c, m in EXPECT.findall(raw)]
    assert expected, "case file declares no expectation"
    result = run_cli("validate", str(case))
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if ": error: " in line]
    assert len(errors) == len(expected), output
    for (line, column, fragment), error in zip(expected, errors, strict=True):
        assert error.startswith(f"{case}:{line}:{column}: error: "), f"{error!r} not at {line}:{column}"
        assert fragment in error, error
    for fragment in EXPECT_TEXT.findall(raw):
        assert fragment.decode() in output, output
