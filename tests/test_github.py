"""GitHub workflow commands: escaping, and `--format github` of validate (render --check: tests/render)."""

from __future__ import annotations

from mlopsgen.errors import Location, Problem
from mlopsgen.github import escape_data, escape_property, problem_command, workflow_command
from tests.conftest import ROOT

QUICKSTART = ROOT / "examples" / "quickstart" / "platform.yaml"


def test_escaping_follows_the_runner():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def test_workflow_command_leaves_out_what_is_unknown():
    assert workflow_command("error", "m", "f.yaml", 3, 7, "t") == "::error file=f.yaml,line=3,col=7,title=t::m"
    assert workflow_command("error", "m", "f.yaml") == "::error file=f.yaml::m"
    assert workflow_command("notice", "m") == "::notice::m"


def test_a_problem_keeps_its_pointer_and_hint_in_one_annotation():
    problem = Problem(Location("dir,x/p:1.yaml", 16, 11), "'sharde' is not a valid role", "/clusters/0/role",
                      "did you mean 'shared'?")
    assert problem_command(problem) == ("::error file=dir%2Cx/p%3A1.yaml,line=16,col=11,title=mlopsgen::"
                                        "'sharde' is not a valid role (at /clusters/0/role)%0Ahint: did you mean 'shared'?")


def test_validate_in_github_format(run_cli, tmp_path):
    spec = tmp_path / "odd, name: 100%.yaml"
    spec.write_text(QUICKSTART.read_text().replace("    role: shared", "    role: sharde", 1))
    result = run_cli("validate", "--format", "github", str(spec))
    assert result.exit_code == 2
    line = next(line for line in result.stdout.splitlines() if "sharde" in line)
    escaped = escape_property(str(spec))
    assert escaped.endswith("odd%2C name%3A 100%25.yaml")
    assert line.startswith(f"::error file={escaped},line=")
    assert line.endswith("::'sharde' is not a valid role (at /clusters/0/role)%0Ahint: did you mean 'shared'?")
    assert result.stderr == "1 problem found.\n"


def test_validate_picks_github_under_github_actions(run_cli, tmp_path, monkeypatch):
    spec = tmp_path / "platform.yaml"
    spec.write_text(QUICKSTART.read_text().replace("kind: Platform", "kind: Platfrom"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run_cli("validate", str(spec)).stdout.startswith(f"::error file={spec},line=")
    assert run_cli("validate", "--format", "text", str(spec)).stdout == ""
