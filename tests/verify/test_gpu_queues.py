"""GPU queues: Kueue on the multicloud example's training pools, proven on its chart as helm renders it and on the
objects its CRDs validate; each break of the chain (a pod off its queue, a queue feeding nothing, a quota that
double-blocks, a cohort larger than its pool, the pod integration off) named."""

from __future__ import annotations

import yaml

from mlopsgen.commands.verify import load_context
from mlopsgen.platform.queues import queued_pools, reach, team_queues
from mlopsgen.verify.checks import queues as checks
from tests.support.specs import Spec
from tests.verify.conftest import edit_docs, render_tree
from tests.verify.test_charts import _errors

QUEUES = "platform/training-cw/manifests/kueue-queues/queues.yaml"
VALUES = "platform/training-cw/values"


def _docs(path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_the_training_pools_are_queued_and_proven(examples, reports):
    _spec, tree = examples["multicloud"]
    assert all(v.passed for v in reports["multicloud"].verdicts)
    objects = {(d["kind"], d["metadata"]["name"]): d for d in _docs(tree / QUEUES)}
    assert objects[("ResourceFlavor", "h100")]["spec"]["nodeLabels"] == {"gpu.nvidia.com/class": "H100_NVLINK_80GB"}
    assert ("Cohort", "h100") in objects and ("Cohort", "a100") in objects
    vision = objects[("ClusterQueue", "vision-h100")]["spec"]
    assert vision["cohortName"] == "h100"
    gpu = vision["resourceGroups"][0]["flavors"][0]["resources"][2]
    assert gpu == {"name": "nvidia.com/gpu", "nominalQuota": 32, "borrowingLimit": 8, "lendingLimit": 16}
    local = _docs(tree / "teams/nlp/overlays/train/localqueues.yaml")
    assert {(q["metadata"]["name"], q["spec"]["clusterQueue"]) for q in local} == {("a100", "nlp-a100"), ("h100", "nlp-h100")}
    step = _docs(tree / "teams/vision/overlays/train/workflowtemplates.yaml")[0]["spec"]["templates"][0]
    assert step["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == "h100"
    config = yaml.safe_load(yaml.safe_load((tree / VALUES / "kueue.yaml").read_text())["managerConfig"]["controllerManagerConfigYaml"])
    assert config["integrations"]["frameworks"] == ["pod"] and config["manageJobsWithoutQueueName"] is False
    assert config["managedJobsNamespaceSelector"]["matchExpressions"][0]["values"] == ["nlp-train", "vision-train"]
    # The namespace quota holds what the queues admit: 16 of its own + nlp-h100 (16 + 8 borrowed) + nlp-a100 (16).
    quota = _docs(tree / "teams/nlp/overlays/train/resourcequota.yaml")[0]
    assert quota["spec"]["hard"]["requests.nvidia.com/gpu"] == "56"
    # No queue where no pool is queued: the quickstart installs no Kueue.
    assert not (examples["quickstart"][1] / "platform/main/values/kueue.yaml").exists()


def test_a_second_team_borrows_idle_gpus_within_the_limits(examples):
    spec, tree = examples["multicloud"]
    ctx = load_context(str(spec), str(tree))
    view = ctx.view("training-cw")
    rendered = checks._queues(view)
    # vision: its 32, and 8 more of nlp's idle 16 (borrowingLimit); nlp: its 16, and 8 of vision's lendable 16.
    assert checks.reach(rendered["vision-h100"], rendered, "nvidia.com/gpu") == 40
    assert checks.reach(rendered["nlp-h100"], rendered, "nvidia.com/gpu") == 24
    assert checks.reach(rendered["nlp-a100"], rendered, "nvidia.com/gpu") == 16  # alone in its cohort
    # The spec's arithmetic (validate, render) and the tree's (verify) agree.
    for pool in queued_pools(ctx.platform):
        cohort = team_queues(ctx.platform, pool)
        assert {q.name: reach(q, cohort) for q in cohort} == {
            q.name: checks.reach(rendered[q.name], rendered, "nvidia.com/gpu") for q in cohort}


def test_a_training_pod_without_its_queue_label_is_named(multicloud):
    spec, tree = multicloud

    def unlabel(docs):
        for label in (t.get("metadata", {}).get("labels", {}) for d in docs for t in d["spec"]["templates"]):
            label.pop("kueue.x-k8s.io/queue-name", None)
        return docs
    edit_docs(tree / "teams/vision/overlays/train/workflowtemplates.yaml", unlabel)
    found = [m for m in _errors(spec, tree, "admission") if m.startswith("vision-train/training ")]
    assert found and "on the nodes of ResourceFlavor h100, which Kueue queues, but has no kueue.x-k8s.io/queue-name label" in found[0], found


def test_a_local_queue_feeding_a_missing_cluster_queue_is_named(multicloud):
    spec, tree = multicloud
    edit_docs(tree / "teams/nlp/overlays/train/localqueues.yaml",
              lambda docs: [{**d, "spec": {"clusterQueue": "nlp-a10"}} if d["metadata"]["name"] == "a100" else d for d in docs])
    found = _errors(spec, tree, "admission")
    assert any(m.startswith("LocalQueue nlp-train/a100 feeds ClusterQueue nlp-a10, which cluster training-cw does not have")
               for m in found), found


def test_a_namespace_quota_that_refuses_what_the_queue_admits_is_named(multicloud):
    spec, tree = multicloud

    def lower(docs):
        docs[0]["spec"]["hard"]["requests.nvidia.com/gpu"] = "32"
        return docs
    edit_docs(tree / "teams/vision/overlays/train/resourcequota.yaml", lower)
    found = [m for m in _errors(spec, tree, "admission") if m.startswith("ResourceQuota vision-train/team-quota allows 32 GPUs")]
    assert found and "the queues of namespace vision-train may admit 40" in found[0], found


def test_a_cohort_larger_than_its_pool_is_named(multicloud):
    spec, tree = multicloud

    def grow(docs):
        for d in docs:
            if d["kind"] == "ClusterQueue" and d["metadata"]["name"] == "nlp-h100":
                d["spec"]["resourceGroups"][0]["flavors"][0]["resources"][2]["nominalQuota"] = 32
        return docs
    edit_docs(tree / QUEUES, grow)
    found = _errors(spec, tree, "admission")
    assert any(m.startswith("cohort h100 admits 64 GPUs at once") and "GPU pool h100's 6 node(s) of 8 hold 48" in m
               for m in found), found


def test_kueue_without_its_pod_integration_leaves_the_training_pods_unqueued(multicloud):
    spec, tree = multicloud

    def jobs_only(values):
        config = yaml.safe_load(values["managerConfig"]["controllerManagerConfigYaml"])
        config["integrations"]["frameworks"] = ["batch/job"]
        values["managerConfig"]["controllerManagerConfigYaml"] = yaml.safe_dump(config)
    path = tree / VALUES / "kueue.yaml"
    values = yaml.safe_load(path.read_text())
    jobs_only(values)
    path.write_text(yaml.safe_dump(values, sort_keys=False))
    found = [m for m in _errors(spec, tree, "admission") if "is never admitted by its queue" in m]
    assert any(m.startswith("vision-train/training is never admitted by its queue h100: Kueue's pod integration is off")
               for m in found), found


def test_kueue_is_installed_only_where_a_pool_is_queued(tmp_path):
    spec = Spec.example("multicloud")
    for pool in spec.data["gpuPools"]:
        pool.pop("queueing", None)
    tree = render_tree(spec.write(tmp_path / "unqueued"))
    assert not (tree / VALUES / "kueue.yaml").exists() and not (tree / QUEUES).exists()
    assert not (tree / "teams/vision/overlays/train/localqueues.yaml").exists()
    assert "kueue.x-k8s.io/queue-name" not in (tree / "teams/vision/overlays/train/workflowtemplates.yaml").read_text()
    assert "kueue" not in (tree / "argocd/projects/platform.yaml").read_text()


def test_kueues_namespace_is_restricted_and_admits_only_the_api_server_and_prometheus(examples):
    _, tree = examples["multicloud"]
    manifests = tree / "platform/training-cw/manifests/platform-namespaces"
    namespace = next(d for d in _docs(manifests / "namespaces.yaml") if d["metadata"]["name"] == "kueue-system")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    policies = {d["metadata"]["name"]: d["spec"] for d in _docs(manifests / "networkpolicies.yaml")
                if d["metadata"]["namespace"] == "kueue-system"}
    assert {"default-deny", "allow-dns", "allow-api-server", "allow-kueue-listeners", "allow-queue-metrics-scrapes"} == set(policies)
    assert [p["port"] for p in policies["allow-kueue-listeners"]["ingress"][0]["ports"]] == [8082, 9443]
    scrape = policies["allow-queue-metrics-scrapes"]["ingress"][0]
    assert scrape["ports"] == [{"port": 8443, "protocol": "TCP"}]
    assert scrape["from"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"}


def test_the_api_servers_calls_to_kueue_are_derived_from_its_chart_and_checked(multicloud):
    """Its webhooks, its CRDs' conversion webhook and its visibility APIService: each a flow the rendered chart
    says the API server needs, denied once the listeners' policy is gone."""
    spec, tree = multicloud
    edit_docs(tree / "platform/training-cw/manifests/platform-namespaces/networkpolicies.yaml",
              lambda docs: [d for d in docs if d["metadata"]["name"] not in ("allow-kueue-listeners", "allow-queue-metrics-scrapes")])
    found = _errors(spec, tree, "connectivity")
    to_kueue = "the API server (control plane) -> kueue-system/deployment/kueue-controller-manager TCP/"
    assert any("(the API server calls kueue-mutating-webhook-configuration): " + to_kueue + "9443" in m for m in found), found
    assert any("(the API server converts clusterqueues.kueue.x-k8s.io): " + to_kueue + "9443" in m for m in found), found
    assert any("(the API server serves v1beta2.visibility.kueue.x-k8s.io through it): " + to_kueue + "8082" in m for m in found), found
    assert any("monitoring/prometheus -> kueue-system/deployment/kueue-controller-manager TCP/8443" in m for m in found), found


def test_a_kueue_controller_beyond_restricted_is_named(multicloud):
    spec, tree = multicloud
    path = tree / VALUES / "kueue.yaml"
    values = yaml.safe_load(path.read_text())
    values["controllerManager"] = {"manager": {"podSecurityContext": None}}  # null drops the chart default
    path.write_text(yaml.safe_dump(values, sort_keys=False))
    found = [m for m in _errors(spec, tree, "admission") if m.startswith("kueue-system/deployment/kueue-controller-manager")]
    assert found and "Pod Security 'restricted' of its namespace rejects" in found[0], found


def test_the_controller_configuration_keeps_to_the_charts_keys(examples, shared):
    """The configuration replaces the chart's default one: its keys are the default's, and the two fields Kueue documents
    for namespace management (manageJobsWithoutQueueName, managedJobsNamespaceSelector), with the same values
    where the default sets them."""
    _, tree = examples["multicloud"]
    chart = yaml.safe_load((shared / "charts-src/kueue/values.yaml").read_text())
    default = yaml.safe_load(chart["managerConfig"]["controllerManagerConfigYaml"])
    ours = yaml.safe_load(yaml.safe_load((tree / VALUES / "kueue.yaml").read_text())["managerConfig"]["controllerManagerConfigYaml"])
    assert set(ours) <= set(default) | {"manageJobsWithoutQueueName", "managedJobsNamespaceSelector"}
    assert {k: ours[k] for k in ("apiVersion", "kind", "health", "metrics", "webhook", "leaderElection")} == {
        k: default[k] for k in ("apiVersion", "kind", "health", "metrics", "webhook", "leaderElection")}
    assert "pod" in default["integrations"]["frameworks"]


def test_a_queued_pool_no_team_uses_installs_nothing(tmp_path):
    """Kueue's namespace selector would name no namespace (an `In` with no values, which the API server refuses
    in its webhooks): a queued pool without teams installs no Kueue, and no flavor or cohort either."""
    spec = Spec.example("multicloud")
    for team in spec.data["teams"]:
        team["gpuPools"] = [p for p in team.get("gpuPools", []) if p not in ("h100", "a100")]
        team.get("training", {}).pop("gpus", None)
    spec.set("environments/train/network/training", "internal")  # host training needs the team's pool there
    tree = render_tree(spec.write(tmp_path / "idle"))
    assert not (tree / VALUES / "kueue.yaml").exists() and not (tree / QUEUES).exists()
