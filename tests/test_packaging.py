"""Both distributions: the wheel works from any directory, the sdist tests itself.

Each carries the licence; the sdist carries what a distribution needs to build
and test the package from it alone (tests, docs, examples).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile

import pytest

from tests.conftest import ROOT, require


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
    licence = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
    assert "Apache License" in zipfile.ZipFile(wheel).read(licence).decode()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata

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


# Quick, self-contained tests: no ../shared, kubectl or network needed.
SDIST_SUBSET = ["tests/platform/test_valid.py", "tests/lint/test_rules.py", "tests/lint/test_lint_command.py",
                "tests/render/test_render_command.py", "tests/test_cli_conventions.py", "tests/test_github.py",
                "tests/test_schemasync.py"]


@pytest.mark.slow
def test_sdist_carries_licence_tests_docs_examples_and_its_tests_pass(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    sdist = next(dist.glob("mlopsgen-*.tar.gz"))
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    tree = next((tmp_path / "unpacked").iterdir())
    assert (tree / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    for needed in ["docs/spec.md", "docs/rules/static-ip.md", "examples/quickstart/platform.yaml",
                   "tests/conftest.py", "tests/golden", "tests/cases/spec-invalid", *SDIST_SUBSET]:
        assert (tree / needed).exists(), needed
    assert not (tree / ".venv").exists()

    # Tested as a checkout is: a Git work tree, whose root gitops.path is read from (the stale-render fixture names
    # its tree from there).
    require(shutil.which("git") is not None, "git is not on PATH")
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    # Outside CI the unpacked tree has no ../shared beside it; those tests skip.
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONDONTWRITEBYTECODE": "1"}
    where = subprocess.run([sys.executable, "-c", "import mlopsgen; print(mlopsgen.__file__)"], cwd=tree, env=env,
                           capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(tree)), "the tests must import the unpacked package"
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider",
                             *SDIST_SUBSET], cwd=tree, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
