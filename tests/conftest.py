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
