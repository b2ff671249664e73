"""Many interactions on one method and path: each request finds its own interaction, whatever the order."""

from __future__ import annotations

import httpx
import pytest

from polycontract import Pact, match
from polycontract.errors import ContractViolation


def _creates(n: int) -> Pact:
    pact = Pact(consumer="web", provider="users")
    for i in range(n):
        pact.upon_receiving(f"create user {i}").with_request(
            "POST", "/users", body={"name": f"u{i}"}
        ).will_respond_with(201, body={"id": i})
    return pact


def test_requests_on_a_shared_path_get_the_response_of_the_interaction_with_their_body() -> None:
    pact = _creates(50)

    with httpx.Client(transport=pact.transport(), base_url="http://users") as client:
        ids = [client.post("/users", json={"name": f"u{i}"}).json()["id"] for i in reversed(range(50))]

    assert ids == list(reversed(range(50)))


def test_a_body_on_a_shared_path_finds_its_interaction_whatever_its_key_order_and_nesting() -> None:
    pact = Pact(consumer="web", provider="users")
    for i in range(20):
        pact.upon_receiving(f"create user {i}").with_request(
            "POST", "/users", body={"name": f"u{i}", "roles": ["a", {"scope": i}], "age": i}
        ).will_respond_with(201, body={"id": i})

    with httpx.Client(transport=pact.transport(), base_url="http://users") as client:
        ids = [
            client.post(
                "/users",
                content=f'{{"age": {i}, "roles": ["a", {{"scope": {i}}}], "name": "u{i}"}}',
                headers={"Content-Type": "application/json"},
            ).json()["id"]
            for i in reversed(range(20))
        ]

    assert ids == list(reversed(range(20)))


def test_a_repeated_request_on_a_shared_path_is_answered_again() -> None:
    pact = _creates(3)

    with httpx.Client(transport=pact.transport(), base_url="http://users") as client:
        answers = [client.post("/users", json={"name": name}).json()["id"] for name in ("u1", "u1", "u0", "u2")]

    assert answers == [1, 1, 0, 2]


def test_twins_differing_only_in_provider_state_are_each_exercised_once() -> None:
    pact = Pact(consumer="web", provider="users")
    for state in ("user exists", "user is archived"):
        pact.given(state).upon_receiving("find user").with_request(
            "GET", "/users", query={"name": "ann"}
        ).will_respond_with(200, body={"state": state})
    pact.upon_receiving("find bob").with_request("GET", "/users", query={"name": "bob"}).will_respond_with(200)

    with httpx.Client(transport=pact.transport(), base_url="http://users") as client:
        states = [client.get("/users", params={"name": "ann"}).json()["state"] for _ in range(2)]
        client.get("/users", params={"name": "bob"})

    assert sorted(states) == ["user exists", "user is archived"]


def test_a_query_matcher_on_a_shared_path_still_matches_other_values() -> None:
    pact = Pact(consumer="web", provider="orders")
    pact.upon_receiving("page of orders").with_request(
        "GET", "/orders", query={"page": match.regex(r"\d+", "1")}
    ).will_respond_with(200, body={"kind": "page"})
    pact.upon_receiving("orders of ann").with_request("GET", "/orders", query={"customer": "ann"}).will_respond_with(
        200, body={"kind": "customer"}
    )

    with httpx.Client(transport=pact.transport(), base_url="http://orders") as client:
        kinds = [client.get("/orders", params=p).json()["kind"] for p in ({"page": "7"}, {"customer": "ann"})]

    assert kinds == ["page", "customer"]


def test_a_body_matching_no_interaction_on_a_shared_path_is_reported_against_the_closest() -> None:
    pact = _creates(3)

    client = httpx.Client(transport=pact.transport(), base_url="http://users")
    with pytest.raises(ContractViolation, match=r"\$\.body\.name") as info, client:
        assert client.post("/users", json={"name": "zed"}).status_code == 500
        for i in range(3):
            client.post("/users", json={"name": f"u{i}"})

    assert "never exercised" not in str(info.value)
