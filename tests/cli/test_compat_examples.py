"""``polycontract compat ... --examples``: the value under each finding, in text and JSON, seeded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from polycontract.cli._compat import compat

pytest.importorskip("hypothesis")


def write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return str(path)


def run(*args: str) -> Any:
    return CliRunner().invoke(compat, list(args))


def record(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "User", "fields": list(fields)}


def test_avro_breaking_finding_is_followed_by_the_message_that_breaks(tmp_path: Path) -> None:
    old = write(tmp_path, "v1.avsc", record({"name": "id", "type": "long"}))
    new = write(tmp_path, "v2.avsc", record({"name": "id", "type": "long"}, {"name": "email", "type": "string"}))
    result = run("avro", old, new, "--examples")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "[reader-field-missing-default]" in lines[0]
    assert lines[1].strip().startswith(f'this message, written by {old}, cannot be read by {new}: {{"id": 0}}')


def test_avro_json_output_carries_the_counterexample(tmp_path: Path) -> None:
    old = write(tmp_path, "v1.avsc", {"type": "enum", "name": "C", "symbols": ["RED"]})
    new = write(tmp_path, "v2.avsc", {"type": "enum", "name": "C", "symbols": ["RED", "BLUE"]})
    result = run("avro", old, new, "--level", "FORWARD", "--examples", "-o", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert document["findings"][0]["counterexample"]["value"] == "BLUE"
    assert document["examples"] == [
        {**document["findings"][0]["counterexample"], "direction": f"{old} reads {new} data", "breaking": True}
    ]


def test_without_examples_the_output_is_unchanged(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", {"type": "number"})
    new = write(tmp_path, "new.json", {"type": "integer"})
    plain = run("jsonschema", old, new, "-o", "json")
    assert "counterexample" not in plain.output and "examples" not in json.loads(plain.output)


def test_jsonschema_finding_shows_a_value_and_the_budget_is_respected(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", {"type": "number"})
    new = write(tmp_path, "new.json", {"type": "integer"})
    result = run("jsonschema", old, new, "--examples", "--examples-budget", "20", "--seed", "3", "-o", "json")
    assert result.exit_code == 1
    found = json.loads(result.output)["findings"][0]["counterexample"]
    assert found["found"] is True and found["tries"] == 20
    assert isinstance(found["value"], float) and not float(found["value"]).is_integer()


def test_safe_by_rules_but_broken_by_a_value_fails_the_gate(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", {"type": "array"})
    new = write(tmp_path, "new.json", {"type": "array", "contains": {"type": "integer"}})
    assert run("jsonschema", old, new).exit_code == 0  # the rule table alone calls it compatible
    result = run("jsonschema", old, new, "--examples")
    assert result.exit_code == 1, result.output
    assert "generated data contradicts the rule table" in result.output
    assert "cannot be read by" in result.output and ": []" in result.output
    assert result.output.splitlines()[-1].endswith("BACKWARD BROKEN")


def test_compatible_change_with_examples_still_passes(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", {"type": "integer"})
    new = write(tmp_path, "new.json", {"type": "number"})
    result = run("jsonschema", old, new, "--examples", "-o", "json")
    assert result.exit_code == 0, result.output
    (direction,) = json.loads(result.output)["examples"]
    assert direction["found"] is False and direction["text"] == "no counterexample found in 100 tries"


def test_same_seed_same_output(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", {"type": "array", "items": {"type": "integer"}})
    new = write(tmp_path, "new.json", {"type": "array", "items": {"type": "integer", "maximum": 3}, "maxItems": 2})
    outputs = {run("jsonschema", old, new, "--examples", "--seed", "11").output for _ in range(3)}
    assert len(outputs) == 1


def test_a_budget_of_zero_is_a_usage_error(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", {"type": "integer"})
    assert run("jsonschema", old, old, "--examples", "--examples-budget", "0").exit_code == 2


def test_openapi_examples_fail_on_a_request_body_the_diff_calls_safe(tmp_path: Path) -> None:
    def document(schema: dict[str, Any]) -> dict[str, Any]:
        body = {"content": {"application/json": {"schema": schema}}}
        operation = {"requestBody": body, "responses": {"204": {"description": "done"}}}
        return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"post": operation}}}

    old = write(tmp_path, "old.json", document({"type": "array"}))
    new = write(tmp_path, "new.json", document({"type": "array", "contains": {"type": "integer"}}))
    assert run("openapi", old, new).exit_code == 0
    result = run("openapi", old, new, "--examples", "-o", "json")
    assert result.exit_code == 1, result.output
    (change,) = json.loads(result.output)["changes"]
    assert change["id"] == "generated-data-contradicts-rules"
    assert change["counterexample"]["value"] == []
