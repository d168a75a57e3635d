"""A render killed at any file-system call, or two renders at once: the old or the new tree, nothing lost.

The kill is real: a forked child renders and calls os._exit() just before its
k-th mutating call, so no `finally` or cleanup runs, as with SIGKILL or a power
cut seen from the process. Every k is tried.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mlopsgen.render import render_spec
from mlopsgen.write import OutputRoot, fs, write_tree
from tests.conftest import ROOT
from tests.write.conftest import snapshot, tiny_spec

MUTATING = ("mkdir", "link", "symlink", "rename", "unlink", "rmdir", "fchmod", "fchown", "write")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT


def _files(spec):
    return render_spec(spec).files


def _counting(limit: int | None, counter: list[int]):
    """Wrappers for os.* and fs.rename2 that count calls, and exit the process before call `limit`."""
    def wrap(name, function):
        def call(*args, **kwargs):
            if name != "open" or (args[1] & WRITE_FLAGS):
                counter[0] += 1
                if counter[0] == limit:
                    os._exit(9)
            return function(*args, **kwargs)
        return call

    patches = {name: wrap(name, getattr(os, name)) for name in (*MUTATING, "open")}
    return patches, wrap("rename2", fs.rename2)


def _run(out, files, limit, counter, exchange: bool):
    patches, rename2 = _counting(limit, counter)
    saved = {name: getattr(os, name) for name in patches}
    saved_rename2 = fs.rename2
    try:
        for name, function in patches.items():
            setattr(os, name, function)
        fs.rename2 = rename2 if exchange else (lambda *args: False)  # as where renameat2 is missing
        write_tree(OutputRoot.explicit(out), files)
    finally:
        for name, function in saved.items():
            setattr(os, name, function)
        fs.rename2 = saved_rename2


def _killed_at(out, files, limit, exchange) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            _run(out, files, limit, [0], exchange)
            os._exit(0)
        except BaseException:
            os._exit(1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_a_render_killed_at_any_call_leaves_the_old_or_the_new_tree(tmp_path, exchange):
    old_files = _files(str(tiny_spec(tmp_path, cpu=2)))
    new_files = _files(str(tiny_spec(tmp_path, cpu=3)))
    mine = {"NOTES.md": ("file", b"mine\n"), "teams/ds/extra.yaml": ("file", b"kind: Mine\n")}

    def tree(files, name):
        out = tmp_path / name
        write_tree(OutputRoot.explicit(out), files)
        for rel, (_, data) in mine.items():
            (out / rel).write_bytes(data)
        return out

    expected_old, expected_new = snapshot(tree(old_files, "old")), snapshot(tree(new_files, "new"))
    out = tree(old_files, "deploy")
    calls = [0]
    _run(out, new_files, None, calls, exchange)  # how many calls a render makes
    total = calls[0]
    assert total > 40, total
    write_tree(OutputRoot.explicit(out), old_files)
    for limit in range(1, total + 1):
        assert _killed_at(out, new_files, limit, exchange) == 9
        now = snapshot(out)
        if not exchange and not now:  # between the two renames: the old tree is under its previous name
            previous = [p for p in os.listdir(tmp_path) if ".mlopsgen-previous-" in p]
            assert [snapshot(tmp_path / p) for p in previous] == [expected_old], limit
        else:
            assert now in (expected_old, expected_new), limit
        write_tree(OutputRoot.explicit(out), old_files)  # the next render cleans up
        assert snapshot(out) == expected_old, limit
        assert sorted(os.listdir(tmp_path)) == ["deploy", "new", "old", "platform.yaml"], limit


def test_two_renders_at_once_both_finish_and_leave_one_complete_tree(tmp_path):
    out = tmp_path / "deploy"
    specs = [ROOT / "examples/quickstart/platform.yaml", tmp_path / "other.yaml"]
    specs[1].write_text(specs[0].read_text().replace("cpu: 16,", "cpu: 17,"))
    expected = []
    for i, spec in enumerate(specs):
        files = _files(str(spec))
        write_tree(OutputRoot.explicit(tmp_path / f"expected{i}"), files)
        expected.append(snapshot(tmp_path / f"expected{i}"))
    script = ("import sys\nfrom mlopsgen.cli import cli\n"
              "for spec in sys.argv[2:]:\n"
              "    try:\n        cli(['render', spec, '-o', sys.argv[1]])\n"
              "    except SystemExit as exit:\n        assert exit.code == 0, exit.code\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([sys.executable, "-c", script, str(out), *(map(str, order * 3))], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for order in (specs, specs[::-1])]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    assert snapshot(out) in expected
    assert sorted(os.listdir(tmp_path)) == ["deploy", "expected0", "expected1", "other.yaml"]
