"""Many interactions on one method and path (GraphQL-like): which interaction answers, and what a miss reports,
are the same as comparing the request with every interaction of the path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from polycontract import Pact, match
from polycontract.errors import ContractViolation
from polycontract.mock import MockProvider
from polycontract.model import Body, Request


def _graphql(n: int) -> Pact:
    pact = Pact(consumer="web", provider="api")
    for i in range(n):
        pact.upon_receiving(f"operation {i}").with_request(
            "POST", "/graphql", body={"query": f"op {i}", "variables": {"id": match.integer(1)}}
        ).will_respond_with(200, body={"n": i})
    return pact


def _post(client: httpx.Client, query: str, ident: Any = 5) -> httpx.Response:
    return client.post("/graphql", json={"query": query, "variables": {"id": ident}})


def test_a_repeated_request_on_a_busy_path_is_answered_by_its_interaction_each_time() -> None:
    pact = _graphql(200)

    with httpx.Client(transport=pact.transport(), base_url="http://api") as client:
        answers = [_post(client, "op 150").json()["n"] for _ in range(3)]
        for i in range(200):
            _post(client, f"op {i}")

    assert answers == [150, 150, 150]


def test_a_repeated_request_compares_only_the_interactions_with_its_literal_body_field() -> None:
    provider = MockProvider(_graphql(500).to_model())
    compared: list[int] = []
    original = provider._compare

    def counting(index: int, request: Request, decoded: Any = None) -> Any:
        compared.append(index)
        return original(index, request, decoded)

    provider._compare = counting  # type: ignore[method-assign]
    request = Request(
        method="POST",
        path="/graphql",
        body=Body(content=b'{"query": "op 400", "variables": {"id": 9}}', content_type="application/json"),
    )
    provider.handle(request)
    compared.clear()

    assert provider.handle(request).status == 200
    assert compared == [400]


def test_an_earlier_interaction_with_a_rule_on_the_field_still_answers_first() -> None:
    pact = Pact(consumer="web", provider="api")
    pact.upon_receiving("any operation").with_request(
        "POST", "/graphql", body={"query": match.like("op 0"), "variables": {"id": 1}}
    ).will_respond_with(200, body={"n": "any"})
    for i in range(3):
        pact.upon_receiving(f"operation {i}").with_request(
            "POST", "/graphql", body={"query": f"op {i}", "variables": {"id": 1}}
        ).will_respond_with(200, body={"n": i})

    with httpx.Client(transport=pact.transport(), base_url="http://api") as client:
        answers = [_post(client, "op 2", 1).json()["n"] for _ in range(3)]
        answers.append(_post(client, "op 7", 1).json()["n"])
        for i in range(2):
            _post(client, f"op {i}", 1)

    assert answers == ["any", 2, "any", "any"]  # declaration order first, then the first matched again


def test_twins_on_a_busy_path_are_each_exercised_once_then_the_first_answers_again() -> None:
    pact = Pact(consumer="web", provider="api")
    for state in ("a", "b"):
        pact.given(f"state {state}").upon_receiving(f"operation in {state}").with_request(
            "POST", "/graphql", body={"query": "op", "variables": {"id": match.integer(1)}}
        ).will_respond_with(200, body={"state": state})
    pact.upon_receiving("other").with_request(
        "POST", "/graphql", body={"query": "other", "variables": {"id": 1}}
    ).will_respond_with(200, body={"state": "other"})

    with httpx.Client(transport=pact.transport(), base_url="http://api") as client:
        states = [_post(client, "op").json()["state"] for _ in range(3)]
        _post(client, "other", 1)

    assert states == ["a", "b", "a"]


def test_a_request_matching_nothing_on_a_busy_path_names_the_closest_interaction() -> None:
    pact = _graphql(50)

    with (
        pytest.raises(ContractViolation) as raised,
        httpx.Client(transport=pact.transport(), base_url="http://api") as client,
    ):
        assert _post(client, "op 7", "not a number").status_code == 500
        for i in range(50):
            _post(client, f"op {i}")

    problems = raised.value.problems  # type: ignore[attr-defined]
    assert [p.kind for p in problems] == ["mismatch"]
    assert problems[0].interaction == "'operation 7'"
    assert [m.path for m in problems[0].mismatches] == ["$.body.variables.id"]


def test_a_busy_path_told_apart_by_a_query_parameter_answers_each_request() -> None:
    pact = Pact(consumer="web", provider="api")
    for i in range(100):
        pact.upon_receiving(f"search {i}").with_request(
            "GET", "/search", query={"q": f"t{i}", "page": match.regex(r"\d+", "1")}
        ).will_respond_with(200, body={"n": i})

    with httpx.Client(transport=pact.transport(), base_url="http://api") as client:
        answers = [client.get("/search", params={"q": f"t{i}", "page": "2"}).json()["n"] for i in (99, 99, 3)]
        for i in range(100):
            client.get("/search", params={"q": f"t{i}", "page": "1"})

    assert answers == [99, 99, 3]


def test_a_body_that_is_json_text_in_a_string_is_compared_with_every_interaction() -> None:
    pact = Pact(consumer="web", provider="api")
    for i in range(3):
        pact.upon_receiving(f"operation {i}").with_request(
            "POST", "/graphql", body={"query": f"op {i}"}
        ).will_respond_with(200, body={"n": i})
    provider = MockProvider(pact.to_model(), optional=pact.to_model().interactions)
    as_text = Body(content=b'"{\\"query\\": \\"op 1\\"}"', content_type="application/json")
    plain = Body(content=b'{"query": "op 1"}', content_type="application/json")

    with_text = provider.handle(Request(method="POST", path="/graphql", body=as_text))
    fresh = MockProvider(pact.to_model(), optional=pact.to_model().interactions)
    fresh._parts = {}  # the answer without the index

    assert with_text.status == fresh.handle(Request(method="POST", path="/graphql", body=as_text)).status
    assert provider.handle(Request(method="POST", path="/graphql", body=plain)).status == 200


def test_a_busy_path_told_apart_by_a_header_answers_each_request_whatever_its_spacing_and_case() -> None:
    pact = Pact(consumer="web", provider="api")
    for i in range(100):
        pact.upon_receiving(f"operation for tenant {i}").with_request(
            "POST", "/graphql", headers={"X-Tenant": f"t{i}, eu"}, body={"query": "op", "variables": {"id": 1}}
        ).will_respond_with(200, body={"n": i})
    body = {"query": "op", "variables": {"id": 1}}

    with (
        pytest.raises(ContractViolation) as raised,
        httpx.Client(transport=pact.transport(), base_url="http://api") as client,
    ):
        answers = [
            client.post("/graphql", headers={"x-tenant": f"t{i},eu"}, json=body).json()["n"] for i in (42, 42, 7)
        ]
        client.post("/graphql", json=body)  # no header: the first interaction is the closest
        for i in range(100):
            client.post("/graphql", headers={"X-Tenant": f"t{i}, eu"}, json=body)

    assert answers == [42, 42, 7]
    problems = raised.value.problems  # type: ignore[attr-defined]
    assert [(p.kind, p.interaction) for p in problems] == [("mismatch", "'operation for tenant 0'")]
