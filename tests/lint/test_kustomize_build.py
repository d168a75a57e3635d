"""`lint --kustomize`: each Kustomize root linted as kubectl builds it, findings at the source."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import ROOT

BASE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: trainer
spec:
  selector:
    matchLabels: {app: trainer}
  template:
    metadata:
      labels: {app: trainer}
    spec:
      containers:
        - name: trainer
          image: ghcr.io/acme/trainer:1.4.2
"""
DENY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "default-deny"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}


def _write(directory: Path, files: dict[str, object]) -> None:
    for rel, content in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))


def _repository(directory: Path) -> None:
    """A base, a dev overlay whose patch moves the image to :latest, a prod overlay that renames and denies."""
    _write(directory, {
        "base/deployment.yaml": BASE_DEPLOYMENT,
        "base/kustomization.yaml": {"resources": ["deployment.yaml"]},
        "overlays/dev/kustomization.yaml": {"namespace": "ml-dev", "resources": ["../../base"],
                                            "patches": [{"path": "image.yaml"}]},
        "overlays/dev/image.yaml": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "trainer"},
                                    "spec": {"template": {"spec": {"containers": [
                                        {"name": "trainer", "image": "ghcr.io/acme/trainer:latest"}]}}}},
        "overlays/prod/kustomization.yaml": {"namespace": "ml-prod", "namePrefix": "prod-",
                                             "resources": ["../../base", "deny.yaml"]},
        "overlays/prod/deny.yaml": DENY,
    })


def _lint(run_cli, monkeypatch, directory: Path, *flags: str) -> tuple[int, dict]:
    monkeypatch.chdir(directory)
    result = run_cli("lint", "--format", "json", *flags, ".")
    return result.exit_code, json.loads(result.stdout)


def _found(report: dict) -> list[str]:
    return [f"{f['file']}:{f['line']}:{f['column']} {f['rule']}: {f['message']}" for f in report["findings"]]


def test_a_patch_is_linted_as_it_applies_and_reported_at_the_source(run_cli, monkeypatch, tmp_path, kubectl):
    _repository(tmp_path)
    _, plain = _lint(run_cli, monkeypatch, tmp_path)
    assert [f for f in _found(plain) if "latest-tag" in f] == [  # the patch's text, not what it does
        "overlays/dev/image.yaml:10:16 latest-tag: image 'ghcr.io/acme/trainer:latest' is tagged latest"]
    code, built = _lint(run_cli, monkeypatch, tmp_path, "--kustomize")
    found = _found(built)
    # dev's build runs :latest: reported at the base's image line, where the built object comes from
    assert [f for f in found if "latest-tag" in f] and all(f.startswith("base/deployment.yaml:14:") for f in found if "latest-tag" in f)
    # only dev lacks a default deny; prod's renamed object still finds its source document
    denies = [f for f in found if "missing-default-deny" in f]
    assert len(denies) == 1 and "ml-dev" in denies[0] and denies[0].startswith("base/deployment.yaml:2:7 ")
    assert code == 1 and built["summary"]["files"] == plain["summary"]["files"] == 6


def test_a_root_that_does_not_build_is_a_located_finding_and_the_rest_is_linted(run_cli, monkeypatch, tmp_path, kubectl):
    _repository(tmp_path)
    _write(tmp_path, {"overlays/broken/kustomization.yaml": {"resources": ["missing.yaml"]},
                      "standalone/job.yaml": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                                              "spec": {"template": {"spec": {"containers": [{"name": "j", "image": "x:latest"}]}}}}})
    code, report = _lint(run_cli, monkeypatch, tmp_path, "--kustomize")
    found = _found(report)
    broken = [f for f in found if f.startswith("overlays/broken/kustomization.yaml:1:1 parse-error")]
    assert broken and "failed" in broken[0]
    assert [f for f in found if f.startswith("standalone/job.yaml:") and "latest-tag" in f]
    assert [f for f in found if "ml-dev" in f]  # the roots that build are still linted
    assert code == 1


def test_the_kustomize_fixture_repository_reads_the_same_built(run_cli, monkeypatch, kubectl):
    case = ROOT / "tests" / "lint" / "repos" / "kustomize"
    _, plain = _lint(run_cli, monkeypatch, case)
    _, built = _lint(run_cli, monkeypatch, case, "--kustomize")
    assert built["findings"]  # the same, and not nothing
    assert [(f["file"], f["line"], f["column"], f["rule"]) for f in built["findings"]] == \
        [(f["file"], f["line"], f["column"], f["rule"]) for f in plain["findings"]]


def test_without_kubectl_or_kustomize_the_flag_is_a_usage_error(run_cli, monkeypatch, tmp_path):
    _repository(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "--kustomize", ".")
    assert result.exit_code == 2 and "neither kubectl nor kustomize is on PATH" in result.output


def test_many_roots_built_together_keep_their_own_names_and_namespaces(run_cli, monkeypatch, tmp_path, kubectl):
    """Roots are built in groups (one process each): every object comes back as its root alone builds it."""
    files: dict[str, object] = {"base/deployment.yaml": BASE_DEPLOYMENT.replace("    spec:\n      containers:",
                                                                               "    spec:\n      hostNetwork: true\n      containers:"),
                                # a pod off the host network, so each namespace has one a NetworkPolicy could isolate
                                "base/job.yaml": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "eval"},
                                                  "spec": {"template": {"spec": {"containers": [{"name": "e", "image": "x:1.0"}]}}}},
                                "base/kustomization.yaml": {"resources": ["deployment.yaml", "job.yaml"]}}
    for i in range(21):
        files[f"overlays/o{i}/kustomization.yaml"] = {"namespace": f"ns-{i}", "namePrefix": f"p{i}-", "resources": ["../../base"]}
    _write(tmp_path, files)
    _, report = _lint(run_cli, monkeypatch, tmp_path, "--kustomize")
    found = _found(report)
    hosts = sorted(f for f in found if "host-network" in f)
    assert hosts == sorted(f"base/deployment.yaml:12:20 host-network: Deployment 'p{i}-trainer' uses the host network" for i in range(21))
    assert sorted(f.split("'")[1] for f in found if "missing-default-deny" in f) == sorted(f"ns-{i}" for i in range(21))
    assert not [f for f in found if "mlopsgen" in f]


def test_a_kustomization_under_another_name_is_no_root(run_cli, monkeypatch, tmp_path, kubectl):
    _write(tmp_path, {"apps/extra.yaml": {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                                          "resources": ["job.yaml"]},
                      "apps/job.yaml": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                                        "spec": {"template": {"spec": {"containers": [{"name": "j", "image": "x:1"}]}}}}})
    code, report = _lint(run_cli, monkeypatch, tmp_path, "--kustomize")
    assert code == 1 and [f for f in _found(report) if f.startswith("apps/job.yaml:") and "missing-default-deny" in f]


def test_roots_under_hostile_folder_names_still_build(run_cli, monkeypatch, tmp_path, kubectl):
    """Wrapper paths are written as JSON strings (valid YAML), whatever the folder names hold."""
    repo = tmp_path / "it's \"odd\" \\ here"
    _repository(repo)
    (repo / "overlays" / "dev").rename(repo / "overlays" / "dév 'x'")
    code, report = _lint(run_cli, monkeypatch, repo, "--kustomize")
    assert code == 1
    found = _found(report)
    assert not [f for f in found if "parse-error" in f], found
    assert [f for f in found if "missing-default-deny" in f and "ml-dev" in f]
