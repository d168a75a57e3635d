"""Random damage to the examples never crashes validation: valid or a UserError, nothing else."""

from __future__ import annotations

import contextlib
import copy
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlopsgen.errors import UserError
from mlopsgen.platform import check_document
from mlopsgen.platform.build import build_platform
from mlopsgen.platform.loader import load_bytes
from mlopsgen.platform.schema import _validator, is_valid, platform_schema
from tests.conftest import EXAMPLES

SOURCES = [p.read_bytes() for p in EXAMPLES]
DOCUMENTS = [yaml.safe_load(raw) for raw in SOURCES]
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.text(max_size=12),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _nodes(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, path + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _nodes(child, path + (i,))


def _get(data, path):
    for part in path:
        data = data[part]
    return data


def validate_bytes(raw: bytes) -> None:
    """The whole pipeline short of rendering; only UserError may escape."""
    try:
        doc = load_bytes(raw, "fuzz.yaml")
        _fast_and_full_validators_agree(doc.data)
        check_document(doc)
        build_platform(doc.data, doc.file)
    except UserError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.location.line >= 0 and problem.message


def _fast_and_full_validators_agree(data) -> None:
    fast = is_valid(data)
    if fast is not None:
        assert fast == (not list(_validator().iter_errors(data)))


@st.composite
def mutated_documents(draw):
    data = copy.deepcopy(draw(st.sampled_from(DOCUMENTS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _nodes(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _get(data, path[:-1])
        action = draw(st.sampled_from(["delete", "retype", "swap"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "retype":
            parent[path[-1]] = draw(ODD_VALUES)
        else:
            other = draw(st.sampled_from(paths))
            with contextlib.suppress(KeyError, IndexError, TypeError):  # the other path may be gone
                parent[path[-1]] = copy.deepcopy(_get(data, other))
    return yaml.safe_dump(data, sort_keys=False).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_structural_mutations_never_crash(raw):
    validate_bytes(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SOURCES), st.data())
def test_garbage_bytes_never_crash(source, data):
    position = data.draw(st.integers(0, len(source)))
    garbage = data.draw(st.binary(min_size=1, max_size=16))
    cut = data.draw(st.integers(0, 16))
    validate_bytes(source[:position] + garbage + source[position + cut:])


def _patterns(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _patterns(value)]
    return []


# Strings where ECMA-262 (the schema's regex dialect) and Python's re disagree unless handled.
_TRICKY = ["", "a", "a\n", "\na", "\ufeffa", "a\u0085", "a\u2028", "a b", "a\tb", "a\x1cb",
           "fraud", "fraud\n", "0 3 * * 1", "0 3 * * 1\n", "https://x.example.com/a", "https://x.example.com/a\n",
           "models:/m/1", "models:/m/1\n", "mlflow.mlflow.svc.cluster.local\n", "2027-01-01\n"]


@pytest.mark.parametrize("pattern", sorted(set(_patterns(platform_schema()))))
def test_fast_and_explaining_validators_agree_on_every_pattern(pattern):
    import jsonschema_rs

    from mlopsgen.platform.schema import ecma_anchors

    fast = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    for text in _TRICKY:
        assert fast.is_valid(text) == bool(re.search(ecma_anchors(pattern), text)), (pattern, text)
