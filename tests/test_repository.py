"""The repository's own entry points: what `make demo` and `make test` install, the licence."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT, require


def _dry_make(target: str, tmp_path) -> str:
    make = shutil.which("make")
    require(make is not None, "make is not installed")
    assert make is not None
    # A venv path that does not exist, so make plans every step from scratch.
    # Under `make test` itself, a nested make would announce its directory: keep the plan clean.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    result = subprocess.run([make, "-n", "--no-print-directory", target, f"VENV={tmp_path / 'venv'}",
                             f"TOOLS={tmp_path / 'tools'}"], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    return result.stdout


def test_demo_installs_only_the_runtime_dependencies(tmp_path):
    plan = _dry_make("demo", tmp_path)
    assert "pip install --quiet -e ." in plan
    assert "[test]" not in plan and "checkov" not in plan and "npm" not in plan and "lsp" not in plan
    assert "mlopsgen render examples/quickstart/platform.yaml" in plan and "mlopsgen lint" in plan and "mlopsgen verify" in plan


def test_test_target_installs_the_toolchain_and_says_so(tmp_path):
    plan = _dry_make("test", tmp_path)
    assert "installing the test toolchain" in plan and "-e '.[test]'" in plan
    assert "installing checkov and yamllint" in plan
    assert "tests.support.lsp install" in plan
    assert plan.rstrip().endswith("python -m pytest -q")


def test_ci_runs_make_test_and_fuzzes():
    run = (ROOT / ".ci" / "run").read_text()
    assert "make test\n" in run and "make fuzz" in run
    makefile = (ROOT / "Makefile").read_text()
    assert 'test-fast:' in makefile and '-m "not slow"' in makefile


def test_licence_is_the_apache_2_0_text():
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()


def _first_run_block() -> tuple[int, str]:
    text = (ROOT / "README.md").read_text()
    start = text.index("```sh\n", text.index("## Install and first run")) + len("```sh\n")
    return text[:start].count("\n"), text[start:text.index("```", start)]


def test_the_first_run_is_on_the_first_screen_and_starts_from_nothing():
    line, block = _first_run_block()
    assert line < 25
    commands = block.splitlines()
    assert commands[0].startswith("python3 -m venv .venv") and commands[1] == "pip install ."
    assert any(c.startswith("mlopsgen render") for c in commands) and any(c.startswith("mlopsgen lint") for c in commands)


@pytest.mark.slow
def test_the_first_run_works_as_written(tmp_path, kubectl):
    """The README's commands, verbatim, in a fresh copy of the repository."""
    _, block = _first_run_block()
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    clone = tmp_path / "mlopsgen"
    for name in listed:
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=clone, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "1 file valid" in result.stderr
    assert "0 findings in " in result.stderr
    assert result.stdout.strip().endswith("overlay builds")
    assert (clone / "my-platform" / "deploy" / ".mlopsgen.json").is_file()
