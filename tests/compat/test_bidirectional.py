"""Bi-directional contracts: a consumer's pact checked against a provider's OpenAPI document."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from polycontract.compat import bidirectional
from polycontract.errors import PactFormatError, SchemaError

USER = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "tags": {"type": "array", "minItems": 2, "items": {"type": "string"}},
    },
}
DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "users", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "paths": {
        "/users/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {
                "parameters": [
                    {"name": "view", "in": "query", "schema": {"type": "string", "enum": ["full", "short"]}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
                    },
                    "4XX": {"description": "client error"},
                },
            },
        },
        "/users": {
            "post": {
                "security": [{"key": []}],
                "parameters": [{"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}, "id": {"type": "integer", "readOnly": True}},
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/User"},
                                        {"type": "object", "properties": {"created": {"type": "string"}}},
                                    ]
                                }
                            }
                        },
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {"User": USER},
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    },
}

GET_USER = {
    "description": "get user 1",
    "request": {"method": "GET", "path": "/v1/users/1", "query": {"view": ["full"]}},
    "response": {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": {"id": 1, "name": "Ann", "tags": ["a", "b"]},
        "matchingRules": {"body": {"$.name": {"matchers": [{"match": "type"}]}}},
    },
}
CREATE_USER = {
    "description": "create user",
    "request": {
        "method": "POST",
        "path": "/v1/users",
        "query": {"tenant": ["acme"]},
        "headers": {"Content-Type": "application/json", "X-Key": "secret"},
        "body": {"name": "Ann"},
    },
    "response": {
        "status": 201,
        "headers": {"Content-Type": "application/json"},
        "body": {"id": 7, "name": "Ann", "created": "now"},
    },
}


def pact(*interactions: dict[str, Any]) -> dict[str, Any]:
    return {
        "consumer": {"name": "web"},
        "provider": {"name": "users"},
        "interactions": list(interactions),
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


def changed(interaction: dict[str, Any], *path_and_value: Any) -> dict[str, Any]:
    out = copy.deepcopy(interaction)
    *path, last, value = path_and_value
    node = out
    for part in path:
        node = node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return out


def kinds(report: bidirectional.Report) -> set[str]:
    return {f.kind for f in report.errors}


def test_matching_pact_is_compatible() -> None:
    report = bidirectional.check(pact(GET_USER, CREATE_USER), DOC)
    assert report.compatible, [str(f) for f in report.findings]
    assert report.checked == 2


@pytest.mark.parametrize(
    ("interaction", "kind"),
    [
        (changed(GET_USER, "request", "path", "/v1/accounts/1"), "request-path-unknown"),
        (changed(GET_USER, "request", "method", "DELETE"), "request-method-unknown"),
        (changed(GET_USER, "request", "path", "/v1/users/abc"), "request-path-invalid"),
        (changed(GET_USER, "request", "query", {"view": ["everything"]}), "request-query-invalid"),
        (changed(CREATE_USER, "request", "query", ...), "request-query-missing"),
        (
            changed(CREATE_USER, "request", "headers", {"Content-Type": "application/json"}),
            "request-authorization-missing",
        ),
        (changed(CREATE_USER, "request", "body", {"nom": "Ann"}), "request-body-invalid"),
        (changed(CREATE_USER, "request", "body", {"name": "Ann", "id": 3}), "request-body-invalid"),
        (changed(CREATE_USER, "request", "body", ...), "request-body-missing"),
        (
            changed(CREATE_USER, "request", "headers", {"Content-Type": "application/xml", "X-Key": "k"}),
            "request-media-type-unknown",
        ),
        (changed(GET_USER, "response", "status", 204), "response-status-unknown"),
        (changed(GET_USER, "response", "body", "id", "one"), "response-body-invalid"),
        (changed(GET_USER, "response", "body", "email", "a@b"), "response-property-undeclared"),
        (changed(GET_USER, "response", "body", "tags", ["a"]), "response-body-invalid"),
        (changed(GET_USER, "response", "headers", {"Content-Type": "text/html"}), "response-media-type-unknown"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_mismatch_is_reported_with_its_kind(interaction: dict[str, Any], kind: str) -> None:
    report = bidirectional.check(pact(interaction), DOC)
    assert not report.compatible
    assert kind in kinds(report), [str(f) for f in report.findings]


def test_findings_name_the_interaction_and_the_schema_location() -> None:
    report = bidirectional.check(pact(changed(GET_USER, "response", "body", "id", "one")), DOC)
    [finding] = report.errors
    assert finding.interaction == "get user 1"
    assert finding.location.startswith("/paths/~1users~1{id}/get/responses/200/content/application~1json/schema")
    assert "$.id" in finding.message


def test_array_matcher_min_is_honoured() -> None:
    one_tag = changed(GET_USER, "response", "body", "tags", ["a"])
    each_like = changed(
        one_tag, "response", "matchingRules", "body", "$.tags", {"matchers": [{"match": "type", "min": 2}]}
    )
    assert bidirectional.check(pact(each_like), DOC).compatible


def test_all_of_properties_are_declared() -> None:
    assert bidirectional.check(pact(CREATE_USER), DOC).compatible


def test_status_ranges_cover_specific_codes() -> None:
    not_found = changed(changed(GET_USER, "response", "status", 404), "response", "body", ...)
    assert bidirectional.check(pact(not_found), DOC).compatible


def test_unknown_query_parameter_is_a_warning() -> None:
    report = bidirectional.check(pact(changed(GET_USER, "request", "query", {"view": ["full"], "debug": ["1"]})), DOC)
    assert report.compatible
    assert [f.kind for f in report.findings] == ["request-query-unknown"]


def test_paths_without_the_server_base_path_match_too() -> None:
    assert bidirectional.check(pact(changed(GET_USER, "request", "path", "/users/1")), DOC).compatible


def test_openapi_31_documents_are_checked() -> None:
    doc = copy.deepcopy(DOC)
    doc["openapi"] = "3.1.0"
    assert bidirectional.check(pact(GET_USER), doc).compatible
    assert not bidirectional.check(pact(changed(GET_USER, "response", "body", "id", "one")), doc).compatible


def test_message_interactions_are_not_counted() -> None:
    v4 = {
        "consumer": {"name": "web"},
        "provider": {"name": "users"},
        "interactions": [
            {"type": "Asynchronous/Messages", "description": "event", "contents": {"content": {"a": 1}}},
            {**GET_USER, "type": "Synchronous/HTTP"},
        ],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    assert bidirectional.check(v4, DOC).checked == 1


def test_invalid_document_is_a_schema_error() -> None:
    with pytest.raises(SchemaError):
        bidirectional.check(pact(GET_USER), {"openapi": "3.0.3", "paths": {}}, document_name="api.yaml")


def test_invalid_pact_is_a_pact_format_error() -> None:
    with pytest.raises(PactFormatError):
        bidirectional.check("{not json", DOC)
