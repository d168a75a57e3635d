"""Kubernetes quantities as numbers: every suffix the API server accepts (apimachinery resource.Quantity)."""

from __future__ import annotations

import pytest

from mlopsgen.kube.quantities import quantity


@pytest.mark.parametrize(("text", "value"), [
    ("500m", 0.5), ("2", 2.0), ("1k", 1e3), ("1M", 1e6), ("1E", 1e18), ("4Gi", 4 * 2**30),
    ("128Ei", 128 * 2**60), ("1Pi", 2**50), ("1e3", 1e3), ("1E3", 1e3), ("2.5e-3", 2.5e-3), (".5", 0.5),
])
def test_every_suffix_reads_as_kubernetes_reads_it(text, value):
    assert quantity(text) == pytest.approx(value)


def test_an_exbibyte_quantity_is_not_an_exponent():
    """`Ei` starts like the exponent form `E3`; found by fuzzing, where it crashed validation."""
    assert quantity("128Ei") > quantity("128E")
