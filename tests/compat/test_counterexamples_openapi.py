"""Counterexamples for OpenAPI body schemas: old requests the new API rejects, new responses old clients reject."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft202012Validator

from polycontract.compat import counterexamples as cx

pytest.importorskip("hypothesis")


def document(request: dict[str, Any], user: dict[str, Any], version: str = "3.0.3") -> dict[str, Any]:
    body = {"content": {"application/json": {"schema": request}}}
    response = {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}
    return {
        "openapi": version,
        "info": {"title": "users", "version": "1"},
        "components": {"schemas": {"User": user}},
        "paths": {"/users": {"post": {"requestBody": body, "responses": {"200": response}}}},
    }


NAME = {"type": "object", "properties": {"name": {"type": "string"}}}
USER = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}


def test_request_property_became_required_shows_an_old_request_the_new_api_rejects() -> None:
    new_request = {**NAME, "required": ["name"]}
    found = cx.openapi_examples(document(NAME, USER), document(new_request, USER))
    (shown,) = [s for s in found.findings if s.finding.id == "request-property-became-required"]
    assert shown.example is not None and shown.example.found
    assert Draft4Validator(NAME).is_valid(shown.example.value)
    assert not Draft4Validator(new_request).is_valid(shown.example.value)


def test_response_became_nullable_shows_a_new_response_old_clients_reject() -> None:
    nullable = {"type": "object", "properties": {"id": {"type": "integer", "nullable": True}}, "required": ["id"]}
    found = cx.openapi_examples(document(NAME, USER), document(NAME, nullable))
    (shown,) = [s for s in found.findings if s.finding.id == "response-property-became-nullable"]
    assert shown.example is not None and shown.example.value == {"id": None}
    assert not Draft4Validator(USER).is_valid({"id": None})


def test_unchanged_bodies_have_no_counterexample() -> None:
    found = cx.openapi_examples(document(NAME, USER, "3.1.0"), document(NAME, USER, "3.1.0"))
    assert [d.example.found for d in found.directions] == [False, False]
    assert not found.contradicted


def test_a_body_the_diff_calls_safe_that_a_value_breaks_is_an_err_change() -> None:
    stricter = {**NAME, "not": {"required": ["name"]}}  # a keyword the diff does not compare
    found = cx.openapi_examples(document(NAME, USER, "3.1.0"), document(stricter, USER, "3.1.0"))
    assert found.contradicted
    first = found.findings[0]
    assert (first.finding.id, first.finding.level) == (cx.CONTRADICTION, "ERR")
    assert first.example is not None
    assert Draft202012Validator(NAME).is_valid(first.example.value)
    assert not Draft202012Validator(stricter).is_valid(first.example.value)
