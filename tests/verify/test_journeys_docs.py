"""Each journey has an ID, a generated documentation page, `mlopsgen explain`, and survives a crashing check."""

from __future__ import annotations

import json

import pytest

from mlopsgen.verify import checks
from mlopsgen.verify.checks import JOURNEYS
from mlopsgen.verify.docs import derived_files
from tests.conftest import ROOT


def test_the_journey_pages_are_what_the_journeys_generate():
    stale = [str(p.relative_to(ROOT)) for p, text in derived_files(ROOT).items() if not p.is_file() or p.read_text() != text]
    assert stale == [], "regenerate with `python -m mlopsgen.verify.docs`"


@pytest.mark.parametrize("name", ["connectivity", "MLV006", "mlv006"])
def test_explain_knows_the_journeys(run_cli, name):
    result = run_cli("explain", name)
    assert result.exit_code == 0 and result.output.startswith("# connectivity (MLV006)")


def test_ids_are_unique_and_sarif_links_each_page(run_cli, examples):
    assert len({j.id for j in JOURNEYS.values()}) == len(JOURNEYS)
    spec, tree = examples["quickstart"]
    rules = json.loads(run_cli("verify", str(spec), str(tree), "--format", "sarif").stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["name"] for r in rules] == [j.id for j in JOURNEYS.values()]
    assert all(r["helpUri"].endswith(f"docs/journeys/{r['id']}.md") for r in rules)


def test_a_crashing_check_is_a_finding_of_its_journey_and_the_others_run(run_cli, examples, monkeypatch):
    def broken(ctx, stats):
        raise KeyError("spec")

    journey = JOURNEYS["traffic"]
    monkeypatch.setitem(JOURNEYS, "traffic", checks.Journey(journey.slug, journey.number, journey.title, (broken,), journey.proves))
    spec, tree = examples["quickstart"]
    result = run_cli("verify", str(spec), str(tree), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    verdicts = {j["check"]: j["passed"] for j in report["journeys"]}
    assert verdicts.pop("traffic") is False and all(verdicts.values()) and len(verdicts) == len(JOURNEYS) - 1
    crash = [f for f in report["findings"] if f["check"] == "traffic"]
    assert len(crash) == 1 and "check broken crashed: KeyError" in crash[0]["message"]
