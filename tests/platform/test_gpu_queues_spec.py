"""GPU queues in the spec (gpuPools[].queueing): mistakes refused at the node that makes them, with the fix."""

from __future__ import annotations

from mlopsgen.platform.build import build_platform
from mlopsgen.platform.capacity import namespace_hard
from mlopsgen.platform.queues import queued_gpus, team_queues
from tests.platform.test_intent import _refused_at
from tests.support.specs import Spec


def test_limits_on_a_pool_without_queues_are_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("gpuPools/h100/queueing", {"borrowingLimit": 4})
    _refused_at(run_cli, tmp_path, spec, "borrowingLimit on GPU pool 'h100', whose GPUs namespace quotas bound",
                "/gpuPools/0/queueing/borrowingLimit", "set queueing.mode: kueue, or remove the limit")


def test_a_model_on_a_queued_pool_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("gpuPools/t4/queueing", {"mode": "kueue"})
    _refused_at(run_cli, tmp_path, spec, "model 'defect-detector' is placed on GPU pool 't4', whose GPUs Kueue queues",
                "/models/0/gpuPool", "place serving on a pool without queueing (namespaceQuota)")


def test_a_cohort_its_pool_cannot_hold_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("gpuPools/h100/nodes", 4)
    _refused_at(run_cli, tmp_path, spec, "GPU pool 'h100' queues 48 GPUs at once (its teams' GPU quotas on cluster "
                "'training-cw': vision 32, nlp 16), but its 4 node(s) of 8 hold 32",
                "/gpuPools/0/nodes", "add nodes to the pool, or lower the teams' GPU quotas in its cluster's environments")


def test_the_queue_is_the_gpu_gate_and_the_namespace_quota_holds_what_it_admits(tmp_path):
    spec = Spec.example("multicloud")
    platform = build_platform(spec.data, str(spec.write(tmp_path)))
    h100 = platform.gpu_pool("h100")
    queues = {q.name: q for q in team_queues(platform, h100)}
    assert (queues["vision-h100"].gpus, queues["vision-h100"].lending_limit) == (32, 16)
    assert (queues["nlp-h100"].gpus, queues["nlp-h100"].lending_limit) == (16, 16)  # capped at its nominal quota
    vision = next(t for t in platform.teams if t.name == "vision")
    assert queued_gpus(platform, vision, "training-cw") == 40
    assert namespace_hard(platform, vision, platform.environment("train"))["requests.nvidia.com/gpu"] == "72"
    # Serving environments keep their namespace quota: no queued pool there.
    assert namespace_hard(platform, vision, platform.environment("prod"))["requests.nvidia.com/gpu"] == "8"
