"""Shared fixtures: paths, the CLI runner, and tools that must exist in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from mlopsgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*/platform.yaml"))
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI") == "true"

# Property tests run the same examples every time (a seed derived from each test) and keep no database
# of past failures, so a red run is reproducible from the commit alone. HYPOTHESIS_PROFILE=explore
# searches with fresh random examples instead.
settings.register_profile("fixed", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))


def require(condition: bool, reason: str) -> None:
    """Skip where a tool or ../shared is missing, except in CI where it is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


CHARTS = SHARED / "charts-src"
HELM_CACHE = ROOT / ".venv-tools" / "helm-cache"  # renders are keyed by their inputs: safe to keep between runs


def chart_tools() -> str:
    """Make helm and the pinned charts what verify renders with (MLOPSGEN_HELM, MLOPSGEN_CHARTS); '' when they
    are at hand, else why not."""
    if not CHARTS.is_dir():
        return f"{CHARTS} (the pinned charts beside the checkout) is missing"
    from tests.support.helm import install

    helm, why = install()
    if helm is None:
        return why
    os.environ.update({"MLOPSGEN_HELM": str(helm), "MLOPSGEN_CHARTS": str(CHARTS), "MLOPSGEN_CACHE_DIR": str(HELM_CACHE)})
    return ""


CHART_TOOLS_MISSING = chart_tools()


# The tests that run verify on trees with chart Applications (others mark themselves `charts`).
CHART_TESTS = ("tests/verify/", "tests/test_output_escaping.py", "tests/test_ci_reports.py", "tests/render/test_models.py",
               "tests/render/test_objects.py", "tests/platform/test_spec_space.py", "tests/test_action.py")


def pytest_collection_modifyitems(config, items):
    """verify proves a tree only with its charts rendered: without helm or the charts, the tests that run it skip
    (and fail in CI)."""
    if not CHART_TOOLS_MISSING:
        return
    if IN_CI:
        raise pytest.UsageError(f"required in CI: {CHART_TOOLS_MISSING}")
    for item in items:
        if "charts" in item.keywords or str(Path(item.fspath).relative_to(ROOT)).startswith(CHART_TESTS):
            item.add_marker(pytest.mark.skip(reason=CHART_TOOLS_MISSING))


@pytest.fixture(scope="session")
def shared() -> Path:
    require(SHARED.is_dir(), f"{SHARED} (the shared data beside the checkout) is missing")
    return SHARED


@pytest.fixture(scope="session")
def kubectl() -> str:
    path = shutil.which("kubectl")
    require(path is not None, "kubectl is not on PATH")
    return path


@pytest.fixture
def run_cli():
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run
