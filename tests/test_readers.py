"""Readers (validate, lint, render) under attack: special files, huge files, alias bombs, unreadable folders.

validate and render stop with exit 2; lint reports each file it cannot read as a `parse-error` finding
and lints the rest (exit 1), or exits 2 when no file could be linted.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager

import pytest

from tests.conftest import EXAMPLES

BOMB = (  # 342 bytes naming 9^9 (387 million) strings
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging: a blocked open() or read() is interrupted by SIGALRM."""
    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "platform.yaml"
    os.mkfifo(path)
    return path


EXIT = {"validate": 2, "render": 2, "lint": 2}


@pytest.mark.parametrize("command", ["validate", "render", "lint"])
def test_a_fifo_named_yaml_is_an_error_not_a_hang(run_cli, fifo, command):
    with deadline(10):
        result = run_cli(command, str(fifo))
    assert result.exit_code == EXIT[command], result.output
    assert "is a FIFO (named pipe), not a regular file" in result.output


def test_lint_reports_a_fifo_found_in_a_folder(run_cli, fifo, monkeypatch):
    monkeypatch.chdir(fifo.parent)
    with deadline(10):
        result = run_cli("lint", ".")
    assert result.exit_code == 2 and "platform.yaml:1:1: error: is a FIFO" in result.output


@pytest.mark.parametrize("command", ["validate", "lint", "render"])
def test_a_yaml_link_to_dev_zero_is_an_error(run_cli, tmp_path, command):
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    with deadline(10):
        result = run_cli(command, str(link))
    assert result.exit_code == EXIT[command] and "is a character device, not a regular file" in result.output


def test_lint_stops_an_alias_bomb_at_once(run_cli, tmp_path):
    bomb = tmp_path / "values.yaml"
    bomb.write_text(BOMB)
    assert len(BOMB.encode()) < 452
    started = time.perf_counter()
    result = run_cli("lint", str(bomb))
    assert time.perf_counter() - started < 2
    assert result.exit_code == 2
    assert "aliases expand the file by more than 100000 nodes" in result.output and "alias bomb" in result.output


def test_lint_refuses_absurd_nesting_instead_of_crashing(run_cli, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 200_000 + "]" * 200_000 + "\n")  # PyYAML's C composer would overflow the stack
    result = run_cli("lint", str(deep))
    assert result.exit_code == 2 and "deep.yaml:1:65: error: nesting deeper than 64 levels" in result.output


def test_lint_refuses_a_file_over_the_size_limit(run_cli, tmp_path, monkeypatch):
    from mlopsgen.kube import manifest as sources

    monkeypatch.setattr(sources, "MAX_MANIFEST_BYTES", 1000)
    big = tmp_path / "big.yaml"
    big.write_text("a: b\n" * 300)
    result = run_cli("lint", str(big))
    assert result.exit_code == 2 and "file is 1500 bytes; the limit is 1000" in result.output


def test_lint_reports_an_unreadable_folder(run_cli, tmp_path, monkeypatch):
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    private = tmp_path / "private"
    private.mkdir()
    (private / "hidden.yaml").write_text("kind: Hidden\n")
    real_scandir = os.scandir

    def scandir(path="."):  # as for a folder of mode 000 (root reads those anyway)
        if os.path.abspath(path) == str(private):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", ".")
    assert result.exit_code == 1
    assert "private:1:1: error: cannot read folder: Permission denied [parse-error]" in result.output


def test_an_unreadable_file_is_an_error(run_cli, tmp_path, monkeypatch):
    spec = tmp_path / "platform.yaml"
    spec.write_bytes(EXAMPLES[0].read_bytes())
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if os.fspath(path) == str(spec):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    for command in ("validate", "lint", "render"):
        result = run_cli(command, str(spec))
        assert result.exit_code == EXIT[command] and "cannot read file: Permission denied" in result.output, command


def test_a_fifo_as_lint_configuration_is_an_error(run_cli, tmp_path):
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    config = tmp_path / "pyproject.toml"
    os.mkfifo(config)
    with deadline(10):
        result = run_cli("lint", str(tmp_path / "ok.yaml"), "--config", str(config))
    assert result.exit_code == 2 and "is a FIFO (named pipe)" in result.output
