"""`mlopsgen verify --loop MODEL`: one model's data loop drawn from the tree, every link as verify judges it.

The multicloud example's defect-detector loop has every link, working; a tree broken by hand draws the broken link
dashed with verify's reason, and the journey that reads that link fails on the same tree; the README shows the
example's loop exactly as the command draws it."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT
from tests.test_output_escaping import HOSTILE, _no_injected_commands, _no_raw_controls
from tests.verify.conftest import edit_docs, edit_object, run
from tests.verify.test_alert_retraining import TRIGGERS
from tests.verify.test_payloads import _without_logger
from tests.verify.test_promotion import PROMOTE
from tests.verify.test_promotion import TRIGGERS as RISK_TRIGGERS

NODE = re.compile(r'^\s+(n\d+)\["([^"]*)"\]$')
EDGE = re.compile(r'^  (n\d+) (-->|-\.->)\|"([^"]*)"\| (n\d+)$')
README_MARK = "The multicloud example's defect-detector loop (`mlopsgen verify platform.yaml --loop defect-detector`):"


def _drawn(run_cli, spec, tree, model: str = "defect-detector") -> str:
    result = run_cli("verify", str(spec), str(tree), "--loop", model)
    assert result.exit_code == 0, result.output
    return result.stdout


def _edges(text: str) -> dict[tuple[str, str, str], tuple[bool, str]]:
    """(source label, flow, target label) -> (works, the rest of the label): every line is a statement the
    patterns know, so nothing else slipped in."""
    labels: dict[str, str] = {}
    raw = []
    for line in text.splitlines()[1:]:
        if node := NODE.match(line):
            labels[node[1]] = node[2]
        elif edge := EDGE.match(line):
            raw.append(edge.groups())
        else:
            assert re.fullmatch(r'  (%% .*|subgraph cluster_\w+\["[^"]*"\]|end|classDef missing .*|class [n\d,]+ missing|'
                                r'linkStyle [\d,]+ stroke:#d73a49)', line), line
    out = {}
    for source, arrow, label, target in raw:
        flow, _, rest = label.partition(": ")
        out[(labels[source], flow, labels[target])] = (arrow == "-->", rest)
    return out


LOOP = "InferenceService vision-staging/defect-detector"
CANARY = "InferenceService vision-staging/defect-detector-canary"
STORE = "payloads at s3://acme-ml-payloads/defect-detector/staging"
DRIFT = "Deployment vision-staging/defect-detector-drift-monitor"
ACCURACY = "Deployment vision-staging/defect-detector-accuracy-monitor"
PROMETHEUS = "Prometheus monitoring/prometheus"
ALERTMANAGER = "Alertmanager monitoring/kube-prometheus-stack-alertmanager"
CONFIG = "AlertmanagerConfig vision-staging/defect-detector-retraining"
SOURCE, BUS, SENSOR = "EventSource vision-staging/retraining", "EventBus vision-staging/default", "Sensor vision-staging/retraining"
TEMPLATE = "WorkflowTemplate vision-staging/defect-detector-retrain"
ALIAS = "MLflow alias defect-detector@challenger (mlflow/mlflow)"
EVERY_LINK = [
    (LOOP, "payloads (all)", STORE), (CANARY, "payloads (all)", STORE),
    (STORE, "reads payloads", DRIFT), (STORE, "reads payloads", ACCURACY),
    ("ServiceMonitor vision-staging/defect-detector-drift-monitor", "selects (scrape target)", DRIFT),
    ("ServiceMonitor vision-staging/defect-detector-accuracy-monitor", "selects (scrape target)", ACCURACY),
    (DRIFT, "metrics mlopsgen_model_drift_score (scrape)", PROMETHEUS),
    (ACCURACY, "metrics mlopsgen_model_accuracy (scrape)", PROMETHEUS),
    (PROMETHEUS, "evaluates ModelDriftDetected", "PrometheusRule vision-staging/defect-detector-drift"),
    (PROMETHEUS, "evaluates ModelLatencyP95High, ModelErrorRateHigh, ModelAccuracyLow",
     "PrometheusRule vision-staging/defect-detector-slos"),
    ("PrometheusRule vision-staging/defect-detector-drift", "alert ModelDriftDetected", ALERTMANAGER),
    ("PrometheusRule vision-staging/defect-detector-slos", "alert ModelLatencyP95High, ModelErrorRateHigh, ModelAccuracyLow",
     ALERTMANAGER),
    (ALERTMANAGER, "routes", CONFIG), (CONFIG, "webhook", SOURCE), (SOURCE, "event", BUS), (BUS, "event", SENSOR),
    (SENSOR, "creates Workflow", TEMPLATE),
    ("CronWorkflow vision-staging/defect-detector-retrain", "creates Workflow (0 3 * * 1)", TEMPLATE),
    (TEMPLATE, "runs", "step drift-check"), ("step drift-check", "then", "step validate-data"),
    ("step validate-data", "then", "step train"), ("step train", "then", "step validate"),
    ("step validate", "then", "step promote"), ("step promote", "then", "step rollout"),
    ("step promote", "sets alias (the candidate)", ALIAS),
    ("step rollout", "patches (rolls its pods)", CANARY), (ALIAS, "served (resolved when its pods start)", CANARY),
]


def test_the_examples_loop_has_every_link_and_each_works(run_cli, examples):
    spec, tree = examples["multicloud"]
    text = _drawn(run_cli, spec, tree)
    edges = _edges(text)
    assert set(edges) == set(EVERY_LINK), set(edges) ^ set(EVERY_LINK)
    assert all(works for works, _ in edges.values())
    assert "linkStyle" not in text and "classDef missing" not in text
    # one cluster among several: its objects are grouped and named
    assert '  subgraph cluster_serving_weu_0["cluster serving-weu"]' in text
    assert text == _drawn(run_cli, spec, tree)  # deterministic


def test_the_readme_shows_the_examples_loop_as_drawn(run_cli, examples):
    spec, tree = examples["multicloud"]
    readme = (ROOT / "README.md").read_text()
    assert README_MARK in readme
    block = readme.split(README_MARK, 1)[1].split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block == _drawn(run_cli, spec, tree), "regenerate the README's loop: mlopsgen verify platform.yaml --loop defect-detector"


def _broken(edges, key) -> str:
    works, rest = edges[key]
    assert not works, key
    return rest


def test_a_removed_alertmanagerconfig_is_drawn_broken(run_cli, multicloud):
    spec, tree = multicloud
    edit_docs(tree / TRIGGERS, lambda docs: [d for d in docs if d["kind"] != "AlertmanagerConfig"])
    text = _drawn(run_cli, spec, tree)
    edges = _edges(text)
    why = _broken(edges, (ALERTMANAGER, "routes", "AlertmanagerConfig vision-staging/(none)"))
    assert why == ("BROKEN: no AlertmanagerConfig of vision-staging that Alertmanager selects matches ModelDriftDetected, "
                   "ModelLatencyP95High, ModelErrorRateHigh, ModelAccuracyLow")
    assert not [k for k in edges if k[0] == CONFIG or k[2] == SOURCE]  # nothing drawn past the break
    assert "class " in text and "linkStyle " in text
    assert not next(v for v in run(spec, tree).verdicts if v.slug == "alert-retraining").passed


def test_a_removed_logger_is_drawn_broken(run_cli, multicloud):
    spec, tree = multicloud
    _without_logger(tree)
    edges = _edges(_drawn(run_cli, spec, tree))
    spec_url = "payloads at s3://acme-ml-payloads/defect-detector"  # where the spec says, not found in the tree
    for track in (LOOP, CANARY):
        assert "has no logger, so KServe injects no agent" in _broken(edges, (track, "payloads (all)", spec_url))
    assert edges[(STORE, "reads payloads", DRIFT)][0]  # the monitors still read where they read
    assert not next(v for v in run(spec, tree).verdicts if v.slug == "payloads").passed


def test_a_sensor_that_may_not_create_workflows_and_a_missing_cronworkflow_are_drawn_broken(run_cli, multicloud):
    spec, tree = multicloud

    def read_only(docs):
        for d in docs:
            if d["kind"] == "Role" and d["metadata"]["name"] == "retraining-sensor":
                d["rules"][0]["verbs"] = ["get"]
        return docs
    edit_docs(tree / TRIGGERS, read_only)
    (tree / "teams/vision/overlays/staging/models/defect-detector/cronworkflow.yaml").write_text("")
    edges = _edges(_drawn(run_cli, spec, tree))
    assert _broken(edges, (SENSOR, "creates Workflow", TEMPLATE)) == "BROKEN: retraining-sensor may not create workflows"
    assert "no CronWorkflow of vision-staging runs defect-detector-retrain" in _broken(
        edges, ("CronWorkflow vision-staging/defect-detector-retrain", "creates Workflow (schedule)", TEMPLATE))


def test_an_unknown_model_or_one_without_a_loop_is_exit_2_with_the_models(run_cli, examples):
    spec, tree = examples["multicloud"]
    unknown = run_cli("verify", str(spec), str(tree), "--loop", "defect-detektor")
    assert unknown.exit_code == 2 and "defect-detektor: error: no such model" in unknown.output
    assert "--loop takes one of: credit-score, defect-detector, ticket-router" in unknown.output
    none = run_cli("verify", str(spec), str(tree), "--loop", "ticket-router")
    assert none.exit_code == 2 and "model ticket-router has no loop" in none.output
    assert "models with a loop: credit-score, defect-detector" in none.output
    other = run_cli("verify", str(spec), str(tree), "--loop", "defect-detector", "--format", "json")
    assert other.exit_code == 2 and "--loop draws a Mermaid flowchart" in other.output


def test_hostile_names_stay_inside_their_labels(run_cli, multicloud):
    spec, tree = multicloud

    def rename(docs):
        for d in docs:
            if d["kind"] == "Sensor":
                d["metadata"]["name"] = HOSTILE
        return docs
    edit_docs(tree / TRIGGERS, rename)
    text = _drawn(run_cli, spec, tree)
    _no_raw_controls(text)
    _no_injected_commands(text)
    edges = _edges(text)  # every line still one statement
    sensor = next(k[2] for k in edges if k[0] == BUS)
    assert "#lt;img src=x onerror=alert(1)#gt;" in sensor and "\\x1b" in sensor and "#124;x#124;" in sensor
    assert "`" not in text and "|" not in sensor
    assert edges[(sensor, "creates Workflow", TEMPLATE)][0]
    unknown = run_cli("verify", str(spec), str(tree), "--loop", HOSTILE)
    assert unknown.exit_code == 2
    _no_raw_controls(unknown.output)
    _no_injected_commands(unknown.output)


def test_the_example_tree_holds_what_the_loop_reads(examples):
    """The loop is drawn where retraining runs: staging, the namespace of the template and its trigger."""
    _, tree = examples["multicloud"]
    docs = [d for d in yaml.safe_load_all((tree / TRIGGERS).read_text()) if d]
    assert {d["metadata"]["namespace"] for d in docs} == {"vision-staging"}


def test_a_seldon_model_retrained_on_a_schedule_and_a_rollout_argo_cd_undoes(run_cli, tmp_path):
    """No payloads, no alerts: the schedule, the steps, the alias and the JSON patch of the SeldonDeployment; that
    patch is drawn broken where the Application would undo it (journey MLV009's reader)."""
    from tests.support.specs import Spec
    from tests.verify.conftest import render_tree

    spec = Spec.example("multicloud").set("models/credit-score/retraining",
                                          {"schedule": "0 4 * * 1", "image": "acmeml.azurecr.io/risk/retrain:1.0.0"}).write(tmp_path)
    tree = render_tree(spec)
    target = "SeldonDeployment risk-prod/credit-score"
    edges = _edges(_drawn(run_cli, spec, tree, "credit-score"))
    assert all(works for works, _ in edges.values()), edges
    assert {("CronWorkflow risk-prod/credit-score-retrain", "creates Workflow (0 4 * * 1)", "WorkflowTemplate risk-prod/credit-score-retrain"),
            ("step rollout", "patches (rolls its pods)", target),
            ("MLflow alias credit-score@champion (mlflow/mlflow)", "served (resolved when its pods start)", target)} <= set(edges)
    assert not [k for k in edges if k[1].startswith(("payloads", "alert", "routes"))]
    app = next(tree.glob("argocd/apps/*/risk-prod.yaml"))
    edit_docs(app, lambda docs: [{**d, "spec": {k: v for k, v in d["spec"].items() if k != "ignoreDifferences"}} for d in docs])
    broken = _edges(_drawn(run_cli, spec, tree, "credit-score"))
    assert _broken(broken, ("step rollout", "patches (rolls its pods)", target)) == "BROKEN: Argo CD's self-heal undoes the patch"


def test_an_alertmanager_whose_chart_is_not_rendered_is_not_known_not_broken(examples):
    from mlopsgen.commands.verify import load_context
    from mlopsgen.verify.charts import ChartOptions
    from mlopsgen.verify.loop_map import loop_mermaid

    spec, tree = examples["multicloud"]
    text = loop_mermaid(load_context(str(spec), str(tree), ChartOptions()), "defect-detector")
    edges = _edges(text)
    alertmanager = "Alertmanager (kube-prometheus-stack, not rendered)"
    works, why = edges[(alertmanager, "routes", "AlertmanagerConfig vision-staging/?")]
    assert not works and why.startswith("not known: ")
    assert "linkStyle" not in text  # dashed, not red: nothing is known to be broken


def test_a_link_broken_for_one_reading_is_broken_whatever_another_leaves_unknown():
    from mlopsgen.verify.loop_graph import Link, Node, merged, mermaid, unknown

    a, b = Node("A", "ns/a", "c"), Node("B", "ns/b", "c", missing=True)
    links = merged([Link(a, b, "event", unknown("a chart")), Link(a, b, "event", "denied"), Link(a, b, "event", "denied"),
                    Link(a, b, "event")])
    assert links == [Link(a, b, "event", "denied; not known: a chart")]
    assert links[0].label() == "event: BROKEN: denied; not known: a chart"
    text = mermaid(links, several_clusters=False)
    assert text.splitlines()[-3:] == ["  classDef missing stroke-dasharray: 5 5", "  class n1 missing", "  linkStyle 0 stroke:#d73a49"]
    assert '  n0 -.->|"event: BROKEN: denied; not known: a chart"| n1' in text and "subgraph" not in text


def test_a_policy_blocking_alertmanager_from_the_webhook_is_drawn_broken(run_cli, multicloud):
    spec, tree = multicloud

    def elsewhere(docs):
        for d in docs:
            if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "allow-retraining-webhook":
                d["spec"]["ingress"][0]["from"][0]["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": "argo"}}
        return docs
    edit_docs(tree / TRIGGERS, elsewhere)
    edges = _edges(_drawn(run_cli, spec, tree))
    assert _broken(edges, (CONFIG, "webhook", SOURCE)) == (
        "BROKEN: flow denied: monitoring/alertmanager to vision-staging/eventsource-retraining TCP/12000")
    assert edges[(SOURCE, "event", BUS)][0] and edges[(SENSOR, "creates Workflow", TEMPLATE)][0]


SELDON = "SeldonDeployment risk-prod/credit-score"
REGISTRY = "MLflow alias credit-score@champion (mlflow/mlflow)"
RISK_SOURCE, RISK_BUS, RISK_SENSOR = "EventSource risk-prod/retraining", "EventBus risk-prod/default", "Sensor risk-prod/retraining"
PROMOTE_TEMPLATE = "WorkflowTemplate risk-prod/credit-score-promote"
CHECK, ROLLOUT = "step credit-score-promote: verify-signature", "step credit-score-promote: rollout"
PROMOTION_PATH = [
    ("Job risk-prod/credit-score-promotion-webhook", "registers the webhook (PostSync)", REGISTRY),
    (REGISTRY, "delivers the alias move (signed webhook)", RISK_SOURCE), (RISK_SOURCE, "event", RISK_BUS),
    (RISK_BUS, "event", RISK_SENSOR), (RISK_SENSOR, "creates Workflow", PROMOTE_TEMPLATE), (PROMOTE_TEMPLATE, "runs", CHECK),
    (CHECK, "then", ROLLOUT), (ROLLOUT, "patches (rolls its pods)", SELDON),
    (REGISTRY, "served (resolved when its pods start)", SELDON),
]


def test_a_registry_promotion_is_drawn_link_by_link_and_each_works(run_cli, examples):
    spec, tree = examples["multicloud"]
    edges = _edges(_drawn(run_cli, spec, tree, "credit-score"))
    assert set(PROMOTION_PATH) <= set(edges), set(PROMOTION_PATH) - set(edges)
    assert all(edges[key][0] for key in PROMOTION_PATH)


def test_a_broken_promotion_is_drawn_broken_where_the_journey_finds_it(run_cli, multicloud):
    spec, tree = multicloud

    def elsewhere(policy):
        policy["spec"]["ingress"][-1]["from"][0]["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": "argo"}}
    edit_object(tree / RISK_TRIGGERS, "NetworkPolicy", "allow-retraining-webhook", elsewhere)
    edit_object(tree / PROMOTE, "WorkflowTemplate", "credit-score-promote", lambda t: t["spec"]["templates"][0]["steps"].pop(0))
    edges = _edges(_drawn(run_cli, spec, tree, "credit-score"))
    assert "flow denied (MLflow delivers to the webhook)" in _broken(
        edges, (REGISTRY, "delivers the alias move (signed webhook)", RISK_SOURCE))
    assert "rolls out before any step checks the delivery's signature" in _broken(edges, (PROMOTE_TEMPLATE, "runs", ROLLOUT))
    assert edges[(RISK_SENSOR, "creates Workflow", PROMOTE_TEMPLATE)][0]  # the links the break leaves alone still work
    assert not next(v for v in run(spec, tree).verdicts if v.slug == "promotion").passed

