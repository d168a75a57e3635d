"""The schemas' two descriptions agree, every pattern has a readable message, hints are whole sentences."""

from __future__ import annotations

import json
import re

import pytest

from mlopsgen.platform.schema import first_sentence
from mlopsgen.schemasync import SCHEMAS, plain_text, schema_text
from tests.conftest import ROOT

MULTICLOUD = ROOT / "examples" / "multicloud" / "platform.yaml"


def _nodes(node, path=""):
    """Every schema node (not the maps of property names, whose keys are names, not keywords)."""
    if isinstance(node, dict):
        yield path, node
        for key, child in node.items():
            if key in ("properties", "$defs"):
                for name, sub in child.items():
                    yield from _nodes(sub, f"{path}/{key}/{name}")
            elif key not in ("enum", "const", "default", "examples", "required"):
                yield from _nodes(child, f"{path}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _nodes(child, f"{path}/{i}")


def _schema(name: str) -> dict:
    return json.loads((ROOT / "schemas" / name).read_text())


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_what_schemasync_writes(name):
    path = ROOT / "schemas" / name
    assert path.read_text() == schema_text(path), f"{path} is stale: run `python -m mlopsgen.schemasync`"


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_described_node_has_both_descriptions_and_they_agree(name):
    nodes = list(_nodes(_schema(name)))
    described = [(p, n) for p, n in nodes if "description" in n or "markdownDescription" in n]
    assert len(described) > (100 if name == "platform.schema.json" else 5)
    for path, node in described:
        assert {"description", "markdownDescription"} <= set(node), path
        assert node["description"] == plain_text(node["markdownDescription"]), path
        assert "`" not in node["description"], path


def test_every_property_has_a_markdown_description():
    missing = [path for path, node in _nodes(_schema("platform.schema.json"))
               if re.search(r"/properties/[^/]+$", path) and "markdownDescription" not in node]
    assert missing == []


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_pattern_has_a_readable_message(name):
    patterned = [(p, n) for p, n in _nodes(_schema(name)) if "pattern" in n]
    for path, node in patterned:
        message = node.get("patternErrorMessage", "")
        assert message, f"{path}: pattern without patternErrorMessage"
        assert node["pattern"] not in message and "\\" not in message and not message.startswith("^"), path
        assert message[0].isupper() and message.endswith("."), path
    assert patterned or name != "platform.schema.json"


def test_plain_text_of_the_markdown_schemas_use():
    assert plain_text("Always `Platform`; see [the spec](docs/spec.md), **never** *that*.") == \
        "Always 'Platform'; see the spec (docs/spec.md), never that."
    assert plain_text("a_b and snake_case_names stay") == "a_b and snake_case_names stay"
    assert plain_text("every `*/5 * * * *` run") == "every '*/5 * * * *' run"


def test_first_sentence_never_ends_at_an_abbreviation():
    assert first_sentence("Cron schedule (5 fields), e.g. '0 3 * * 1'.") == "Cron schedule (5 fields), e.g. '0 3 * * 1'"
    assert first_sentence("Clone URL (https or ssh). The only source Argo CD accepts.") == "Clone URL (https or ssh)"
    assert first_sentence("Why, i.e. The reason. More.") == "Why, i.e. The reason"


def test_no_hint_from_a_description_is_cut_mid_sentence():
    for name in SCHEMAS:
        for path, node in _nodes(_schema(name)):
            for key in ("description", "patternErrorMessage"):
                if key not in node:
                    continue
                hint = first_sentence(node[key])
                assert not re.search(r"\b(e\.g|i\.e|etc|vs)$", hint), (path, hint)
                quotes = re.findall(r"(?<![A-Za-z])'|'(?![A-Za-z])", hint)  # not apostrophes
                assert hint.count("(") == hint.count(")") and len(quotes) % 2 == 0, (path, hint)


def test_a_hint_from_a_description_with_an_example_is_whole(run_cli, tmp_path):
    spec = tmp_path / "platform.yaml"
    spec.write_text(MULTICLOUD.read_text().replace(
        "hostNetworkJustification: NCCL all-reduce over InfiniBand needs the host network interfaces.",
        "hostNetworkJustification: fast"))
    result = run_cli("validate", str(spec))
    assert result.exit_code == 2
    assert ("  hint: Required when training uses 'host' mode: why host networking is needed "
            "(e.g. RDMA/NCCL over the node NIC)\n") in result.stderr


def test_a_pattern_error_hints_with_the_message_editors_show(run_cli, tmp_path):
    spec = tmp_path / "platform.yaml"
    spec.write_text(MULTICLOUD.read_text().replace('schedule: "0 3 * * 1"', 'schedule: "0 3 * *"'))
    result = run_cli("validate", str(spec))
    assert result.exit_code == 2
    assert "error: '0 3 * *' is not a valid schedule" in result.stderr
    assert "  hint: Use a cron schedule of 5 fields separated by spaces, e.g. 0 3 * * 1 (03:00 every Monday)\n" in result.stderr


def _resolve(schema: dict, reference: str) -> bool:
    node = schema
    for part in reference.split("."):
        name, many = (part[:-2], True) if part.endswith("[]") else (part, False)
        node = (node.get("properties") or {}).get(name)
        if node is None:
            return False
        if many:
            node = node.get("items") or {}
    return True


def test_descriptions_name_only_keys_the_spec_has():
    """A description that points at another key (`services[].published`) names one that exists: text written
    for something the renderer no longer has (a mesh egress gateway) shows in every editor's hover."""
    schema = _schema("platform.schema.json")
    top = set(schema["properties"])
    texts = [node.get("markdownDescription", "") for _, node in _nodes(schema)]
    references = {r for text in texts for r in re.findall(r"`([a-zA-Z]+\[\](?:\.[a-zA-Z]+(?:\[\])?)+)`", text)}
    assert references and all(r.split("[")[0] in top for r in references)
    assert [r for r in references if not _resolve(schema, r)] == []
    assert not [t for t in texts if "egress gateway" in t]
