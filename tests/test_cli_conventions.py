"""Conventions of the command-line tools users already run (git, ruff, kubectl).

Closed pipes, operating-system errors, colour and NO_COLOR, --quiet, shell completion.
"""

from __future__ import annotations

import errno
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

QUICKSTART = ROOT / "examples" / "quickstart" / "platform.yaml"
MULTICLOUD = ROOT / "examples" / "multicloud" / "platform.yaml"
ANSI = "\x1b["


def _mlopsgen(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlopsgen", *args], capture_output=True, text=True, **kwargs)


def _invalid_spec(tmp_path: Path, name: str = "platform.yaml") -> Path:
    spec = tmp_path / name
    spec.write_text(QUICKSTART.read_text().replace("    role: shared", "    role: sharde", 1))
    return spec


# Closed pipes -------------------------------------------------------------------------------------

def test_a_closed_pipe_ends_quietly_with_141(tmp_path):
    args = ["render", str(MULTICLOUD), "-o", str(tmp_path / "deploy"), "--diff"]
    # Read one line, then close the pipe, as `| head -1` does; the rest cannot be written.
    process = subprocess.Popen([sys.executable, "-m", "mlopsgen", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, bufsize=0)
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141, stderr
    assert first
    assert "Traceback" not in stderr and "internal error" not in stderr and "Exception ignored" not in stderr
    assert "BrokenPipe" not in stderr


def test_the_diff_is_larger_than_a_pipe_buffer(run_cli, tmp_path):
    # Otherwise the pipe test above would pass without ever closing a pipe on a writer.
    result = run_cli("render", str(MULTICLOUD), "-o", str(tmp_path / "deploy"), "--diff")
    assert len(result.stdout) > 2 * 65536


def test_a_closed_pipe_in_any_command_is_quiet(run_cli, monkeypatch):
    def closed(*args, **kwargs):
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    monkeypatch.setattr("mlopsgen.commands.lint.click.echo", closed)
    result = run_cli("rules")
    assert result.exit_code == 141 and result.stderr == ""


def test_closed_pipe_exit_code_is_documented(run_cli):
    assert "141  the output pipe was closed early" in run_cli("--help").output


# Operating-system errors that are the user's ------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_on_stdout_is_a_located_error_not_a_traceback():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "mlopsgen", "schema"], stdout=full, stderr=subprocess.PIPE,
                                text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("<stdout>: error: No space left on device\n  hint: the disk is full")
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


@pytest.mark.parametrize(("code", "hint"), [
    (errno.EACCES, "check the permissions of {path}"),
    (errno.EPERM, "check the permissions of {path}"),
    (errno.EROFS, "the file system is read-only"),
    (errno.ENOSPC, "the disk is full"),
])
def test_init_reports_a_refused_write_with_path_and_hint(code, hint, run_cli, tmp_path, monkeypatch):
    target = tmp_path / "starter"
    path = target / "platform.yaml"

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    # Tests may run as root, where permissions do not refuse anything: refuse at the system call's edge.
    monkeypatch.setattr("mlopsgen.write.fs.write_file", refuse)
    result = run_cli("init", str(target))
    assert result.exit_code == 2
    first, second = result.stderr.splitlines()[:2]
    assert first == f"{path}: error: {os.strerror(code)}"
    assert second.startswith(f"  hint: {hint.format(path=path)}")
    assert "Traceback" not in result.stderr


def test_render_into_a_path_under_a_file_is_a_located_error(run_cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n")
    result = run_cli("render", str(QUICKSTART), "-o", str(blocker / "deploy"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{blocker}: error: File exists\n  hint: {blocker} is in the way")
    assert "Traceback" not in result.stderr


def test_an_os_error_that_is_not_the_users_is_still_an_internal_error(run_cli, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    monkeypatch.setattr("mlopsgen.write.fs.write_file", broken)
    result = run_cli("init", str(tmp_path / "starter"))
    assert result.exit_code == 3
    assert "internal error, please report it" in result.stderr and "Traceback" in result.stderr


# Colour: --color, NO_COLOR, and auto on a terminal only --------------------------------------------

def test_color_always_colours_problems_and_never_does_not(run_cli, tmp_path):
    spec = _invalid_spec(tmp_path)
    coloured = run_cli("validate", str(spec), "--color", "always")
    plain = run_cli("validate", str(spec), "--color", "never")
    assert coloured.exit_code == plain.exit_code == 2
    assert ANSI in coloured.stderr and ANSI not in plain.stderr
    assert "\x1b[31m\x1b[1merror:" in coloured.stderr
    assert plain.stderr.splitlines()[0].endswith("error: 'sharde' is not a valid role (at /clusters/0/role)")


def test_color_always_beats_no_color_and_auto_off_a_terminal_is_plain(run_cli, tmp_path, monkeypatch):
    spec = _invalid_spec(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    assert ANSI in run_cli("validate", str(spec), "--color", "always").stderr
    monkeypatch.delenv("NO_COLOR")
    assert ANSI not in run_cli("validate", str(spec)).stderr  # the test runner is not a terminal


def _on_a_terminal(args: list[str], env: dict) -> str:
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "mlopsgen", *args], stdin=terminal, stdout=terminal,
                               stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode()


def test_auto_colours_a_terminal_unless_no_color_is_set(tmp_path):
    spec = _invalid_spec(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert ANSI in _on_a_terminal(["validate", str(spec)], env)
    assert ANSI not in _on_a_terminal(["validate", str(spec)], env | {"NO_COLOR": "1"})
    assert ANSI in _on_a_terminal(["lint", str(ROOT / "tests" / "lint" / "fixtures" / "static-ip")], env)


def test_lint_text_findings_are_coloured_on_request(run_cli):
    result = run_cli("lint", str(ROOT / "tests" / "lint" / "fixtures" / "static-ip"), "--color", "always")
    assert result.exit_code == 1
    assert "\x1b[31m\x1b[1merror:" in result.stdout and "\x1b[36mhint:" in result.stdout


# --quiet ------------------------------------------------------------------------------------------

def test_quiet_keeps_errors_and_drops_summaries(run_cli, tmp_path):
    assert run_cli("validate", str(QUICKSTART)).stderr == "1 file valid\n"
    assert run_cli("validate", str(QUICKSTART), "-q").stderr == ""
    bad = run_cli("validate", str(_invalid_spec(tmp_path)), "--quiet")
    assert bad.exit_code == 2 and "error: 'sharde' is not a valid role" in bad.stderr
    assert "problem" not in bad.stderr.splitlines()[-1]
    rendered = run_cli("render", str(QUICKSTART), "-o", str(tmp_path / "deploy"), "-q")
    assert rendered.exit_code == 0 and rendered.output == ""
    assert run_cli("init", str(tmp_path / "starter"), "-q").output == ""


def test_quiet_lint_keeps_findings(run_cli):
    result = run_cli("lint", str(ROOT / "tests" / "lint" / "fixtures" / "static-ip"), "--quiet")
    assert result.exit_code == 1
    assert "[static-ip]" in result.stdout and result.stderr == ""


# Shell completion ---------------------------------------------------------------------------------

def test_bash_completion_script_and_completions(tmp_path):
    script = _mlopsgen(env=os.environ | {"_MLOPSGEN_COMPLETE": "bash_source"}, cwd=tmp_path)
    assert script.returncode == 0 and "_mlopsgen_completion()" in script.stdout
    assert "complete -o nosort -F _mlopsgen_completion mlopsgen" in script.stdout

    def complete(words: str) -> list[str]:
        env = os.environ | {"_MLOPSGEN_COMPLETE": "bash_complete", "COMP_WORDS": words,
                            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
        return _mlopsgen(env=env, cwd=tmp_path).stdout.split()

    assert "plain,render" in complete("mlopsgen ren")
    assert sorted(complete("mlopsgen explain st")) == ["plain,stale-render", "plain,static-ip"]
    assert "plain,--exit-code" in complete("mlopsgen render --ex")


def test_shell_completion_is_documented_in_help_and_readme(run_cli):
    command = 'eval "$(_MLOPSGEN_COMPLETE=bash_source mlopsgen)"'
    assert command in run_cli("--help").output
    assert command in (ROOT / "README.md").read_text()


def test_quiet_hides_the_progress_bar_a_terminal_gets_for_a_large_spec(tmp_path):
    import yaml

    from bench.synthetic import synthetic_spec

    spec = tmp_path / "platform.yaml"
    spec.write_text(yaml.safe_dump(synthetic_spec(teams=20, environments=2, pools=1)))
    env = dict(os.environ)
    assert "rendering teams" in _on_a_terminal(["render", str(spec), "-o", str(tmp_path / "a")], env)
    quiet = _on_a_terminal(["render", str(spec), "-o", str(tmp_path / "b"), "--quiet"], env)
    assert quiet == "" and (tmp_path / "b" / ".mlopsgen.json").is_file()
