"""`mlopsgen render`: deterministic output, --check/--diff/--dry-run, and a writer that loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlopsgen.catalog.conventions import MARKER
from mlopsgen.write import fs, safe_relative
from tests.conftest import ROOT
from tests.support.specs import Spec

QUICKSTART = ROOT / "examples" / "quickstart" / "platform.yaml"
MULTICLOUD = ROOT / "examples" / "multicloud" / "platform.yaml"


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_render_is_byte_identical_twice_and_from_another_directory(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for out, cwd in ((first, ROOT), (second, elsewhere)):
        spec = os.path.relpath(MULTICLOUD, cwd)
        result = subprocess.run([sys.executable, "-m", "mlopsgen", "render", spec, "-o", str(out)], cwd=cwd,
                                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 0, result.stderr
    assert _tree(first) == _tree(second)
    assert len(_tree(first)) > 50


def test_check_passes_after_render_and_fails_after_hand_edits(run_cli, tmp_path):
    out = tmp_path / "deploy"
    assert run_cli("render", str(QUICKSTART), "-o", str(out)).exit_code == 0
    ok = run_cli("render", str(QUICKSTART), "-o", str(out), "--check")
    assert ok.exit_code == 0, ok.output

    edited = out / "teams/fraud/overlays/prod/resourcequota.yaml"
    edited.write_text(edited.read_text().replace('"32"', '"64"'))
    deleted = out / "teams/recsys/base/rbac.yaml"
    deleted.unlink()
    stale = run_cli("render", str(QUICKSTART), "-o", str(out), "--check")
    assert stale.exit_code == 1
    assert f"{edited}: stale" in stale.output
    assert f"{deleted}: missing" in stale.output


def test_check_reports_files_that_would_be_pruned(run_cli, tmp_path):
    out = tmp_path / "deploy"
    run_cli("render", str(QUICKSTART), "-o", str(out))
    spec = Spec.example("quickstart").remove("teams/recsys/quotas/dev").write(tmp_path)
    result = run_cli("render", str(spec), "-o", str(out), "--check")
    assert result.exit_code == 1
    assert f"{out / 'teams/recsys/overlays/dev/namespace.yaml'}: extra" in result.output


def test_diff_and_dry_run_write_nothing(run_cli, tmp_path):
    out = tmp_path / "deploy"
    run_cli("render", str(QUICKSTART), "-o", str(out))
    before = _tree(out)
    spec = Spec.example("quickstart").set("teams/fraud/quotas/dev/cpu", 20).write(tmp_path)
    diff = run_cli("render", str(spec), "-o", str(out), "--diff")
    assert diff.exit_code == 0
    assert '-    requests.cpu: "16"' in diff.output and '+    requests.cpu: "20"' in diff.output
    dry = run_cli("render", str(spec), "-o", str(out), "--dry-run")
    assert dry.exit_code == 0 and "would write 2 (new 0, changed 2)" in dry.output
    assert _tree(out) == before


def test_rerender_skips_identical_files(run_cli, tmp_path):
    out = tmp_path / "deploy"
    run_cli("render", str(QUICKSTART), "-o", str(out))
    quota = out / "teams/fraud/overlays/prod/resourcequota.yaml"
    inode, mtime = quota.stat().st_ino, quota.stat().st_mtime_ns
    result = run_cli("render", str(QUICKSTART), "-o", str(out))
    assert "wrote 0 (new 0, changed 0)" in result.output
    assert (quota.stat().st_ino, quota.stat().st_mtime_ns) == (inode, mtime)


def test_prunes_only_files_it_wrote(run_cli, tmp_path):
    out = tmp_path / "deploy"
    run_cli("render", str(QUICKSTART), "-o", str(out))
    overlay = [p for p in (out / "teams/recsys/overlays/dev").rglob("*") if p.is_file()]
    mine = out / "teams" / "NOTES.md"
    mine.write_text("hand-written\n")
    spec = Spec.example("quickstart").remove("teams/recsys/quotas/dev").write(tmp_path)
    result = run_cli("render", str(spec), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert not (out / "teams/recsys/overlays/dev").exists()
    assert mine.read_text() == "hand-written\n"
    assert f"removed {len(overlay) + 1}" in result.output  # the overlay's files and its Application


def test_refuses_unmanaged_non_empty_directory_without_force(run_cli, tmp_path):
    out = tmp_path / "deploy"
    out.mkdir()
    (out / "app.yaml").write_text("kind: Something\n")
    refused = run_cli("render", str(QUICKSTART), "-o", str(out))
    assert refused.exit_code == 2
    assert "not written by mlopsgen" in refused.output and "--force" in refused.output
    assert _tree(out) == {"app.yaml": b"kind: Something\n"}
    forced = run_cli("render", str(QUICKSTART), "-o", str(out), "--force")
    assert forced.exit_code == 0
    assert (out / "app.yaml").read_text() == "kind: Something\n"
    assert (out / MARKER).is_file()


def test_invalid_spec_writes_nothing_and_keeps_the_tree(run_cli, tmp_path):
    out = tmp_path / "deploy"
    run_cli("render", str(QUICKSTART), "-o", str(out))
    before = _tree(out)
    bad = Spec.example("quickstart").set("clusters/main/role", "everything").write(tmp_path)
    result = run_cli("render", str(bad), "-o", str(out))
    assert result.exit_code == 2
    assert "is not a valid role" in result.output
    assert _tree(out) == before


def test_failure_in_the_middle_of_writing_leaves_the_previous_tree(run_cli, tmp_path, monkeypatch):
    out = tmp_path / "deploy"
    run_cli("render", str(QUICKSTART), "-o", str(out))
    before = _tree(out)
    spec = Spec.example("quickstart").set("gpuPools/a10/nodes", 3).set("teams/fraud/quotas/dev/cpu", 17).write(tmp_path)
    calls = {"n": 0}
    real_write = fs.write_file

    def failing_write(dir_fd, name, data, mode=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_write(dir_fd, name, data, mode)

    monkeypatch.setattr(fs, "write_file", failing_write)
    result = run_cli("render", str(spec), "-o", str(out))
    assert result.exit_code == 2
    assert "cannot write: No space left on device" in result.output and "Traceback" not in result.output
    assert calls["n"] == 2
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deploy", "platform.yaml"]  # no staging left behind


@pytest.mark.parametrize("path", ["../escape.yaml", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\..\\b", ""])
def test_paths_that_escape_the_output_are_refused(path):
    with pytest.raises(ValueError):
        safe_relative(path)


def test_names_that_would_escape_are_rejected_by_validation(run_cli, tmp_path):
    spec = Spec.example("quickstart").set("teams/fraud/name", "../../etc").write(tmp_path)
    result = run_cli("render", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "'../../etc' is not a valid name" in result.output
    assert not (tmp_path / "out").exists()


def test_marker_records_source_and_version_without_timestamp(run_cli, tmp_path):
    import hashlib
    import json

    from mlopsgen import __version__

    out = tmp_path / "deploy"
    run_cli("render", str(QUICKSTART), "-o", str(out))
    marker = json.loads((out / MARKER).read_text())
    assert marker["version"] == __version__
    data = yaml.safe_load(QUICKSTART.read_text())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert marker["spec_data_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert set(marker) == {"generator", "version", "spec_data_sha256", "files"}
    assert sorted(marker["files"]) == sorted(k for k in _tree(out) if k != MARKER)


def test_a_comment_only_edit_leaves_the_tree_fresh(run_cli, tmp_path):
    spec = tmp_path / "platform.yaml"
    spec.write_text(QUICKSTART.read_text())
    assert run_cli("render", str(spec)).exit_code == 0
    spec.write_text("# reviewed by the platform team\n" + QUICKSTART.read_text().replace("\n", "  # note\n", 3))
    assert run_cli("render", str(spec), "--check").exit_code == 0
    assert "stale-render" not in run_cli("lint", str(spec), "--format", "json").stdout
    spec.write_text(QUICKSTART.read_text().replace("cpu: 16", "cpu: 17", 1))
    assert run_cli("render", str(spec), "--check").exit_code == 1


def test_default_output_is_the_specs_gitops_path(run_cli, tmp_path):
    spec = tmp_path / "platform.yaml"
    spec.write_text(QUICKSTART.read_text())
    assert run_cli("render", str(spec)).exit_code == 0
    assert (tmp_path / "deploy" / MARKER).is_file()


def test_render_says_which_pods_policies_cannot_isolate(run_cli, tmp_path):
    result = run_cli("render", str(MULTICLOUD), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert "note: training in 'train' uses host networking" in result.output
    assert "NetworkPolicies do not apply to those pods" in result.output
    quiet = run_cli("render", str(QUICKSTART), "-o", str(tmp_path / "qs"))
    assert "host networking" not in quiet.output


def _changed_quickstart(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "deploy"
    subprocess.run([sys.executable, "-m", "mlopsgen", "render", str(QUICKSTART), "-o", str(out)], check=True,
                   capture_output=True)
    spec = tmp_path / "platform.yaml"
    spec.write_text(QUICKSTART.read_text().replace("dev: {cpu: 16, memory: 64Gi, gpu: 2}",
                                                   "dev: {cpu: 20, memory: 64Gi, gpu: 2}"))
    return spec, out


def test_diff_exit_code_is_1_with_changes_and_0_without(run_cli, tmp_path):
    spec, out = _changed_quickstart(tmp_path)
    changed = run_cli("render", str(spec), "-o", str(out), "--diff", "--exit-code")
    assert changed.exit_code == 1 and '+    requests.cpu: "20"' in changed.stdout
    same = run_cli("render", str(QUICKSTART), "-o", str(out), "--diff", "--exit-code")
    assert same.exit_code == 0 and same.stdout == ""
    assert run_cli("render", str(spec), "-o", str(out), "--dry-run", "--exit-code").exit_code == 1


def test_exit_code_alone_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("render", str(QUICKSTART), "-o", str(tmp_path / "deploy"), "--exit-code")
    assert result.exit_code == 2 and "--exit-code: error: only means something with --diff or --dry-run" in result.stderr
    assert not (tmp_path / "deploy").exists()


def test_dry_run_lists_every_file_off_a_terminal(tmp_path):
    spec, out = _changed_quickstart(tmp_path)
    # A real process with stdout and stderr on pipes, as in CI.
    result = subprocess.run([sys.executable, "-m", "mlopsgen", "render", str(spec), "-o", str(out), "--dry-run"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["update  .mlopsgen.json", "update  teams/fraud/overlays/dev/resourcequota.yaml"]
    fresh = subprocess.run([sys.executable, "-m", "mlopsgen", "render", str(QUICKSTART), "-o", str(tmp_path / "new"),
                            "--dry-run"], capture_output=True, text=True)
    listed = fresh.stdout.splitlines()
    assert len(listed) == len(writer_files(QUICKSTART)) and all(line.startswith("create  ") for line in listed)
    assert listed == sorted(listed)
    assert not (tmp_path / "new").exists()


def writer_files(spec: Path) -> dict[str, str]:
    from mlopsgen.render import render_spec

    return render_spec(spec).files


def test_check_in_github_format_annotates_each_stale_file(run_cli, tmp_path):
    spec, out = _changed_quickstart(tmp_path)
    result = run_cli("render", str(spec), "-o", str(out), "--check", "--format", "github")
    assert result.exit_code == 1
    stale = (out / "teams/fraud/overlays/dev/resourcequota.yaml").as_posix()
    assert (f"::error file={stale},title=mlopsgen render --check::stale: not what `mlopsgen render` would write; "
            "run it and commit the result") in result.stdout.splitlines()
    assert all(line.startswith("::error file=") for line in result.stdout.splitlines())


def test_check_reads_github_actions_from_the_environment(run_cli, tmp_path, monkeypatch):
    spec, out = _changed_quickstart(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run_cli("render", str(spec), "-o", str(out), "--check").stdout.startswith("::error file=")
    assert run_cli("render", str(spec), "-o", str(out), "--check", "--format", "text").stdout == ""
