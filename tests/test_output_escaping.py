"""Hostile names in every output format of lint and verify: each stays text, on its line, in its place.

A name from a pull request may hold ESC (terminal colours and cursor moves), CR and LF (a CI log line
that GitHub Actions runs as a workflow command), bidi overrides, backtick fences, HTML and mentions (a
PR comment), or bytes that are not UTF-8 (a SARIF upload). Each format is read back as its consumer
reads it: JSON and SARIF parsed, Markdown rendered by a CommonMark implementation, logs split at LF.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
import yaml

from tests.verify.conftest import copy_example

HOSTILE = "pwn\x1b[31m\r\n::error::injected\u202e ``` `x` <img src=x onerror=alert(1)> @org/team #1 |x|"
FILE = "np\x1b[31m\r\n::error::x\u202e```<img src=x>@org-team|.yaml"
RAW = ("\x1b", "\r", "\u202e", "\u2028", "\x85")
STATIC_IP = "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {clusterIP: 10.0.0.7}\n"


def _no_raw_controls(text: str) -> None:
    assert not [c for c in RAW if c in text], [c for c in RAW if c in text]


def _no_injected_commands(text: str, allowed: tuple[str, ...] = ()) -> None:
    """No line of a log starts a workflow command the tool did not write."""
    for line in text.split("\n"):
        if line.startswith("::"):
            assert line.startswith(allowed), line


def _markdown_is_inert(text: str) -> None:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(text)
    outside = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert "<img" not in outside and "@org" not in outside and "onerror" not in outside, outside


# --- lint -----------------------------------------------------------------------------------------

@pytest.fixture
def hostile_lint(tmp_path) -> Path:
    (tmp_path / FILE).write_text(STATIC_IP)
    (tmp_path / os.fsdecode(b"bad-\xff\xfe-name.yaml")).write_text(STATIC_IP)
    return tmp_path


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_lint_formats_keep_hostile_file_names_in_place(run_cli, hostile_lint, monkeypatch, output_format):
    monkeypatch.chdir(hostile_lint)
    result = run_cli("lint", "--format", output_format, ".")
    assert result.exit_code == 1, result.output
    out = result.stdout
    _no_raw_controls(out)
    _no_injected_commands(out, ("::error file=", "::warning file=", "::notice file="))
    if output_format in ("json", "sarif"):
        assert out.isascii()
        json.loads(out)
    if output_format == "text":
        assert len([line for line in out.split("\n") if ": error:" in line]) == 2


def test_sarif_names_a_file_that_is_not_utf8_by_its_bytes(run_cli, hostile_lint, monkeypatch):
    monkeypatch.chdir(hostile_lint)
    result = run_cli("lint", "--format", "sarif", ".")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(result.stdout)["runs"][0]["results"]}
    assert {unquote_to_bytes(u) for u in uris} == {b"bad-\xff\xfe-name.yaml", os.fsencode(FILE)}
    assert all(re.fullmatch(r"[A-Za-z0-9_.~/%-]+", u) for u in uris)


# --- verify ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory) -> tuple[Path, Path]:
    """The quickstart, in a folder whose name is not UTF-8, with an allow-all policy of a hostile name
    in a file of a hostile name: verify reports it in every format."""
    base = tmp_path_factory.mktemp("escaping") / os.fsdecode(b"repo-\xff")
    spec, tree = copy_example("quickstart", base)
    overlay = tree / "teams/fraud/overlays/prod"
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": HOSTILE},
              "spec": {"podSelector": {}, "ingress": [{}], "policyTypes": ["Ingress"]}}
    (overlay / FILE).write_text(yaml.safe_dump(policy))
    kustomization = overlay / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", f"resources:\n  - {json.dumps(FILE)}\n", 1))
    return spec, tree


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "markdown", "mermaid", "dot"])
def test_verify_formats_keep_hostile_names_in_place(run_cli, hostile_tree, output_format):
    spec, tree = hostile_tree
    result = run_cli("verify", str(spec), str(tree), "--format", output_format)
    assert result.exit_code in (0, 1), result.output
    out = result.stdout
    _no_raw_controls(out)
    _no_injected_commands(out, ("::error file=", "::warning file="))
    if output_format in ("json", "sarif"):
        json.loads(out)
    if output_format in ("text", "json", "sarif", "github", "markdown"):
        assert result.exit_code == 1 and "injected" in out  # the finding that names the policy is there
    if output_format == "github":  # annotations up to GitHub's limit, then escaped log lines after one that says so
        lines = out.splitlines()
        cut = next((i for i, line in enumerate(lines) if line.startswith("mlopsgen: ")), len(lines))
        assert lines[:cut] and all(line.startswith(("::error file=", "::warning file=")) for line in lines[:cut])
    if output_format == "markdown":
        _markdown_is_inert(out)
    if output_format == "sarif":
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(out)["runs"][0]["results"]]
        assert any(b"repo-\xff" in unquote_to_bytes(u) for u in uris) and all(u.isascii() for u in uris)


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_verify_diff_keeps_hostile_names_in_place(run_cli, hostile_tree, tmp_path, output_format):
    spec, tree = hostile_tree
    _, clean = copy_example("quickstart", tmp_path / "clean")
    result = run_cli("verify", str(spec), str(tree), "--diff", str(clean), "--format", output_format)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "changed" in out
    _no_raw_controls(out)
    _no_injected_commands(out)
    if output_format == "markdown":
        _markdown_is_inert(out)


def test_verify_explain_keeps_hostile_names_in_place(run_cli, hostile_tree):
    spec, tree = hostile_tree
    result = run_cli("verify", str(spec), str(tree), "--explain", "mlflow", "fraud-prod/fraud-detector:8080")
    assert "injected" in result.output
    _no_raw_controls(result.output)
    _no_injected_commands(result.output)


def test_a_backtick_run_never_closes_a_code_span():
    from mlopsgen.escape import markdown_code, markdown_fence

    assert markdown_code("a``b") == "```a``b```"
    assert markdown_code("`x`") == "`` `x` ``"
    assert markdown_fence(["````"]) == "`````"
    assert markdown_code("a|b", in_table=True) == "`a\\|b`"

