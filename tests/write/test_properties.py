"""Property tests: random trees with links, foreign files and special files, failures at random
file-system calls, and spec values from the whole of Unicode. Nothing is written outside the output
folder, nothing of the user's is lost, no object appears that the spec does not declare, never exit 3."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mlopsgen.cli import cli
from mlopsgen.render import render_spec
from mlopsgen.write import MARKER
from tests.write.conftest import TINY, snapshot

PROPERTIES = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # seeds: tests/conftest.py
TWO_ENVS = TINY.replace("environments:\n", "environments:\n  - name: prod\n    cluster: main\n").replace(
    "      dev: {{cpu: {cpu}, memory: 8Gi}}", "      dev: {{cpu: {cpu}, memory: 8Gi}}\n      prod: {{cpu: 2, memory: 8Gi}}")
SPECS = [TINY.format(cpu=2, path="deploy"), TINY.format(cpu=3, path="deploy"), TWO_ENVS.format(cpu=2, path="deploy")]
RENDERED = ["teams/ds/overlays/dev/resourcequota.yaml", "teams/ds/base/rbac.yaml", "argocd/apps/main/ds-dev.yaml",
            "teams/ds/overlays/prod/namespace.yaml", MARKER]
PLACES = RENDERED + ["teams/ds/base", "teams/ds", "teams", "argocd/apps", "teams/ds/overlays/prod", "NOTES.md",
                     "teams/ds/mine.yaml", "docs/readme.md", "teams/other/x.yaml"]
MUTATING = ("mkdir", "link", "symlink", "rename", "unlink", "rmdir", "fchmod", "write")


def _files(spec):
    return render_spec(spec).files


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _place(out: Path, kind: str, rel: str, outside: Path) -> None:
    path = out / rel
    for parent in reversed(path.relative_to(out).parents[:-1]):
        if (out / parent).is_symlink() or ((out / parent).exists() and not (out / parent).is_dir()):
            return  # something else is already in the way
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.is_file() or (path.exists() and not path.is_dir()):
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    if kind == "file":
        path.write_bytes(f"foreign {rel}\n".encode())
    elif kind == "link-to-folder":
        path.symlink_to(outside)
    elif kind == "link-to-file":
        path.symlink_to(outside / "secret.txt")
    elif kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)


@contextmanager
def _failing_at(call: int):
    """os.* mutating calls raise EIO at the `call`-th one (0: never)."""
    count, saved = [0], {name: getattr(os, name) for name in MUTATING}

    def wrap(function):
        def failing(*args, **kwargs):
            count[0] += 1
            if count[0] == call:
                raise OSError(errno.EIO, "Input/output error")
            return function(*args, **kwargs)
        return failing

    try:
        for name, function in saved.items():
            setattr(os, name, wrap(function))
        yield
    finally:
        for name, function in saved.items():
            setattr(os, name, function)


def _user_entries(tree: dict[str, tuple], managed: set[str]) -> dict[str, tuple]:
    return {rel: entry for rel, entry in tree.items() if entry[0] != "dir" and rel not in managed | {MARKER}}


@PROPERTIES
@given(first=st.sampled_from([None, *range(len(SPECS))]), second=st.integers(0, len(SPECS) - 1),
       obstacles=st.lists(st.tuples(st.sampled_from(["file", "link-to-folder", "link-to-file", "folder", "fifo"]),
                                    st.sampled_from(PLACES)), max_size=4),
       mode=st.sampled_from([(), ("--force",), ("--check",), ("--diff",), ("--dry-run",)]),
       failure=st.one_of(st.just(0), st.integers(1, 120)))
def test_random_trees_and_failures_never_lose_or_leak(first, second, obstacles, mode, failure):
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        outside, out, spec = base / "outside", base / "deploy", base / "platform.yaml"
        outside.mkdir()
        (outside / "secret.txt").write_text("SECRET=hunter2\n")
        if first is not None:
            spec.write_text(SPECS[first])
            assert _cli("render", str(spec), "-o", str(out)).exit_code == 0
        for kind, rel in obstacles:
            out.mkdir(exist_ok=True)
            _place(out, kind, rel, outside)
        marker = out / MARKER
        try:
            managed = set(json.loads(marker.read_text())["files"]) if marker.is_file() and not marker.is_symlink() else set()
        except (OSError, ValueError, KeyError):
            managed = set()
        before, outside_before = snapshot(out), snapshot(outside)
        spec.write_text(SPECS[second])
        with _failing_at(failure):
            result = _cli("render", str(spec), "-o", str(out), *mode)
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output and "hunter2" not in result.output
        assert snapshot(outside) == outside_before
        after = snapshot(out)
        expected = _files(str(spec))
        written = result.exit_code == 0 and not set(mode) & {"--check", "--diff", "--dry-run"}
        if written:
            assert {rel: after.get(rel) for rel in expected} == {rel: ("file", t.encode()) for rel, t in expected.items()}
        else:
            assert after == before
        for rel, entry in _user_entries(before, managed).items():  # nothing of the user's is lost
            if not (written and "--force" in mode and rel in expected):
                assert after.get(rel) == entry, rel
        assert _cli("render", str(spec), "-o", str(out), "--force").exit_code in (0, 2)  # a later render tidies up
        assert sorted(os.listdir(base)) == sorted(["outside", "platform.yaml"] + (["deploy"] if out.exists() else []))


UNICODE = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), min_size=1, max_size=12)
YAML_SPECIAL = st.sampled_from(["\n", "\r\n", "\u0085", "\u2028", "\u2029", "\ufeff", "#", ": ", "- ", "---", "...",
                                "&a", "*a", "!!python/object", "%YAML", "|", ">", "'", '"', "\\", "{", "}", "[", "]",
                                "\t", "\x1b[2J", "\x00", "\ud800", "yes", "~", "null", "0x1F", "1e3"])
VALUES = st.lists(st.one_of(UNICODE, YAML_SPECIAL), min_size=1, max_size=4).map("".join)
BASELINE = None


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar for any string, surrogates included (YAML's own escapes, no pairs)."""
    def one(char: str) -> str:
        code = ord(char)
        if 0x20 <= code < 0x7f and char not in '"\\':
            return char
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return '"' + "".join(one(c) for c in value) + '"'


def _objects(files: dict[str, str]) -> list[str]:
    """Every YAML document of the tree, read by PyYAML (YAML 1.1), as (kind, name)."""
    found = []
    for rel, text in sorted(files.items()):
        if rel.endswith(".yaml"):
            for doc in yaml.safe_load_all(text):
                if isinstance(doc, dict) and "kind" in doc:
                    found.append(doc["kind"])
    return sorted(found)


@PROPERTIES
@given(owner=VALUES, name=st.one_of(VALUES, st.sampled_from(["ds", "ds\n", "a-b", "x" * 70])), title=VALUES)
def test_spec_values_from_all_of_unicode_stay_values(owner, name, title):
    global BASELINE
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        spec = base / "platform.yaml"
        if BASELINE is None:
            spec.write_text(TINY.format(cpu=2, path="deploy"))
            BASELINE = _objects(render_spec(str(spec)).files)
        text = TINY.format(cpu=2, path="deploy").replace("owners: [ds]", f"owners: [{_quoted(owner)}]")
        text = text.replace("  - name: ds\n", f"  - name: {_quoted(name)}\n").replace(
            "  name: tiny\n", f"  name: tiny\n  description: {_quoted(title)}\n")
        spec.write_text(text, encoding="ascii")
        result = _cli("render", str(spec), "-o", str(base / "out"))
        event(f"exit {result.exit_code}")
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        assert not set(result.output) & set("\x1b\x00\u0085\u2028\u2029")
        assert sorted(os.listdir(base)) == sorted(["platform.yaml"] + (["out"] if result.exit_code == 0 else []))
        if result.exit_code == 0:
            files = {p.relative_to(base / "out").as_posix(): p.read_text() for p in (base / "out").rglob("*")
                     if p.is_file()}
            assert _objects(files) == BASELINE  # no object the spec does not declare
            rbac = yaml.safe_load_all(next(t for rel, t in files.items() if rel.endswith("/base/rbac.yaml")))
            binding = next(doc for doc in rbac if doc["kind"] == "RoleBinding")
            assert binding["subjects"][0]["name"] == owner
