"""Every input of every fuzz harness's corpus, run as a regression test: the seeds (examples, fixtures,
bad inputs) and every crash a fuzzing run found, once fixed."""

from __future__ import annotations

import importlib

import pytest

from tests.fuzz.harness import CORPORA

HARNESSES = ("spec", "manifests", "tree", "writer", "helm_output", "reader", "positions")
CASES = [(name, path) for name in HARNESSES for path in sorted((CORPORA / name).iterdir())]


def test_every_harness_has_a_seed_corpus():
    assert {name for name, _ in CASES} == set(HARNESSES)


@pytest.mark.parametrize(("harness", "path"), CASES, ids=[f"{n}/{p.name}" for n, p in CASES])
def test_corpus_input(harness, path):
    importlib.import_module(f"tests.fuzz.{harness}").check(path.read_bytes())
