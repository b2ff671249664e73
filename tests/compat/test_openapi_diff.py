"""OpenAPI breaking-change diff: one row per rule, with the request/response asymmetry."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from polycontract.compat import openapi
from polycontract.errors import SchemaError

USER = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string", "maxLength": 50},
        "status": {"type": "string", "enum": ["active", "blocked"]},
        "nick": {"type": "string"},
        "age": {"type": "integer"},
    },
}
NEW_USER = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "maxLength": 50},
        "role": {"type": "string", "enum": ["user", "admin"]},
        "age": {"type": "integer", "minimum": 0},
        "score": {"type": "number"},
    },
}
JSON_USER = {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "users", "version": "1"},
    "paths": {
        "/users/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "parameters": [{"name": "fields", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "headers": {"X-Rate": {"required": True, "schema": {"type": "integer"}}},
                        "content": JSON_USER,
                    },
                    "404": {"description": "not found"},
                },
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/users": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}},
                },
                "responses": {"201": {"description": "created", "content": JSON_USER}},
                "security": [{"oauth": ["write"]}, {"key": []}],
            }
        },
    },
    "components": {
        "schemas": {"User": USER, "NewUser": NEW_USER},
        "securitySchemes": {
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {"tokenUrl": "https://auth/token", "scopes": {"read": "r", "write": "w"}}
                },
            },
            "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
        },
    },
}


def doc(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    change(out)
    return out


def get(d: dict[str, Any]) -> dict[str, Any]:
    return d["paths"]["/users/{id}"]["get"]  # type: ignore[no-any-return]


def post(d: dict[str, Any]) -> dict[str, Any]:
    return d["paths"]["/users"]["post"]  # type: ignore[no-any-return]


def new_user(d: dict[str, Any]) -> dict[str, Any]:
    return d["components"]["schemas"]["NewUser"]  # type: ignore[no-any-return]


def user(d: dict[str, Any]) -> dict[str, Any]:
    return d["components"]["schemas"]["User"]  # type: ignore[no-any-return]


def rename_path_variable(d: dict[str, Any]) -> None:
    item = d["paths"].pop("/users/{id}")
    item["parameters"][0]["name"] = "userId"
    d["paths"]["/users/{userId}"] = item


# (id, change applied to a copy of BASE, expected check id, expected level)
CASES: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    ("path-removed", lambda d: d["paths"].pop("/users"), "api-path-removed-without-deprecation", "ERR"),
    (
        "deprecated-path-removed",
        lambda d: d["paths"].pop("/users"),
        "api-path-removed-with-deprecation",
        "INFO",
    ),
    ("operation-removed", lambda d: d["paths"]["/users/{id}"].pop("delete"), "api-removed-without-deprecation", "ERR"),
    (
        "operation-added",
        lambda d: d["paths"]["/users"].update(get={"responses": {"200": {"description": "x"}}}),
        "endpoint-added",
        "INFO",
    ),
    (
        "new-required-query-parameter",
        lambda d: get(d)["parameters"].append(
            {"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        "new-required-request-parameter",
        "ERR",
    ),
    (
        "new-optional-query-parameter",
        lambda d: get(d)["parameters"].append({"name": "page", "in": "query", "schema": {"type": "integer"}}),
        "new-optional-request-parameter",
        "INFO",
    ),
    (
        "parameter-became-required",
        lambda d: get(d)["parameters"][0].update(required=True),
        "request-parameter-became-required",
        "ERR",
    ),
    ("parameter-removed", lambda d: get(d).pop("parameters"), "request-parameter-removed", "WARN"),
    (
        "parameter-moved-to-header",
        lambda d: get(d)["parameters"][0].update({"in": "header", "required": True}),
        "new-required-request-parameter",
        "ERR",
    ),
    (
        "parameter-enum-value-removed",
        lambda d: get(d)["parameters"][0]["schema"].update(enum=["a"]),
        "request-parameter-enum-value-removed",
        "ERR",
    ),
    (
        "parameter-enum-value-added",
        lambda d: get(d)["parameters"][0]["schema"].update(enum=["a", "b", "c"]),
        "request-parameter-enum-value-added",
        "INFO",
    ),
    (
        "parameter-type-changed",
        lambda d: get(d)["parameters"][0]["schema"].update(type="integer", enum=[1]),
        "request-parameter-type-changed",
        "ERR",
    ),
    (
        "parameter-pattern-added",
        lambda d: get(d)["parameters"][0]["schema"].update(pattern="^[ab]$"),
        "request-parameter-pattern-added",
        "ERR",
    ),
    (
        "new-required-request-property",
        lambda d: (new_user(d)["properties"].update(email={"type": "string"}), new_user(d)["required"].append("email")),
        "new-required-request-property",
        "ERR",
    ),
    (
        "new-optional-request-property",
        lambda d: new_user(d)["properties"].update(email={"type": "string"}),
        "new-optional-request-property",
        "INFO",
    ),
    (
        "request-property-became-required",
        lambda d: new_user(d)["required"].append("role"),
        "request-property-became-required",
        "ERR",
    ),
    (
        "request-property-enum-value-removed",
        lambda d: new_user(d)["properties"]["role"].update(enum=["user"]),
        "request-property-enum-value-removed",
        "ERR",
    ),
    (
        "request-property-enum-value-added",
        lambda d: new_user(d)["properties"]["role"]["enum"].append("guest"),
        "request-property-enum-value-added",
        "INFO",
    ),
    (
        "request-property-became-enum",
        lambda d: new_user(d)["properties"]["name"].update(enum=["x"]),
        "request-property-became-enum",
        "ERR",
    ),
    (
        "request-property-max-length-decreased",
        lambda d: new_user(d)["properties"]["name"].update(maxLength=10),
        "request-property-max-length-decreased",
        "ERR",
    ),
    (
        "request-property-max-length-increased",
        lambda d: new_user(d)["properties"]["name"].update(maxLength=99),
        "request-property-max-length-increased",
        "INFO",
    ),
    (
        "request-property-min-increased",
        lambda d: new_user(d)["properties"]["age"].update(minimum=18),
        "request-property-min-increased",
        "ERR",
    ),
    (
        "request-property-max-set",
        lambda d: new_user(d)["properties"]["age"].update(maximum=150),
        "request-property-max-set",
        "ERR",
    ),
    (
        "request-property-type-narrowed",
        lambda d: new_user(d)["properties"]["score"].update(type="integer"),
        "request-property-type-changed",
        "ERR",
    ),
    (
        "request-property-type-generalized",
        lambda d: new_user(d)["properties"]["age"].update(type="number"),
        "request-property-type-generalized",
        "INFO",
    ),
    (
        "request-property-became-nullable",
        lambda d: new_user(d)["properties"]["role"].update(nullable=True),
        "request-property-became-nullable",
        "INFO",
    ),
    ("request-property-removed", lambda d: new_user(d)["properties"].pop("score"), "request-property-removed", "WARN"),
    (
        "request-media-type-removed",
        lambda d: post(d)["requestBody"].update(content={"text/plain": {"schema": {"type": "string"}}}),
        "request-body-media-type-removed",
        "ERR",
    ),
    (
        "request-media-type-added",
        lambda d: post(d)["requestBody"]["content"].update({"application/xml": {"schema": {"type": "string"}}}),
        "request-body-media-type-added",
        "INFO",
    ),
    (
        "request-body-became-optional",
        lambda d: post(d)["requestBody"].update(required=False),
        "request-body-became-optional",
        "INFO",
    ),
    (
        "request-body-added-required",
        lambda d: d["paths"]["/users/{id}"]["delete"].update(
            requestBody={"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
        ),
        "request-body-added-required",
        "ERR",
    ),
    (
        "response-required-property-removed",
        lambda d: user(d)["properties"].pop("name"),
        "response-required-property-removed",
        "ERR",
    ),
    (
        "response-optional-property-removed",
        lambda d: user(d)["properties"].pop("nick"),
        "response-optional-property-removed",
        "INFO",
    ),
    (
        "response-optional-property-added",
        lambda d: user(d)["properties"].update(email={"type": "string"}),
        "response-optional-property-added",
        "INFO",
    ),
    (
        "response-property-became-optional",
        lambda d: user(d)["required"].remove("name"),
        "response-property-became-optional",
        "ERR",
    ),
    (
        "response-property-became-required",
        lambda d: user(d)["required"].append("nick"),
        "response-property-became-required",
        "INFO",
    ),
    (
        "response-enum-value-added",
        lambda d: user(d)["properties"]["status"]["enum"].append("deleted"),
        "response-property-enum-value-added",
        "ERR",
    ),
    (
        "response-enum-value-removed",
        lambda d: user(d)["properties"]["status"].update(enum=["active"]),
        "response-property-enum-value-removed",
        "INFO",
    ),
    (
        "response-property-became-nullable",
        lambda d: user(d)["properties"]["nick"].update(nullable=True),
        "response-property-became-nullable",
        "ERR",
    ),
    (
        "response-property-type-changed",
        lambda d: user(d)["properties"]["age"].update(type="string"),
        "response-property-type-changed",
        "ERR",
    ),
    (
        "response-max-length-increased",
        lambda d: user(d)["properties"]["name"].update(maxLength=99),
        "response-property-max-length-increased",
        "ERR",
    ),
    (
        "response-max-length-unset",
        lambda d: user(d)["properties"]["name"].pop("maxLength"),
        "response-property-max-length-unset",
        "ERR",
    ),
    (
        "response-success-status-removed",
        lambda d: get(d)["responses"].update({"202": get(d)["responses"].pop("200")}),
        "response-success-status-removed",
        "ERR",
    ),
    (
        "response-success-status-added",
        lambda d: get(d)["responses"].update({"203": {"description": "x"}}),
        "response-success-status-added",
        "INFO",
    ),
    (
        "response-non-success-status-removed",
        lambda d: get(d)["responses"].pop("404"),
        "response-non-success-status-removed",
        "WARN",
    ),
    (
        "response-media-type-removed",
        lambda d: get(d)["responses"]["200"].update(content={"application/xml": {"schema": {"type": "string"}}}),
        "response-media-type-removed",
        "ERR",
    ),
    (
        "required-response-header-removed",
        lambda d: get(d)["responses"]["200"].pop("headers"),
        "required-response-header-removed",
        "ERR",
    ),
    (
        "response-header-became-optional",
        lambda d: get(d)["responses"]["200"]["headers"]["X-Rate"].update(required=False),
        "response-header-became-optional",
        "ERR",
    ),
    ("security-added-to-open-operation", lambda d: get(d).update(security=[{"key": []}]), "api-security-added", "ERR"),
    (
        "security-alternative-removed",
        lambda d: post(d).update(security=[{"oauth": ["write"]}]),
        "api-security-removed",
        "ERR",
    ),
    (
        "security-alternative-added",
        lambda d: post(d)["security"].append({"oauth": ["read"], "key": []}),
        "api-security-added",
        "INFO",
    ),
    (
        "security-scope-added",
        lambda d: post(d)["security"][0]["oauth"].append("read"),
        "api-security-scope-added",
        "ERR",
    ),
    ("security-scope-removed", lambda d: post(d)["security"][0].update(oauth=[]), "api-security-scope-removed", "INFO"),
    (
        "global-security-added",
        lambda d: d.update(security=[{"key": []}]),
        "api-global-security-added",
        "ERR",
    ),
    (
        "security-scheme-type-changed",
        lambda d: d["components"]["securitySchemes"].update(key={"type": "http", "scheme": "bearer"}),
        "api-security-component-type-changed",
        "ERR",
    ),
]


def _old_for(case_id: str) -> dict[str, Any]:
    if case_id == "deprecated-path-removed":
        return doc(lambda d: post(d).update(deprecated=True))
    return BASE


@pytest.mark.parametrize(("change", "check_id", "level"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_openapi_rule(
    request: pytest.FixtureRequest, change: Callable[[dict[str, Any]], object], check_id: str, level: str
) -> None:
    case_id = request.node.callspec.id
    report = openapi.diff(_old_for(case_id), doc(change))
    found = {(c.id, c.level) for c in report.changes}
    assert (check_id, level) in found, [str(c) for c in report.changes]
    assert report.breaking is any(c.level == "ERR" for c in report.changes)


def test_identical_documents_have_no_changes() -> None:
    assert openapi.diff(BASE, copy.deepcopy(BASE)).changes == ()


def test_renaming_a_path_variable_is_not_a_change() -> None:
    assert openapi.diff(BASE, doc(rename_path_variable)).changes == ()


def test_change_locations_name_operation_part_and_property() -> None:
    report = openapi.diff(BASE, doc(lambda d: user(d)["properties"].pop("name")))
    locations = {c.location for c in report.errors}
    assert "GET /users/{id} response 200 application/json /name" in locations
    assert "POST /users response 201 application/json /name" in locations


def test_the_same_change_is_safe_in_requests_and_breaking_in_responses() -> None:
    shared = doc(lambda d: d["components"]["schemas"].update(NewUser={"$ref": "#/components/schemas/User"}))
    widened = doc(
        lambda d: (
            d["components"]["schemas"].update(NewUser={"$ref": "#/components/schemas/User"}),
            user(d)["properties"]["status"]["enum"].append("x"),
        )
    )
    levels = {
        c.location.split()[2]: c.level
        for c in openapi.diff(shared, widened).changes
        if c.id.endswith("enum-value-added")
    }
    assert levels == {"request": "INFO", "response": "ERR"}


def test_openapi_31_null_in_type_array_counts_as_nullable() -> None:
    old = doc(lambda d: d.update(openapi="3.1.0"))
    new = doc(lambda d: (d.update(openapi="3.1.0"), user(d)["properties"]["nick"].update(type=["string", "null"])))
    assert ("response-property-became-nullable", "ERR") in {(c.id, c.level) for c in openapi.diff(old, new).changes}


def test_read_only_properties_do_not_count_in_requests() -> None:
    new = doc(
        lambda d: (
            new_user(d)["properties"].update(id={"type": "string", "readOnly": True}),
            new_user(d)["required"].append("id"),
        )
    )
    assert not openapi.diff(BASE, new).breaking


def test_yaml_and_json_text_are_accepted() -> None:
    yaml = pytest.importorskip("yaml")
    report = openapi.diff(yaml.safe_dump(BASE), json.dumps(doc(lambda d: d["paths"].pop("/users"))))
    assert report.breaking


def test_changes_are_sorted_most_severe_first() -> None:
    report = openapi.diff(BASE, doc(lambda d: (user(d)["properties"].pop("nick"), user(d)["properties"].pop("name"))))
    assert [c.level for c in report.changes] == sorted(
        (c.level for c in report.changes), key=["ERR", "WARN", "INFO"].index
    )


def test_invalid_document_is_a_schema_error_with_location() -> None:
    bad = doc(lambda d: get(d)["responses"]["200"].pop("description"))
    with pytest.raises(SchemaError) as info:
        openapi.diff(bad, BASE, old_name="v1.yaml")
    assert info.value.source == "v1.yaml"
    assert info.value.path.startswith("/paths/~1users~1{id}/get/responses")


def test_swagger_2_is_rejected() -> None:
    with pytest.raises(SchemaError, match="not an OpenAPI 3"):
        openapi.diff({"swagger": "2.0", "info": {}, "paths": {}}, BASE)


def test_unresolvable_ref_is_a_schema_error() -> None:
    bad = doc(
        lambda d: get(d)["responses"]["200"].update(
            content={"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}
        )
    )
    with pytest.raises(SchemaError, match="Nope"):
        openapi.diff(BASE, bad, new_name="v2.json")


def test_text_that_does_not_parse_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="neither JSON nor YAML"):
        openapi.diff("openapi: [", BASE)


def test_validate_false_skips_the_validator() -> None:
    bad = doc(lambda d: get(d)["responses"]["200"].pop("description"))
    assert openapi.diff(bad, BASE, validate=False).changes == ()


#: The same rows diffed the other way round (new → old): each rule's counterpart.
REVERSED = {
    "path-removed": ("endpoint-added", "INFO"),
    "operation-removed": ("endpoint-added", "INFO"),
    "operation-added": ("api-removed-without-deprecation", "ERR"),
    "new-required-query-parameter": ("request-parameter-removed", "WARN"),
    "parameter-became-required": ("request-parameter-became-optional", "INFO"),
    "parameter-removed": ("new-optional-request-parameter", "INFO"),
    "parameter-enum-value-removed": ("request-parameter-enum-value-added", "INFO"),
    "parameter-enum-value-added": ("request-parameter-enum-value-removed", "ERR"),
    "parameter-pattern-added": ("request-parameter-pattern-removed", "INFO"),
    "new-required-request-property": ("request-property-removed", "WARN"),
    "request-property-became-required": ("request-property-became-optional", "INFO"),
    "request-property-became-enum": ("request-property-enum-removed", "INFO"),
    "request-property-max-length-decreased": ("request-property-max-length-increased", "INFO"),
    "request-property-max-set": ("request-property-max-unset", "INFO"),
    "request-property-type-generalized": ("request-property-type-changed", "ERR"),
    "request-property-became-nullable": ("request-property-became-not-nullable", "ERR"),
    "request-media-type-added": ("request-body-media-type-removed", "ERR"),
    "request-body-became-optional": ("request-body-became-required", "ERR"),
    "request-body-added-required": ("request-body-removed", "WARN"),
    "response-required-property-removed": ("response-required-property-added", "INFO"),
    "response-optional-property-added": ("response-optional-property-removed", "INFO"),
    "response-property-became-optional": ("response-property-became-required", "INFO"),
    "response-enum-value-added": ("response-property-enum-value-removed", "INFO"),
    "response-enum-value-removed": ("response-property-enum-value-added", "ERR"),
    "response-property-became-nullable": ("response-property-became-not-nullable", "INFO"),
    "response-max-length-unset": ("response-property-max-length-set", "INFO"),
    "response-success-status-added": ("response-success-status-removed", "ERR"),
    "response-non-success-status-removed": ("response-non-success-status-added", "INFO"),
    "response-media-type-removed": ("response-media-type-removed", "ERR"),
    "security-added-to-open-operation": ("api-security-removed", "INFO"),
    "security-alternative-removed": ("api-security-added", "INFO"),
    "security-scope-added": ("api-security-scope-removed", "INFO"),
    "security-scope-removed": ("api-security-scope-added", "ERR"),
    "global-security-added": ("api-global-security-removed", "INFO"),
}
ROWS = {c[0]: c[1] for c in CASES}


@pytest.mark.parametrize(("case_id", "expected"), sorted(REVERSED.items()), ids=sorted(REVERSED))
def test_openapi_rule_reversed(case_id: str, expected: tuple[str, str]) -> None:
    report = openapi.diff(doc(ROWS[case_id]), BASE)
    assert expected in {(c.id, c.level) for c in report.changes}, [str(c) for c in report.changes]


def test_external_refs_are_rejected_without_reading_anything() -> None:
    remote = doc(lambda d: user(d)["properties"].update(x={"$ref": "https://example.com/schemas/x.yaml"}))
    with pytest.raises(SchemaError, match="external") as info:
        openapi.diff(BASE, remote, new_name="v2.yaml")
    assert info.value.path == "/components/schemas/User/properties/x/$ref"


def test_dangling_ref_is_a_schema_error_even_without_validation() -> None:
    dangling = doc(
        lambda d: get(d)["responses"]["200"].update(
            content={"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}
        )
    )
    with pytest.raises(SchemaError, match="does not resolve"):
        openapi.diff(BASE, dangling, validate=False)
