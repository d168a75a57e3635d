"""The repository's own entry points: what `make demo` and `make test` install, the licence."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT


def _dry_make(target: str, tmp_path) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    # A venv path that does not exist, so make plans every step from scratch.
    result = subprocess.run([make, "-n", target, f"VENV={tmp_path / 'venv'}", f"TOOLS={tmp_path / 'tools'}"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout


def test_demo_installs_only_the_runtime_dependencies(tmp_path):
    plan = _dry_make("demo", tmp_path)
    assert "pip install --quiet -e ." in plan
    assert "[test]" not in plan and "checkov" not in plan and "npm" not in plan and "lsp" not in plan
    assert "mlopsgen render examples/quickstart/platform.yaml" in plan and "mlopsgen lint" in plan


def test_test_target_installs_the_toolchain_and_says_so(tmp_path):
    plan = _dry_make("test", tmp_path)
    assert "installing the test toolchain" in plan and "-e '.[test]'" in plan
    assert "installing checkov and yamllint" in plan
    assert "tests.support.lsp install" in plan
    assert plan.rstrip().endswith("python -m pytest -q")


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_licence_is_the_apache_2_0_text():
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()
