"""Each journey of the platform on the bundled examples: the verdict and its reasons match tests/verify/expectations.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopsgen.verify.checks import JOURNEYS
from tests.verify.expectations import EXPECTED

CASES = [(example, slug) for example in EXPECTED for slug in JOURNEYS]


def test_every_journey_has_an_expectation():
    for example, journeys in EXPECTED.items():
        assert sorted(journeys) == sorted(JOURNEYS), example


@pytest.mark.parametrize(("example", "slug"), CASES, ids=[f"{e}-{s}" for e, s in CASES])
def test_journey_verdict(reports, example, slug):
    verdict = next(v for v in reports[example].verdicts if v.slug == slug)
    reasons = EXPECTED[example][slug]
    messages = [f.message for f in verdict.findings if f.severity == "error"]
    assert verdict.passed == (not reasons), "\n".join(messages[:20]) or verdict.reason
    for reason in reasons:
        assert any(reason in m for m in messages), f"{reason!r} not among:\n" + "\n".join(messages[:40])
    if verdict.passed:
        assert verdict.reason == JOURNEYS[slug].proves


def test_host_network_pods_are_reported_outside_network_policy(reports):
    report = reports["multicloud"]
    assert report.outside_policy == ["nlp-train/training", "vision-train/training"]
    warnings = [f for f in report.findings if f.severity == "warning" and "host network" in f.message]
    assert {f.message.split(" ")[0] for f in warnings} == {"nlp-train/training", "vision-train/training"}
    assert all("NOT isolated" in f.message for f in warnings)


def test_findings_point_at_the_rendered_object_and_the_spec(reports):
    for report in reports.values():
        for f in report.findings:
            assert f.location.line >= 1 and f.location.column >= 1, f
            assert Path(f.location.file).is_file(), f
            if f.related:
                assert f.related.file.endswith("platform.yaml") and f.related.line >= 1, f


def test_output_is_deterministic(examples):
    from tests.verify.conftest import run

    spec, tree = examples["multicloud"]
    first, second = run(spec, tree), run(spec, tree)
    assert [f.as_dict() for f in first.findings] == [f.as_dict() for f in second.findings]


@pytest.mark.parametrize("teams, environments, pools, models", [(2, 2, 2, 1), (3, 4, 2, 2), (5, 3, 4, 0)])
def test_generated_specs_bootstrap_as_argo_cd_would(tmp_path, teams, environments, pools, models):
    """Every Application's project exists before it, waves are ordered, every kind comes from an earlier CRD
    (or a component the cluster provides), and projects permit what their apps deploy."""
    import sys

    import yaml

    from tests.conftest import ROOT
    from tests.verify.conftest import render_tree, run

    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic import synthetic_spec

    spec = tmp_path / "platform.yaml"
    spec.write_text(yaml.safe_dump(synthetic_spec(teams, environments, pools, models), sort_keys=False))
    report = run(spec, render_tree(spec))
    bootstrap = next(v for v in report.verdicts if v.slug == "bootstrap")
    assert bootstrap.passed, "\n".join(f.message for f in bootstrap.findings[:20])
