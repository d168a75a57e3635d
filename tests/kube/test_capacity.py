"""The one evaluator of what pods ask of a quota and a GPU pool, case by case as the API server decides."""

from __future__ import annotations

import pytest

from mlopsgen.kube.capacity import ContainerUse, container_amounts, limit_defaults, pod_amounts, pool_overflow, shortfalls

LIMIT_RANGE = {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                           "default": {"cpu": "1", "memory": "1Gi"}}]}
MI = 2**20


@pytest.mark.parametrize("item, default_request, default_limit", [
    ({"default": {"cpu": "1"}}, {"cpu": "1"}, {"cpu": "1"}),  # no defaultRequest: the default limit
    ({"max": {"cpu": "2"}}, {"cpu": "2"}, {"cpu": "2"}),  # no default: max, then the request from it
    ({"min": {"cpu": "50m"}}, {"cpu": "50m"}, {}),  # only min: the request
    ({"defaultRequest": {"cpu": "100m"}, "default": {"cpu": "1"}}, {"cpu": "100m"}, {"cpu": "1"}),
])
def test_a_limit_range_is_defaulted_as_the_api_server_stores_it(item, default_request, default_limit):
    assert limit_defaults({"limits": [{"type": "Container", **item}]}) == (default_request, default_limit)


def test_a_container_without_resources_gets_the_default_request_not_the_default_limit():
    """The LimitRanger fills requests from defaultRequest: 100m, not the 1 CPU limit (verify once took the limit)."""
    amounts = container_amounts({}, limit_defaults(LIMIT_RANGE))
    assert amounts == {"requests.cpu": 0.1, "requests.memory": 128 * MI, "limits.cpu": 1.0, "limits.memory": 1024 * MI}


def test_a_limit_alone_is_also_the_request():
    amounts = container_amounts({"limits": {"cpu": "2"}}, limit_defaults(LIMIT_RANGE))
    assert amounts["requests.cpu"] == 2.0 and amounts["limits.cpu"] == 2.0 and amounts["requests.memory"] == 128 * MI


def test_a_pod_counts_its_sidecars_beside_its_containers_and_its_largest_init_window():
    pod = [ContainerUse({"requests": {"cpu": "500m"}, "limits": {"cpu": "500m"}}),
           ContainerUse({"requests": {"cpu": "2"}, "limits": {"cpu": "2"}}, init=True),
           ContainerUse({"requests": {"cpu": "100m"}, "limits": {"cpu": "2"}}, init=True, sidecar=True)]
    amounts = pod_amounts(pod, ({}, {}))
    assert amounts["requests.cpu"] == pytest.approx(2.1)  # the init window, with the sidecar beside it
    assert amounts["limits.cpu"] == pytest.approx(4.0)
    pod[1] = ContainerUse({"requests": {"cpu": "100m"}}, init=True)
    assert pod_amounts(pod, ({}, {}))["requests.cpu"] == pytest.approx(0.6)  # now the running containers decide


def test_shortfalls_name_each_key_with_what_the_namespace_needs():
    running = [({"requests.cpu": 1.5, "limits.memory": 2.0}, 2), ({"requests.cpu": 0.5}, 1)]
    short = shortfalls({"cpu": 3.0, "limits.memory": 4.0, "requests.nvidia.com/gpu": 1.0}, running)
    assert [(s.key, s.limit, s.need) for s in short] == [("cpu", 3.0, 3.5)]


@pytest.mark.parametrize("per_node, nodes, pods, fits", [
    (4, 2, [4, 4], True),
    (4, 2, [4, 4, 1], False),  # 9 GPUs on 8
    (8, 2, [5, 5, 5], False),  # three pods over half a node on two nodes
    (8, 2, [4, 4, 4, 4], True),
    (8, 1, [3, 3, 2], True),
])
def test_a_pool_holds_its_pods_only_when_they_certainly_fit(per_node, nodes, pods, fits):
    assert (pool_overflow(per_node, nodes, pods) is None) is fits
