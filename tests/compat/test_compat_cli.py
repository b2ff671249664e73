"""``polycontract compat``: files in, findings out, exit 0 compatible / 1 breaking / 2 error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from polycontract.cli._compat import compat


def write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return str(path)


def record(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "User", "fields": list(fields)}


def run(*args: str) -> Any:
    return CliRunner().invoke(compat, list(args))


def test_avro_compatible_exits_0(tmp_path: Path) -> None:
    old = write(tmp_path, "v1.avsc", record({"name": "id", "type": "int"}))
    new = write(tmp_path, "v2.avsc", record({"name": "id", "type": "long"}))
    result = run("avro", old, new)
    assert result.exit_code == 0, result.output
    assert "BACKWARD: compatible" in result.output


def test_avro_transitive_breaking_exits_1_with_json(tmp_path: Path) -> None:
    v1 = write(tmp_path, "v1.avsc", record({"name": "id", "type": "long"}, {"name": "f", "type": "int"}))
    v2 = write(tmp_path, "v2.avsc", record({"name": "id", "type": "long"}))
    v3 = write(
        tmp_path, "v3.avsc", record({"name": "id", "type": "long"}, {"name": "f", "type": "string", "default": ""})
    )
    assert run("avro", v1, v2, v3).exit_code == 0
    result = run("avro", v1, v2, v3, "--level", "backward_transitive", "--output", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["compatible"] is False
    assert document["findings"][0]["path"] == "User.f"
    assert document["findings"][0]["against"] == v1


def test_avro_needs_two_files(tmp_path: Path) -> None:
    result = run("avro", write(tmp_path, "v1.avsc", '"int"'))
    assert result.exit_code == 2


def test_unparsable_schema_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.avsc", '{"type": "record", "name": "R", "fields": [{"name": "a"}]}')
    result = CliRunner().invoke(compat, ["avro", bad, bad])
    assert result.exit_code == 2
    assert "bad.avsc" in result.output
    assert "Traceback" not in result.output


def test_jsonschema_levels(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", {"type": "integer"})
    new = write(tmp_path, "new.yaml", "type: number\n")
    assert run("jsonschema", old, new).exit_code == 0
    result = run("jsonschema", old, new, "--level", "FULL", "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.output)["forward"] is False


def test_openapi_breaking_exits_1(tmp_path: Path) -> None:
    base = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    old = write(tmp_path, "old.json", base)
    new = write(tmp_path, "new.json", {**base, "paths": {}})
    result = run("openapi", old, new)
    assert result.exit_code == 1
    assert "api-path-removed-without-deprecation" in result.output
    assert run("openapi", old, old).exit_code == 0


def test_bidirectional_command(tmp_path: Path) -> None:
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "properties": {"id": {"type": "integer"}}}
                                }
                            },
                        }
                    }
                }
            }
        },
    }
    pact = {
        "consumer": {"name": "c"},
        "provider": {"name": "p"},
        "interactions": [
            {
                "description": "get a",
                "request": {"method": "GET", "path": "/a"},
                "response": {"status": 200, "body": {"id": "x"}},
            }
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    result = run("bidirectional", write(tmp_path, "pact.json", pact), write(tmp_path, "api.json", doc), "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.output)["findings"][0]["kind"] == "response-body-invalid"


def test_compat_is_a_polycontract_command() -> None:
    from polycontract.cli import cli

    result = CliRunner().invoke(cli, ["compat", "--help"])
    assert result.exit_code == 0
    assert all(name in result.output for name in ("avro", "jsonschema", "openapi", "bidirectional"))
