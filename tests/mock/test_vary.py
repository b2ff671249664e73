"""Varied responses: ``pact.serve(vary=...)`` and ``pact.transport(vary=...)`` answer within the declared rules."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract import Pact, UsageError, match
from polycontract.codec import dump_pact
from polycontract.matching import compare_response
from polycontract.mock import MockServer
from polycontract.mock.support import ResponseSource
from polycontract.model import Generator, HttpInteraction, PactDocument

REQUESTS = 8


def users() -> Pact:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("a list of users").with_request("GET", "/users").will_respond_with(
        200,
        headers={"X-Page": match.regex(r"\d+", "1")},
        body={
            "users": match.each_like(
                {"id": match.integer(7), "name": match.string("Ann"), "joined": match.datetime("2024-05-01T10:00:00")},
                min=0,
            )
        },
    )
    return pact


def as_pact_json(response: httpx.Response) -> dict[str, Any]:
    """What the client received, in the shape `compare_response` reads (a pact file's response)."""
    headers = {name: value for name, value in response.headers.items() if name not in ("date", "server")}
    return {"status": response.status_code, "headers": headers, "body": response.json()}


def declared(pact: Pact) -> HttpInteraction:
    interaction = pact.to_model().interactions[0]
    assert isinstance(interaction, HttpInteraction)
    return interaction


def served_by_server(pact: Pact, **vary: Any) -> list[dict[str, Any]]:
    with pact.serve(**vary) as server, httpx.Client(base_url=server.url) as client:
        return [as_pact_json(client.get("/users")) for _ in range(REQUESTS)]


def served_by_transport(pact: Pact, **vary: Any) -> list[dict[str, Any]]:
    with httpx.Client(transport=pact.transport(**vary), base_url="http://users") as client:
        return [as_pact_json(client.get("/users")) for _ in range(REQUESTS)]


@pytest.mark.parametrize("serve", [served_by_server, served_by_transport], ids=["server", "transport"])
def test_every_varied_response_matches_the_declared_rules(serve: Any) -> None:
    pact = users()
    responses = serve(pact, vary=True)
    interaction = declared(pact)
    assert [compare_response(interaction.response, r) for r in responses] == [[]] * REQUESTS


@pytest.mark.parametrize("serve", [served_by_server, served_by_transport], ids=["server", "transport"])
def test_varied_responses_differ_from_request_to_request(serve: Any) -> None:
    responses = serve(users(), vary=True)
    assert len({repr(r["body"]) for r in responses}) > 1
    example = {"users": [{"id": 7, "name": "Ann", "joined": "2024-05-01T10:00:00"}]}
    assert (responses[0]["body"], responses[0]["headers"]["x-page"]) != (example, "1")  # the example comes last


@pytest.mark.parametrize("serve", [served_by_server, served_by_transport], ids=["server", "transport"])
def test_the_same_seed_gives_the_same_responses_and_another_seed_others(serve: Any) -> None:
    first = serve(users(), vary=True, vary_seed=11)
    again = serve(users(), vary=True, vary_seed=11)
    other = serve(users(), vary=True, vary_seed=12)
    default = serve(users(), vary=True)
    assert first == again
    assert other != first
    assert default == serve(users(), vary=True)


def test_without_vary_the_example_is_served() -> None:
    bodies = {repr(r["body"]) for r in served_by_server(users())}
    assert bodies == {repr({"users": [{"id": 7, "name": "Ann", "joined": "2024-05-01T10:00:00"}]})}


def test_a_generator_value_wins_over_the_drawn_one() -> None:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("a user").with_request("GET", "/user").will_respond_with(
        200, body={"id": match.integer(generate_min=900, generate_max=900), "name": match.string("Ann")}
    )
    with httpx.Client(transport=pact.transport(vary=True), base_url="http://users") as client:
        bodies = [client.get("/user").json() for _ in range(REQUESTS)]
    assert {b["id"] for b in bodies} == {900}
    assert len({b["name"] for b in bodies}) > 1  # the rest still varies


def test_a_mock_server_url_generator_points_at_the_varied_server() -> None:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("a link").with_request("GET", "/link").will_respond_with(
        200, body={"next": match.string("http://example/next"), "count": match.integer(1)}
    )
    interaction = declared(pact)
    link = Generator(type="MockServerURL", params={"example": "http://example/next", "regex": r".*(/next)$"})
    response = replace(interaction.response, generators={"body": {"$.next": link}})
    document = PactDocument(consumer="web", provider="users", interactions=(replace(interaction, response=response),))
    server = MockServer(document)
    server.provider.use_responses(ResponseSource(document.interactions, seed=3))  # type: ignore[arg-type]
    with server:
        bodies = [httpx.get(f"{server.url}/link").json() for _ in range(4)]
    assert {b["next"] for b in bodies} == {f"{server.url}/next"}
    assert len({b["count"] for b in bodies}) > 1


def test_async_transport_varies() -> None:
    pact = users()

    async def consume() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(transport=pact.async_transport(vary=True), base_url="http://users") as client:
            return [as_pact_json(await client.get("/users")) for _ in range(REQUESTS)]

    responses = asyncio.run(consume())
    assert [compare_response(declared(pact).response, r) for r in responses] == [[]] * REQUESTS
    assert len({repr(r["body"]) for r in responses}) > 1


def test_the_pact_written_holds_the_declared_examples_not_the_drawn_values() -> None:
    plain, varied = users(), users()
    served_by_server(plain)
    served_by_server(varied, vary=True)
    assert dump_pact(varied.to_model(only_exercised=True)) == dump_pact(plain.to_model(only_exercised=True))


@pytest.mark.parametrize("kind", ["serve", "transport"])
def test_inside_a_hypothesis_test_draws_come_from_its_data_and_shrink(kind: str) -> None:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("a list of items").with_request("GET", "/items").will_respond_with(
        200, body={"items": match.each_like({"id": match.integer(7)}, min=0)}
    )
    seen: list[Any] = []
    plain = httpx.Client()  # one client for every run: making one costs more than a run

    @settings(max_examples=30, database=None, deadline=None)
    @given(data=st.data())
    def consumer_that_needs_item_7(data: st.DataObject) -> None:
        if kind == "serve":
            with pact.serve(vary=data) as server:
                body = plain.get(f"{server.url}/items").json()
        else:
            with httpx.Client(transport=pact.transport(vary=data), base_url="http://users") as client:
                body = client.get("/items").json()
        seen.append(body)
        found = body["items"]
        assert found and found[0]["id"] == 7  # wrong: the contract allows no items, and any id

    with plain, pytest.raises(AssertionError):
        consumer_that_needs_item_7()
    smallest = seen[-1]["items"]  # hypothesis replays the shrunk failure last
    assert smallest == [] or smallest[0] in ({"id": 6}, {"id": 8})  # next to the example's 7


def test_vary_true_inside_a_hypothesis_test_asks_for_its_data() -> None:
    @settings(max_examples=1, database=None)
    @given(st.just(0))
    def consumer(_: int) -> None:
        users().transport(vary=True)

    with pytest.raises(UsageError, match=r"vary=data"):
        consumer()


def test_a_bad_vary_value_is_refused() -> None:
    with pytest.raises(UsageError, match=r"vary='yes'"):
        users().transport(vary="yes")
