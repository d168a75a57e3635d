"""lint under attack, as a pull request could mount it in CI: remote fetches, patterns, depth, leftovers.

Each attack ends in a finding or a located problem: never a fetch from the network the user did not
allow, never a hang, never a file deployed and not linted, never a traceback.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.support.deep import nest, unnest

HOST_POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: ml}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: r/i:1.0}]\n"


class _Served(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = HOST_POD.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    _Served.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Served)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Served.requests
    httpd.shutdown()


def _lint_json(run_cli, monkeypatch, directory: Path, *args: str) -> tuple[int, dict]:
    monkeypatch.chdir(directory)
    result = run_cli("lint", "--format", "json", *args)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("entry", ["{url}/pod.yaml", "github.com/acme/manifests//base?ref=v1.0",
                                   "https://github.com/acme/manifests.git//base?ref=main"])
def test_a_kustomization_that_needs_the_network_is_a_finding_and_fetches_nothing(run_cli, monkeypatch, tmp_path,
                                                                                   kubectl, server, entry):
    url, requests = server
    (tmp_path / "app").mkdir()
    (tmp_path / "app/kustomization.yaml").write_text(f"resources:\n  - ok.yaml\n  - {entry.format(url=url)}\n")
    (tmp_path / "app/ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    code, report = _lint_json(run_cli, monkeypatch, tmp_path, "--kustomize", ".")
    assert code == 1
    found = [f for f in report["findings"] if f["rule"] == "parse-error"]
    assert [(f["file"], f["line"], f["column"]) for f in found] == [("app/kustomization.yaml", 3, 5)]
    assert "kustomize would fetch it over the network" in found[0]["message"] and "--allow-remote" in found[0]["hint"]
    assert requests == []


def test_allow_remote_lets_kustomize_fetch(run_cli, monkeypatch, tmp_path, kubectl, server):
    url, requests = server
    (tmp_path / "app").mkdir()
    (tmp_path / "app/kustomization.yaml").write_text(f"resources:\n  - {url}/pod.yaml\n")
    code, report = _lint_json(run_cli, monkeypatch, tmp_path, "--kustomize", "--allow-remote", ".")
    assert code == 1, report
    assert requests == ["/pod.yaml"]
    assert "host-network" in {f["rule"] for f in report["findings"]}


def test_a_remote_base_of_a_local_base_is_found_too(run_cli, monkeypatch, tmp_path, kubectl, server):
    url, requests = server
    (tmp_path / "base").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "base/kustomization.yaml").write_text(f"resources: ['{url}/pod.yaml']\n")
    (tmp_path / "app/kustomization.yaml").write_text("resources: [../base]\n")
    code, report = _lint_json(run_cli, monkeypatch, tmp_path / "app", "--kustomize", ".")
    assert code == 1, report
    assert [f["file"] for f in report["findings"] if f["rule"] == "parse-error"] == ["../base/kustomization.yaml"]
    assert requests == []


def _exclude(pattern: str, name: str, queue) -> None:
    from mlopsgen.lint.config import compiled

    queue.put(compiled((pattern,)).match_file(name))


@pytest.mark.parametrize("pattern", ["*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "**/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c"])
def test_wildcard_patterns_match_in_linear_time(pattern):
    name = "a" * 5000 + ".yaml"
    queue: multiprocessing.Queue = multiprocessing.Queue()
    worker = multiprocessing.Process(target=_exclude, args=(pattern, name, queue))
    worker.start()
    worker.join(timeout=20)  # a backtracking matcher takes longer than the universe's age here
    alive = worker.is_alive()
    worker.kill()
    assert not alive, "matching backtracked"
    assert queue.get(timeout=5) is False


def test_a_gitignore_of_wildcards_does_not_stall_lint(run_cli, monkeypatch, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n")
    (tmp_path / ("a" * 200 + ".yaml")).write_text(HOST_POD)
    code, report = _lint_json(run_cli, monkeypatch, tmp_path, ".")
    assert code == 1, report
    assert "host-network" in {f["rule"] for f in report["findings"]}


def test_a_folder_two_thousand_levels_deep_is_a_problem_not_a_crash(run_cli, monkeypatch, tmp_path, request):
    (tmp_path / "pod.yaml").write_text(HOST_POD)
    nest(tmp_path, 2000, "deep.yaml", HOST_POD.encode())
    request.addfinalizer(lambda: unnest(tmp_path))
    code, report = _lint_json(run_cli, monkeypatch, tmp_path, ".")
    assert code == 1, report
    rules = [(f["rule"], f["file"].count("/")) for f in report["findings"]]
    assert ("host-network", 0) in rules
    deep = [f for f in report["findings"] if f["rule"] == "parse-error"]
    assert len(deep) == 1 and "folders nested deeper than" in deep[0]["message"]


def test_manifests_in_a_leftover_named_folder_are_linted(run_cli, monkeypatch, tmp_path):
    """A folder named like a render's staging folder, with no render beside it, is content like any other."""
    hidden = tmp_path / ".deploy.mlopsgen-staging-0123456789ab"
    hidden.mkdir()
    (hidden / "pod.yaml").write_text(HOST_POD)
    (tmp_path / "kustomization.yaml").write_text(f"resources: [{hidden.name}/pod.yaml]\n")
    code, report = _lint_json(run_cli, monkeypatch, tmp_path, ".")
    assert code == 1, report
    assert [f["file"] for f in report["findings"] if f["rule"] == "host-network"] == [f"{hidden.name}/pod.yaml"]


def test_a_leftover_committed_beside_a_rendered_tree_is_linted(run_cli, monkeypatch, tmp_path):
    """Beside a real tree, a leftover that Git tracks was committed, not left by a render."""
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/.mlopsgen.json").write_text('{"files": []}\n')
    hidden = tmp_path / ".deploy.mlopsgen-previous-0123456789ab"
    hidden.mkdir()
    (hidden / "pod.yaml").write_text(HOST_POD)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    code, report = _lint_json(run_cli, monkeypatch, tmp_path, ".")
    assert code == 1, report
    assert [f["file"] for f in report["findings"] if f["rule"] == "host-network"] == [f"{hidden.name}/pod.yaml"]


def test_a_leftover_a_render_left_is_skipped(run_cli, monkeypatch, tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/.mlopsgen.json").write_text('{"files": []}\n')
    (tmp_path / "deploy/ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    hidden = tmp_path / ".deploy.mlopsgen-staging-0123456789ab"
    hidden.mkdir()
    (hidden / "pod.yaml").write_text(HOST_POD)
    code, report = _lint_json(run_cli, monkeypatch, tmp_path, ".")
    assert code == 0, report
    assert report["findings"] == [] and report["summary"]["files"] == 1
