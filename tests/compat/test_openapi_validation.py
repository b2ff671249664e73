"""OpenAPI validation: invalid documents are refused with source, location and message, and the
fast validator (`polycontract.compat._openapi_validate`) agrees with openapi-spec-validator."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from typing import Any

import pytest

from polycontract.compat import _openapi_load, _openapi_validate, openapi
from polycontract.errors import SchemaError

ITEM = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
}


def document(version: str = "3.0.3") -> dict[str, Any]:
    """Two operations on a templated path, a path-level and an operation-level parameter, two schemas."""
    return {
        "openapi": version,
        "info": {"title": "items", "version": "1"},
        "paths": {
            "/items/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {
                    "operationId": "getItem",
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                        }
                    },
                },
                "put": {
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Other"}}}
                    },
                    "responses": {"204": {"description": "done"}},
                },
            }
        },
        "components": {"schemas": {"Item": copy.deepcopy(ITEM), "Other": copy.deepcopy(ITEM)}},
    }


def get(d: dict[str, Any]) -> dict[str, Any]:
    return d["paths"]["/items/{id}"]["get"]  # type: ignore[no-any-return]


def item(d: dict[str, Any]) -> dict[str, Any]:
    return d["components"]["schemas"]["Item"]  # type: ignore[no-any-return]


MUTATIONS: dict[str, Callable[[dict[str, Any]], object]] = {
    "valid": lambda d: None,
    "missing info": lambda d: d.pop("info"),
    "info.version missing": lambda d: d["info"].pop("version"),
    "unknown top-level field": lambda d: d.update(foo=1),
    "extension field": lambda d: d.update({"x-team": "a"}),
    "bad $ref in a response schema": lambda d: get(d)["responses"]["200"]["content"]["application/json"][
        "schema"
    ].update({"$ref": "#/components/schemas/Nope"}),
    "bad $ref to a parameter": lambda d: get(d).update(parameters=[{"$ref": "#/components/parameters/Nope"}]),
    "bad $ref to a response": lambda d: get(d)["responses"].update({"404": {"$ref": "#/components/responses/No"}}),
    "parameter $ref that resolves": lambda d: (
        d["components"].update(parameters={"Q": {"name": "q", "in": "query", "schema": {"type": "string"}}}),
        get(d).update(parameters=[{"$ref": "#/components/parameters/Q"}]),
    ),
    "wrong type in a parameter": lambda d: get(d)["parameters"][0].update(required="yes"),
    "unknown parameter location": lambda d: get(d)["parameters"][0].update({"in": "body"}),
    "duplicate parameter": lambda d: get(d)["parameters"].append({"name": "q", "in": "query"}),
    "duplicate operationId": lambda d: d["paths"]["/items/{id}"]["put"].update(operationId="getItem"),
    "path parameter not declared": lambda d: d["paths"].update(
        {"/x/{y}": {"get": {"responses": {"200": {"description": "ok"}}}}}
    ),
    "declared path parameter not in the path": lambda d: get(d)["parameters"].append(
        {"name": "z", "in": "path", "required": True, "schema": {"type": "string"}}
    ),
    "duplicate tags": lambda d: d.update(tags=[{"name": "a"}, {"name": "a"}]),
    "wrong schema type": lambda d: item(d).update(type="str"),
    "negative maxLength": lambda d: item(d)["properties"]["id"].update(maxLength=-1),
    "allOf with an undefined required property": lambda d: d["components"]["schemas"].update(
        A={"allOf": [{"$ref": "#/components/schemas/Item"}], "required": ["id", "nope"]}
    ),
    "allOf with required properties defined": lambda d: d["components"]["schemas"].update(
        A={"allOf": [{"$ref": "#/components/schemas/Item"}], "required": ["id"]}
    ),
    "default of the wrong type": lambda d: item(d)["properties"]["count"].update(default="x"),
    "default that matches": lambda d: item(d)["properties"]["count"].update(default=3),
    "null default, not nullable": lambda d: item(d)["properties"]["count"].update(default=None),
    "default checked through a $ref": lambda d: d["components"]["schemas"].update(
        R={"type": "object", "properties": {"i": {"$ref": "#/components/schemas/Item"}}, "default": {"i": {}}}
    ),
    "recursive schema": lambda d: d["components"]["schemas"].update(
        C={"type": "object", "properties": {"c": {"$ref": "#/components/schemas/C"}}}
    ),
    "a second copy of a schema, broken": lambda d: d["components"]["schemas"]["Other"]["properties"]["id"].update(
        type="strin"
    ),
}


VALID = {
    "valid",
    "extension field",
    "parameter $ref that resolves",
    "allOf with required properties defined",
    "default that matches",
    "recursive schema",
}


def _outcome(validate: Callable[[dict[str, Any]], None], spec: dict[str, Any]) -> tuple[str, str]:
    try:
        validate(spec)
    except _openapi_validate.OpenAPIInvalid as exc:
        return "invalid", exc.message
    except _openapi_validate.UnresolvableRef:
        return "unresolvable", ""
    return "valid", ""


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_the_fast_validator_agrees_with_openapi_spec_validator(case: str, version: str) -> None:
    spec = document(version)
    MUTATIONS[case](spec)
    expected = _outcome(_openapi_load._validate_with_openapi_spec_validator, spec)
    assert _outcome(_openapi_validate.validate, spec) == expected
    assert (expected[0] == "valid") == (case in VALID)


def test_a_missing_info_names_the_source_and_the_message() -> None:
    spec = document()
    spec.pop("info")
    with pytest.raises(SchemaError, match="'info' is a required property") as info:
        openapi.load(spec, name="api.yaml")
    assert info.value.source == "api.yaml"
    assert info.value.path == "/"
    assert str(info.value).startswith("api.yaml: /: ")


def test_a_bad_ref_names_the_reference_and_where_it_is() -> None:
    spec = document()
    get(spec)["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] = "#/components/schemas/Nope"
    with pytest.raises(SchemaError, match=r"unresolvable \$ref '#/components/schemas/Nope'") as info:
        openapi.load(spec, name="api.yaml")
    assert info.value.source == "api.yaml"
    assert info.value.path == "/paths/~1items~1{id}/get/responses/200/content/application~1json/schema/$ref"


def test_a_wrong_type_in_a_parameter_is_located_at_the_parameter() -> None:
    spec = document()
    get(spec)["parameters"][0]["required"] = "yes"
    with pytest.raises(SchemaError, match="is not valid under any of the given schemas") as info:
        openapi.diff(spec, document(), old_name="v1.json")
    assert info.value.source == "v1.json"
    assert info.value.path == "/paths/~1items~1{id}/get/parameters/0"


def test_a_semantic_error_is_located() -> None:
    spec = document()
    d = spec["paths"]["/items/{id}"]["put"]
    d["operationId"] = "getItem"
    with pytest.raises(SchemaError, match=r"Operation ID 'getItem' for 'put' in '/items/\{id\}' is not unique") as info:
        openapi.load(spec, name="api.yaml")
    assert info.value.path == "/paths/~1items~1{id}/put/operationId"


def test_a_default_of_the_wrong_type_is_located_at_the_default() -> None:
    spec = document()
    item(spec)["properties"]["count"]["default"] = "x"
    with pytest.raises(SchemaError, match="'x' is not of type 'integer'") as info:
        openapi.load(spec, name="api.yaml")
    assert info.value.path == "/components/schemas/Item/properties/count/default"


def test_identical_structures_validated_once_do_not_hide_a_different_broken_one() -> None:
    spec = document()
    for i in range(20):
        spec["components"]["schemas"][f"Copy{i}"] = copy.deepcopy(ITEM)
    spec["components"]["schemas"]["Copy7"]["properties"]["count"]["minimum"] = "zero"
    with pytest.raises(SchemaError) as info:
        openapi.load(spec, name="api.yaml")
    assert info.value.path.startswith("/components/schemas/Copy7")


def test_a_document_that_is_not_plain_json_is_still_validated() -> None:
    """YAML dates and integer keys disable the memo (their JSON text would not identify them)."""
    text = """
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: string, format: date, example: 2024-01-01}
"""
    spec = openapi.load(text, name="api.yaml")
    example = spec["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["example"]
    assert example == datetime.date(2024, 1, 1)
    broken = text.replace("description: ok", "descriptio: ok")
    with pytest.raises(SchemaError, match=r"api\.yaml"):
        openapi.load(broken, name="api.yaml")


def test_other_openapi_3_versions_go_through_openapi_spec_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(_openapi_load, "_validate_with_openapi_spec_validator", calls.append)
    monkeypatch.setattr(_openapi_load, "_VALIDATED", {})
    openapi.load(document("3.2.0"), name="api.yaml")
    assert len(calls) == 1
    openapi.load(document("3.1.0"), name="api.yaml")
    assert len(calls) == 1
