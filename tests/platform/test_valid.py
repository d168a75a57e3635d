"""Valid specs: the examples, the starter, the model built from them, the CLI around them."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
from jsonschema import Draft202012Validator

from mlopsgen.platform import load_platform
from mlopsgen.platform.schema import platform_schema
from tests.conftest import EXAMPLES, ROOT
from tests.support.specs import Spec


def test_examples_are_bundled():
    assert {p.parent.name for p in EXAMPLES} >= {"quickstart", "multicloud"}


def test_examples_validate(run_cli):
    result = run_cli("validate", *map(str, EXAMPLES))
    assert result.exit_code == 0, result.output
    assert f"{len(EXAMPLES)} files valid" in result.output


def test_validate_json_format_lists_problems(run_cli, tmp_path):
    spec = Spec.example("multicloud")
    cluster = spec.get("clusters/0")
    cluster["sever"] = cluster.pop("server")
    bad = spec.write(tmp_path)
    result = run_cli("validate", "--format", "json", str(bad), str(EXAMPLES[0]))
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["valid"] is False
    problems = report["problems"]
    # the misspelt key is reported once, with a suggestion, not also as a missing 'server'
    assert [p["message"] for p in problems] == ["unknown key 'sever'"]
    assert problems[0]["pointer"] == "/clusters/0/sever"
    assert problems[0]["hint"] == "did you mean 'server'?"
    assert problems[0]["line"] > 0 and problems[0]["column"] > 0


def test_validate_json_format_when_valid(run_cli):
    result = run_cli("validate", "--format", "json", str(EXAMPLES[0]))
    assert result.exit_code == 0
    assert json.loads(result.output) == {"valid": True, "files": [str(EXAMPLES[0])], "problems": []}


def test_missing_file_is_a_located_user_error(run_cli, tmp_path):
    result = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}: error: file not found" in result.output


def test_every_error_in_several_files_is_reported(run_cli, tmp_path):
    files = []
    for i in range(2):
        files.append(str(Spec.example("multicloud").set("gpuPools/a100/nodes", 0).write(tmp_path, f"p{i}.yaml")))
    result = run_cli("validate", *files)
    assert result.exit_code == 2
    assert sum(": error: " in line for line in result.output.splitlines()) == 2


def test_schema_command_prints_a_valid_2020_12_schema(run_cli):
    result = run_cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema == platform_schema()


def _properties(node, path="#"):
    if isinstance(node, dict):
        for name, child in node.get("properties", {}).items():
            yield f"{path}/{name}", child
        for key, child in node.items():
            yield from _properties(child, f"{path}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _properties(child, f"{path}/{i}")


def test_every_schema_property_is_described_and_objects_are_closed():
    schema = platform_schema()
    undocumented = [p for p, child in _properties(schema) if "description" not in child]
    assert undocumented == []
    open_objects = [
        p for p, child in _properties(schema)
        if child.get("type") == "object" and "properties" in child and child.get("additionalProperties") is not False
    ]
    assert open_objects == []


def test_init_writes_a_starter_that_validates(run_cli, tmp_path):
    target = tmp_path / "new"
    result = run_cli("init", str(target))
    assert result.exit_code == 0, result.output
    text = (target / "platform.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=platform.schema.json"
    assert json.loads((target / "platform.schema.json").read_text()) == platform_schema()
    assert run_cli("validate", str(target / "platform.yaml")).exit_code == 0


def test_init_refuses_to_overwrite(run_cli, tmp_path):
    (tmp_path / "platform.yaml").write_text("mine\n")
    result = run_cli("init", str(tmp_path))
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert (tmp_path / "platform.yaml").read_text() == "mine\n"


def test_model_applies_defaults_once():
    platform = load_platform(ROOT / "examples" / "quickstart" / "platform.yaml")
    dev = platform.environment("dev")
    assert dict(dev.modes) == {"training": "internal", "inference": "internal", "validation": "none", "monitoring": "internal"}
    pool = platform.gpu_pool("a10")
    assert pool.capacity == 8
    assert [(t.key, t.value, t.effect) for t in pool.taints] == [("nvidia.com/gpu", "present", "NoSchedule")]
    fraud = platform.team("fraud")
    assert fraud.quotas["prod"].cpu == "32" and fraud.quotas["prod"].gpu == 3
    model = platform.models[0]
    assert model.runtime == "kserve" and model.environments["dev"].autoscaling is None
    assert model.environments["prod"].autoscaling.target_utilization == 70
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.name = "changed"  # type: ignore[misc]


def test_yaml_1_2_scalars_stay_strings(tmp_path):
    from mlopsgen.platform.loader import load_text

    doc = load_text("a: yes\nb: on\nc: 0o17\nd: 1_000\ne: '1'\nf: .inf\n", "x.yaml")
    assert doc.data == {"a": "yes", "b": "on", "c": 15, "d": "1_000", "e": "1", "f": float("inf")}


@pytest.mark.parametrize("args", [["--version"], ["validate", "--help"]])
def test_python_dash_m_entry_point(args):
    result = subprocess.run([sys.executable, "-m", "mlopsgen", *args], capture_output=True, text=True)
    assert result.returncode == 0
    assert "mlopsgen" in result.stdout


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    bad = tmp_path / "platform.yaml"
    bad.write_bytes(b"apiVersion: [\n\x00")
    result = subprocess.run([sys.executable, "-m", "mlopsgen", "validate", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{bad}:2:1: error: file contains a NUL byte" in result.stderr


def test_help_documents_exit_codes(run_cli):
    result = run_cli("--help")
    assert "Exit codes:" in result.output and "2    invalid input or usage" in result.output and "141  the output pipe was closed early" in result.output


def test_spec_reference_is_up_to_date():
    from mlopsgen.specdoc import render_spec_reference

    assert (ROOT / "docs" / "spec.md").read_text() == render_spec_reference(), (
        "docs/spec.md is stale: run `python -m mlopsgen.specdoc > docs/spec.md`"
    )


def test_oversized_file_is_refused_with_a_clear_message(run_cli, tmp_path):
    big = tmp_path / "platform.yaml"
    big.write_text(EXAMPLES[0].read_text() + "# padding\n" * 300_000)
    result = run_cli("validate", str(big))
    assert result.exit_code == 2
    assert f"{big}: error: file is" in result.output and "the limit is" in result.output
