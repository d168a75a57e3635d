"""Capacity refusals at the spec node that causes them: GPU pools that cannot hold what runs on them at once."""

from __future__ import annotations

from tests.support.specs import Spec


def _validate(run_cli, spec: Spec, tmp_path) -> str:
    result = run_cli("validate", str(spec.write(tmp_path)))
    assert "Traceback" not in result.output
    return result.output if result.exit_code == 2 else ""


def test_more_gpu_replicas_and_training_than_the_pool_holds_is_refused_at_the_pool(run_cli, tmp_path):
    """a10 has 2 nodes of 4 GPUs; eight recommender replicas and a training run (one GPU; the others wait their
    turn) ask 9 at once: a replica would stay Pending for good, or no training could ever run."""
    spec = Spec.example("quickstart").set("models/recommender/environments/prod/replicas", 8)
    spec.set("teams/recsys/quotas/prod", {"cpu": 64, "memory": "128Gi", "gpu": 9})
    output = _validate(run_cli, spec, tmp_path)
    assert "GPU pool 'a10' cannot run at once what the spec places on it: 9 GPUs at once, but its 2 node(s) of 4 hold 8" in output
    assert "(at /gpuPools/0/nodes)" in output and "hint: add nodes to the pool" in output
    assert _validate(run_cli, spec.set("gpuPools/a10/nodes", 3), tmp_path / "fits") == ""


def test_pods_over_half_a_node_each_need_their_own_node(run_cli, tmp_path):
    """Three replicas of 4 GPUs on two nodes of 6: 12 GPUs fit the total, but no node holds two of them."""
    spec = Spec.example("quickstart").set("gpuPools/a10/gpusPerNode", 6).set("models/recommender/resources/gpus", 4)
    spec.set("models/recommender/environments/prod/replicas", 3).set("teams/recsys/quotas/prod/gpu", 12)
    for team in ("fraud", "recsys"):
        spec.set(f"teams/{team}/training", {"gpus": 0})
    output = _validate(run_cli, spec, tmp_path)
    assert "3 pods each need more than half a node of 6 GPUs, but the pool has 2 node(s)" in output, output
