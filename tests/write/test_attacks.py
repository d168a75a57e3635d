"""The writer under attack: links in and above the tree, foreign files, mount points, hostile markers."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from mlopsgen.write import MARKER, fs
from tests.support.deep import nest, unnest
from tests.write.conftest import snapshot, tiny_spec


def _render(run_cli, spec, *args):
    return run_cli("render", str(spec), *args)


def test_a_symlinked_folder_inside_the_output_is_refused_and_never_written_through(run_cli, tmp_path, outside):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    assert _render(run_cli, spec, "-o", str(out)).exit_code == 0
    for name in os.listdir(out / "teams/ds/base"):  # the link's target even holds what a render writes
        shutil.copy(out / "teams/ds/base" / name, outside / name)
    before = snapshot(outside)
    shutil.rmtree(out / "teams/ds/base")
    (out / "teams/ds/base").symlink_to(outside)
    for args in ((), ("--check",), ("--diff",), ("--force",)):
        result = _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out), *args)
        assert result.exit_code == 2, (args, result.output)
        assert f"{out}/teams/ds/base: error: is a symbolic link" in result.output
        assert "up to date" not in result.output and "Traceback" not in result.output
    assert snapshot(outside) == before
    assert (out / "teams/ds/base").is_symlink()


def test_a_symlinked_parent_of_gitops_path_is_refused(run_cli, tmp_path, outside):
    repo = tmp_path / "repo"
    repo.mkdir()
    spec = tiny_spec(repo, path="out/deploy")
    elsewhere = outside / "deploy"
    assert _render(run_cli, spec, "-o", str(elsewhere)).exit_code == 0  # another tree, marker and all
    (elsewhere / "theirs.yaml").write_text("kind: Theirs\n")
    before = snapshot(outside)
    (repo / "out").symlink_to(outside)
    changed = tiny_spec(repo, cpu=3, path="out/deploy")
    for args in ((), ("--check",), ("--diff",)):
        result = _render(run_cli, changed, *args)
        assert result.exit_code == 2, result.output
        assert f"{repo}/out: error: is a symbolic link" in result.output
    assert snapshot(outside) == before


def test_an_output_folder_given_as_a_link_is_resolved_once(run_cli, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert _render(run_cli, tiny_spec(tmp_path), "-o", str(link)).exit_code == 0
    assert _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(link)).exit_code == 0
    assert link.is_symlink() and (real / MARKER).is_file()
    assert b"requests.cpu: \"3\"" in (real / "teams/ds/overlays/dev/resourcequota.yaml").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["link", "platform.yaml", "real"]


def test_user_links_elsewhere_in_the_tree_are_kept_as_links_and_never_followed(run_cli, tmp_path, outside):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    (out / "docs").symlink_to(outside)
    (out / "teams/ds/notes").symlink_to("../../../outside/secret.txt")
    before = snapshot(outside)
    assert _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out)).exit_code == 0
    assert os.readlink(out / "docs") == str(outside)
    assert os.readlink(out / "teams/ds/notes") == "../../../outside/secret.txt"
    assert snapshot(outside) == before


def test_diff_never_prints_a_file_through_a_symlinked_managed_path(run_cli, tmp_path, outside):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    quota = out / "teams/ds/overlays/dev/resourcequota.yaml"
    quota.unlink()
    quota.symlink_to(outside / "secret.txt")
    for args in (("--diff",), ("--check",), ()):
        result = _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out), *args)
        assert result.exit_code == 2 and "hunter2" not in result.output
        assert f"{quota}: error: is a symbolic link" in result.output
    assert (outside / "secret.txt").read_text() == "SECRET=hunter2\n"


@pytest.mark.parametrize("entry", ["/proc/self/environ", "../outside/secret.txt", "teams/../../outside/secret.txt"])
def test_marker_entries_pointing_out_of_the_tree_are_refused(run_cli, tmp_path, outside, monkeypatch, entry):
    monkeypatch.setenv("MLOPSGEN_CANARY", "canary-4f1d")
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    marker = json.loads((out / MARKER).read_text())
    marker["files"].append(entry)
    (out / MARKER).write_text(json.dumps(marker))
    before = snapshot(tmp_path)
    for args in (("--diff",), ("--check",), ()):
        result = _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out), *args)
        assert result.exit_code == 2, result.output
        assert "marker file is corrupt" in result.output and "points outside the tree" in result.output
        assert "hunter2" not in result.output and "canary-4f1d" not in result.output
    assert snapshot(tmp_path) == {**before, "platform.yaml": snapshot(tmp_path)["platform.yaml"]}


def test_force_never_enters_a_mount_point(run_cli, tmp_path, monkeypatch):
    out = tmp_path / "deploy"
    (out / "mnt").mkdir(parents=True)
    (out / "mnt" / "data.bin").write_bytes(b"on another file system")
    real_stat = os.stat

    def stat_with_mount(path, *args, **kwargs):  # `mnt` reports another device, as a mount point does
        info = real_stat(path, *args, **kwargs)
        if path == "mnt":
            fields = list(info)
            fields[stat.ST_DEV] += 1
            return os.stat_result(fields)
        return info

    monkeypatch.setattr(os, "stat", stat_with_mount)
    before = snapshot(out)
    result = _render(run_cli, tiny_spec(tmp_path), "-o", str(out), "--force")
    assert result.exit_code == 2
    assert f"{out}/mnt: error: is a mount point" in result.output
    assert snapshot(out) == before


def test_a_hand_written_file_where_a_new_render_writes_is_a_conflict(run_cli, tmp_path):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    two_envs = tmp_path / "two.yaml"
    two_envs.write_text(spec.read_text().replace(
        "environments:\n", "environments:\n  - name: prod\n    cluster: main\n").replace(
        "      dev: {cpu: 2, memory: 8Gi}", "      dev: {cpu: 2, memory: 8Gi}\n      prod: {cpu: 2, memory: 8Gi}"))
    mine = out / "teams/ds/overlays/prod/namespace.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# mine\n")
    before = snapshot(out)
    refused = _render(run_cli, two_envs, "-o", str(out))
    assert refused.exit_code == 2
    assert f"{mine}: error: exists and was not written by mlopsgen" in refused.output and "--force" in refused.output
    assert snapshot(out) == before
    assert _render(run_cli, two_envs, "-o", str(out), "--force").exit_code == 0
    assert mine.read_text() != "# mine\n"


def test_folder_modes_and_owners_are_kept(run_cli, tmp_path):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    modes = {out: 0o750, out / "teams": 0o700, out / "teams/ds/overlays/dev": 0o555}
    for path, mode in modes.items():
        path.chmod(mode)
    owned = os.geteuid() == 0
    if owned:
        os.chown(out / "argocd", 4242, 4343)
    try:
        assert _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out)).exit_code == 0
        assert {path: stat.S_IMODE(path.stat().st_mode) for path in modes} == modes
        assert b'"3"' in (out / "teams/ds/overlays/dev/resourcequota.yaml").read_bytes()
        if owned:
            assert ((out / "argocd").stat().st_uid, (out / "argocd").stat().st_gid) == (4242, 4343)
    finally:
        (out / "teams/ds/overlays/dev").chmod(0o755)


def test_leftovers_of_killed_renders_are_removed_and_never_linted(run_cli, tmp_path):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    leftover = tmp_path / ".deploy.mlopsgen-staging-0badc0ffee00"
    (leftover / "teams").mkdir(parents=True)
    (leftover / "teams" / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {clusterIP: 10.0.0.7}\n")
    (leftover / "escape").symlink_to(tmp_path / "deploy")
    linted = run_cli("lint", str(tmp_path), "--format", "json")
    assert "svc.yaml" not in linted.output and "10.0.0.7" not in linted.output
    assert _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out)).exit_code == 0
    assert sorted(os.listdir(tmp_path)) == ["deploy", "platform.yaml"]
    assert (out / MARKER).is_file()


def test_a_tree_left_under_its_previous_name_comes_back(run_cli, tmp_path):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    (out / "NOTES.md").write_text("mine\n")
    out.rename(tmp_path / ".deploy.mlopsgen-previous-0123456789ab")  # a two-rename swap killed halfway
    assert _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out)).exit_code == 0
    assert (out / "NOTES.md").read_text() == "mine\n"
    assert sorted(os.listdir(tmp_path)) == ["deploy", "platform.yaml"]


def test_a_render_waits_for_the_lock_and_gives_up_cleanly(run_cli, tmp_path, monkeypatch):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    before = snapshot(out)
    monkeypatch.setattr(fs, "LOCK_TIMEOUT", 0.2)
    parent = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    held = fs.lock(parent, ".deploy.mlopsgen.lock", str(tmp_path))  # another render, as far as flock can tell
    try:
        result = _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out))
    finally:
        os.close(held)
        os.close(parent)
    assert result.exit_code == 2 and "another render has been writing here" in result.output
    assert snapshot(out) == before


def test_an_unreadable_folder_in_the_tree_is_an_error(run_cli, tmp_path, monkeypatch):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    _render(run_cli, spec, "-o", str(out))
    (out / "private").mkdir()
    real_listdir = os.listdir
    private_ino = (out / "private").stat().st_ino

    def listdir(path=None):  # as for a folder of mode 000 (root reads those anyway)
        if isinstance(path, int) and os.fstat(path).st_ino == private_ino:
            raise PermissionError(13, "Permission denied")
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", listdir)
    before = snapshot(out)
    result = _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out))
    assert result.exit_code == 2
    assert f"{out}/private: error: cannot read folder: Permission denied" in result.output
    assert snapshot(out) == before


def test_a_folder_two_thousand_levels_deep_in_the_tree_is_refused_and_nothing_is_written(run_cli, tmp_path, request):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    assert _render(run_cli, spec, "-o", str(out)).exit_code == 0
    nest(out / "teams", 2000, "x.yaml", b"kind: ConfigMap\n")
    request.addfinalizer(lambda: unnest(out / "teams"))
    marker = (out / MARKER).read_bytes()
    result = _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out))
    assert result.exit_code == 2, result.output[-3000:]
    assert "error: folders nested deeper than 64 levels" in result.output and "Traceback" not in result.output
    assert (out / MARKER).read_bytes() == marker
    assert sorted(os.listdir(tmp_path)) == ["deploy", "platform.yaml"]


def test_a_leftover_of_any_depth_is_removed(run_cli, tmp_path):
    spec, out = tiny_spec(tmp_path), tmp_path / "deploy"
    assert _render(run_cli, spec, "-o", str(out)).exit_code == 0
    leftover = tmp_path / ".deploy.mlopsgen-staging-0badc0ffee00"
    leftover.mkdir()
    nest(leftover, 2000, "x.yaml", b"kind: ConfigMap\n")
    result = _render(run_cli, tiny_spec(tmp_path, cpu=3), "-o", str(out))
    assert result.exit_code == 0, result.output[-3000:]
    assert sorted(os.listdir(tmp_path)) == ["deploy", "platform.yaml"]
