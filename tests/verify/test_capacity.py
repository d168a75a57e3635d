"""validate and verify count what runs in a namespace with one evaluator and reach the same numbers.

validate counts from the spec (platform/capacity.py), verify from the rendered tree with the containers
its controllers inject; the evaluator of Kubernetes' arithmetic is kube/capacity.py for both.
"""

from __future__ import annotations

import pytest

from mlopsgen.commands.verify import load_context
from tests.support.capacity import disagreements
from tests.support.specs import Spec
from tests.verify.conftest import render_tree, run


@pytest.mark.parametrize("name", ["quickstart", "multicloud"])
def test_validate_and_verify_count_every_namespace_alike(examples, name):
    spec, tree = examples[name]
    ctx = load_context(str(spec), str(tree))
    assert ctx.platform.teams and disagreements(ctx) == {}


def test_a_quota_that_holds_the_containers_but_not_what_the_tree_adds_is_refused(run_cli, tmp_path):
    """fraud's dev quota: the model (500m, 1Gi) and training (1 CPU, 4Gi) alone need 1.5 CPU, 5Gi; with the
    download, Argo's init and wait and the mesh's proxy the namespace needs 1.8 CPU. validate used to accept
    1.6 and then verify (and the cluster) refused the pods."""
    spec = Spec.example("quickstart").set("teams/fraud/quotas/dev/cpu", "1600m")
    result = run_cli("validate", str(spec.write(tmp_path)))
    assert result.exit_code == 2, result.output
    assert "quota cpu 1.6 in 'dev' cannot hold what runs there at once: requests.cpu 1.8" in result.output
    assert "raise it to at least 1.8" in result.output
    fits = Spec.example("quickstart").set("teams/fraud/quotas/dev/cpu", "1800m").write(tmp_path / "fits")
    admission = next(v for v in run(fits, render_tree(fits)).verdicts if v.slug == "admission")
    assert admission.passed, [f.message for f in admission.findings]


def test_a_memory_quota_is_also_the_limit_and_the_proxy_limit_counts(run_cli, tmp_path):
    spec = Spec.example("quickstart").set("teams/fraud/quotas/dev/memory", "6Gi")
    result = run_cli("validate", str(spec.write(tmp_path)))
    assert result.exit_code == 2, result.output
    assert "quota memory 6Gi in 'dev' cannot hold what runs there at once: limits.memory 8Gi" in result.output


def test_verify_counts_a_pool_from_the_tree_as_validate_does(quickstart):
    """Eight recommender replicas written into the tree by hand: with a training run beside them, nine GPUs on
    a pool of eight; verify names the pool (validate refuses the same spec at gpuPools[].nodes)."""
    spec, tree = quickstart
    patch = tree / "teams/recsys/overlays/prod/patches/inferenceservice-recommender.yaml"
    patch.write_text(patch.read_text().replace("value: 1", "value: 8"))
    quota = tree / "teams/recsys/overlays/prod/resourcequota.yaml"
    quota.write_text(quota.read_text().replace('requests.nvidia.com/gpu: "2"', 'requests.nvidia.com/gpu: "9"'))
    admission = next(v for v in run(spec, tree).verdicts if v.slug == "admission")
    messages = [f.message for f in admission.findings]
    assert any("GPU pool a10 cannot run at once what the tree places on it: 9 GPUs at once" in m for m in messages), messages
