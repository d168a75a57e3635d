"""verify under attack, as a pull request could mount it in CI: revisions, links, special files, depth.

Each attack ends in a located problem and exit 2 (or, where the tree is fine, a normal verdict):
never a file written or read outside the tree, never a hang, never a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require
from tests.support.deep import nest, unnest

POLICIES = "teams/fraud/overlays/prod/networkpolicies.yaml"
KUSTOMIZATION = "teams/fraud/overlays/prod/kustomization.yaml"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


@pytest.fixture
def committed(quickstart):
    require(shutil.which("git") is not None, "git is not on PATH")
    spec, tree = quickstart
    _git(spec.parent, "init", "-q")
    _git(spec.parent, "add", ".")
    _git(spec.parent, "commit", "-qm", "tree")
    return spec, tree


@pytest.mark.parametrize("revision", ["--output=pwned.tar", "-opwned.tar", "--remote=https://example.invalid/x.git",
                                      "--exec=touch pwned", "-"])
def test_a_revision_that_looks_like_an_option_is_refused(run_cli, committed, revision):
    spec, tree = committed
    before = sorted(p.name for p in spec.parent.iterdir())
    result = run_cli("verify", str(spec), str(tree), "--diff", revision)
    assert result.exit_code == 2, result.output
    assert "not a revision (it starts like an option)" in result.output
    assert sorted(p.name for p in spec.parent.iterdir()) == before and not Path("pwned.tar").exists()


def test_a_revision_holding_a_link_out_of_the_tree_is_reported_where_it_is_read(run_cli, committed):
    spec, tree = committed
    target = tree / POLICIES
    target.unlink()
    target.symlink_to("/etc/passwd")
    _git(spec.parent, "add", "-A")
    _git(spec.parent, "commit", "-qm", "link")
    shutil.rmtree(tree)
    subprocess.run(["git", "-C", str(spec.parent), "checkout", "-q", "HEAD~1", "--", "."], check=True)
    result = run_cli("verify", str(spec), str(tree), "--diff", "HEAD")
    assert result.exit_code == 2, result.output
    assert "networkpolicies.yaml: error: not read: a symbolic link in HEAD" in result.output
    assert "Traceback" not in result.output


def test_a_revision_is_read_from_git_objects_without_its_attributes(run_cli, committed):
    spec, tree = committed
    (spec.parent / ".gitattributes").write_text("*.yaml export-ignore\n")
    _git(spec.parent, "add", "-A")
    _git(spec.parent, "commit", "-qm", "attributes")
    result = run_cli("verify", str(spec), str(tree), "--diff", "HEAD")
    assert result.exit_code == 0, result.output
    assert result.output == "connectivity unchanged\n"


def test_a_patch_path_leaving_the_tree_is_refused(run_cli, quickstart, tmp_path):
    spec, tree = quickstart
    (tmp_path / "outside.yaml").write_text("- {op: add, path: /metadata/labels/x, value: y}\n")
    kustomization = tree / KUSTOMIZATION
    text = kustomization.read_text()
    kustomization.write_text(text + "patches:\n  - target: {kind: Namespace}\n    path: ../../../../../../outside.yaml\n"
                             if "patches:" not in text else text.replace(
                                 "patches:\n", "patches:\n  - target: {kind: Namespace}\n    path: ../../../../../../outside.yaml\n", 1))
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 2, result.output
    assert "patches[0] path '../../../../../../outside.yaml' leaves the tree" in result.output


def test_an_absolute_resource_is_refused(run_cli, quickstart):
    spec, tree = quickstart
    kustomization = tree / KUSTOMIZATION
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - /etc/hostname\n", 1))
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 2 and "resource '/etc/hostname' leaves the tree" in result.output


@pytest.mark.parametrize("target", ["/etc/hostname", "/dev/zero"])
def test_a_linked_resource_is_never_followed(run_cli, quickstart, target):
    spec, tree = quickstart
    path = tree / POLICIES
    path.unlink()
    path.symlink_to(target)
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 2, result.output
    assert "networkpolicies.yaml: error: is a symbolic link" in result.output


def test_a_linked_folder_is_never_entered(run_cli, quickstart, tmp_path):
    spec, tree = quickstart
    overlay = tree / "teams/fraud/overlays/prod"
    shutil.move(overlay, tmp_path / "elsewhere")
    overlay.symlink_to(tmp_path / "elsewhere")
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 1, result.output
    assert "Application fraud-prod points at deploy/teams/fraud/overlays/prod, which is not in the tree" in result.output


def test_a_fifo_in_the_tree_never_blocks(run_cli, quickstart):
    spec, tree = quickstart
    path = tree / POLICIES
    path.unlink()
    os.mkfifo(path)
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 2 and "is a FIFO (named pipe), not a regular file" in result.output


def test_an_oversized_file_is_refused_before_it_is_read(run_cli, quickstart):
    spec, tree = quickstart
    path = tree / POLICIES
    with path.open("ab") as stream:
        stream.truncate(64 * 1024 * 1024)
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 2 and "the limit is" in result.output


def test_an_alias_bomb_in_the_tree_is_refused(run_cli, quickstart):
    spec, tree = quickstart
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
    (tree / POLICIES).write_text(bomb)
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 2 and "aliases expand the file" in result.output


def test_a_deep_folder_in_the_tree_is_refused_without_recursion(run_cli, quickstart, request):
    spec, tree = quickstart
    nest(tree / "argocd", 2000, "app.yaml", b"kind: ConfigMap\n")
    request.addfinalizer(lambda: unnest(tree / "argocd"))
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 2, result.output[-2000:]
    assert "folders nested deeper than 64 levels" in result.output


def test_an_upstream_crd_that_lint_reads_verify_reads_too(quickstart):
    """YAML 1.1's value tag (`=` unquoted, as CRDs write it in enums) is a string for both."""
    from mlopsgen.verify.tree import TreeReader

    _, tree = quickstart
    (tree / "crd.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ops}\ndata:\n  ops: [=, '!=']\n")
    assert TreeReader(tree).objects("crd.yaml")[0].data["data"]["ops"] == ["=", "!="]


def test_a_tree_rendered_from_another_spec_is_reported_stale_first(run_cli, quickstart):
    spec, tree = quickstart
    spec.write_text(spec.read_text().replace("cpu: 16", "cpu: 17", 1))
    result = run_cli("verify", str(spec), str(tree))
    assert result.exit_code == 1
    first, _, hint = result.output.splitlines()[:3]
    assert first.endswith("error: the tree is stale: the spec changed since the tree was rendered, so what follows is about the old tree [bootstrap]")
    assert hint == "  hint: run `mlopsgen render` on the spec, then verify again"
    comment_only = spec.read_text().replace("cpu: 17", "cpu: 16", 1) + "# reviewed\n"
    spec.write_text(comment_only)
    assert run_cli("verify", str(spec), str(tree)).exit_code == 0  # what the spec means is unchanged
