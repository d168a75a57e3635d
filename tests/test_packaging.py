"""The wheel carries templates/ and schemas/ and works from any directory."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_wheel_installs_and_works_from_elsewhere(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("mlopsgen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mlopsgen/schemas/platform.schema.json" in names
    assert "mlopsgen/templates/init/platform.yaml" in names
    assert "mlopsgen/templates/model/inferenceservice.yaml.j2" in names
    assert "mlopsgen/schemas/lint-config.schema.json" in names

    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    subprocess.run([env / "bin" / "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spec = ROOT / "examples" / "quickstart" / "platform.yaml"
    result = subprocess.run([env / "bin" / "mlopsgen", "validate", str(spec)], cwd=elsewhere,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    init = subprocess.run([env / "bin" / "mlopsgen", "init", "starter"], cwd=elsewhere, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    check = subprocess.run([env / "bin" / "mlopsgen", "validate", "starter/platform.yaml"], cwd=elsewhere,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    render = subprocess.run([env / "bin" / "mlopsgen", "render", str(spec), "-o", "tree"], cwd=elsewhere,
                            capture_output=True, text=True)
    assert render.returncode == 0, render.stderr
    assert (elsewhere / "tree" / "teams" / "fraud" / "models" / "fraud-detector" / "inferenceservice.yaml").is_file()
    lint = subprocess.run([env / "bin" / "mlopsgen", "lint", "tree", str(spec)], cwd=elsewhere, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
