"""A registry promotion that rolls a model out: what cannot deliver is refused at the field, with the fix."""

from __future__ import annotations

from mlopsgen.platform import load_platform
from tests.platform.test_intent import _refused_at
from tests.support.specs import Spec

MODEL = "models/credit-score"
AT = "/models/2/promotion/registry"


def test_the_example_opts_credit_score_in(tmp_path):
    platform = load_platform(Spec.example("multicloud").write(tmp_path))
    promoted = {m.name: m.promotion for m in platform.models if m.promotion}
    assert list(promoted) == ["credit-score"] and promoted["credit-score"].secret == "credit-score-webhook"


def test_registry_false_opts_out(tmp_path):
    platform = load_platform(Spec.example("multicloud").set(f"{MODEL}/promotion/registry", False).write(tmp_path))
    assert not any(m.promotion for m in platform.models)


def test_a_model_served_from_a_version_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set(f"{MODEL}/source", "models:/credit-score/3")
    _refused_at(run_cli, tmp_path, spec, "model 'credit-score' rolls out on a registry promotion, but serves "
                "models:/credit-score/3 (source), not an alias", AT, "serve an alias")


def test_a_tracking_server_on_another_cluster_is_refused(run_cli, tmp_path):
    spec = Spec.example("multicloud").set("services/mlflow/cluster", "training-cw")
    _refused_at(run_cli, tmp_path, spec, "in environment 'prod' (cluster 'serving-weu'), but the tracking server runs on "
                "'training-cw', which cannot reach the webhook's in-cluster name", AT, "run the tracking server on 'serving-weu'")
