"""The in-process httpx transports: the same expectations as the server, with no socket."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from polycontract import Pact, UsageError, match, model
from polycontract.mock import AsyncMockTransport, MockProvider, MockTransport, MockViolation


def orders() -> Pact:
    pact = Pact(consumer="shop", provider="orders")
    pact.given("order 1 exists").upon_receiving("get order 1").with_request(
        "GET", "/orders/1", query={"expand": "lines"}
    ).will_respond_with(200, body={"id": 1, "lines": match.each_like({"sku": match.string("A1")})})
    pact.upon_receiving("place an order").with_request(
        "POST", "/orders", body={"sku": match.regex("[A-Z][0-9]", "B2")}
    ).will_respond_with(201, headers={"Location": "/orders/2"})
    return pact


def test_sync_transport_answers_and_verifies_when_the_client_closes() -> None:
    with httpx.Client(transport=orders().transport(), base_url="http://orders") as client:
        got = client.get("/orders/1", params={"expand": "lines"})
        placed = client.post("/orders", json={"sku": "C3"})
    assert got.json() == {"id": 1, "lines": [{"sku": "A1"}]}
    assert (placed.status_code, placed.headers["location"]) == (201, "/orders/2")


def test_sync_transport_reports_mismatches_on_exit() -> None:
    with (
        pytest.raises(MockViolation) as caught,
        httpx.Client(transport=orders().transport(), base_url="http://orders") as client,
    ):
        response = client.post("/orders", json={"sku": "lowercase"})
    assert response.status_code == 500
    assert response.json()["mismatches"][0]["path"] == "$.body.sku"
    assert [p.kind for p in caught.value.problems] == ["mismatch", "unused"]
    assert "$.body.sku" in str(caught.value)


def test_outer_with_on_the_transport_waits_for_every_client() -> None:
    with orders().transport() as transport:
        with httpx.Client(transport=transport, base_url="http://orders") as first:
            first.get("/orders/1", params={"expand": "lines"})
        with httpx.Client(transport=transport, base_url="http://orders") as second:
            second.post("/orders", json={"sku": "C3"})


def test_verify_without_a_with_block() -> None:
    transport = orders().transport()
    client = httpx.Client(transport=transport, base_url="http://orders")
    client.get("/orders/1", params={"expand": "lines"})
    with pytest.raises(MockViolation, match=r"'place an order' \(POST /orders\) was never exercised"):
        transport.verify()


def test_async_transport() -> None:
    async def run() -> tuple[Any, int]:
        async with httpx.AsyncClient(transport=orders().async_transport(), base_url="http://orders") as client:
            got = await client.get("/orders/1?expand=lines")
            placed = await client.post("/orders", json={"sku": "C3"})
        return got.json(), placed.status_code

    assert asyncio.run(run()) == ({"id": 1, "lines": [{"sku": "A1"}]}, 201)


def test_async_transport_reports_unexpected_requests() -> None:
    async def run() -> None:
        async with httpx.AsyncClient(transport=orders().async_transport(), base_url="http://orders") as client:
            await client.get("/orders/1?expand=lines")
            await client.post("/orders", json={"sku": "C3"})
            await client.get("/carts")

    with pytest.raises(MockViolation, match="Unexpected request GET /carts"):
        asyncio.run(run())


def test_exception_while_answering_is_reraised() -> None:
    broken = model.HttpInteraction(
        description="broken",
        response=model.Response(generators={"status": {"": model.Generator(type="RandomString")}}),
    )
    transport = MockTransport(model.PactDocument(consumer="a", provider="b", interactions=(broken,)))
    with pytest.raises(UsageError, match="status generator produced"), httpx.Client(transport=transport) as client:
        assert client.get("http://b/").status_code == 500


def test_transport_types() -> None:
    pact = orders()
    assert isinstance(pact.transport(), httpx.BaseTransport)
    assert isinstance(pact.async_transport(), AsyncMockTransport)
    assert isinstance(pact.async_transport(), httpx.AsyncBaseTransport)


def test_lookup_compares_only_interactions_with_the_same_method_and_path(monkeypatch: pytest.MonkeyPatch) -> None:
    pact = Pact(consumer="a", provider="b")
    for n in range(500):
        pact.upon_receiving(f"item {n}").with_request("GET", f"/items/{n}").will_respond_with(200, body={"n": n})
    pact.upon_receiving("any item").with_request("PUT", match.regex(r"/items/\d+", "/items/1")).will_respond_with(204)
    provider = MockProvider(pact.to_model())
    calls: list[str] = []
    real = provider._compare

    def counting(index: int, actual: model.Request, *rest: Any) -> Any:  # every comparison goes through here
        calls.append(provider._interactions[index].request.path)
        return real(index, actual, *rest)

    monkeypatch.setattr(provider, "_compare", counting)
    reply = provider.handle(model.Request(method="GET", path="/items/321"))
    assert (reply.status, reply.body) == (200, b'{"n": 321}')
    assert calls == ["/items/321"]
    calls.clear()
    assert provider.handle(model.Request(method="put", path="/items/9")).status == 204
    assert calls == ["/items/1"]


def test_a_transport_that_received_nothing_says_so_first() -> None:
    with pytest.raises(MockViolation) as raised, MockTransport(orders().to_model()):
        pass

    first = str(raised.value).splitlines()[0]
    assert first == (
        "shop -> orders: the mock provider received no requests: "
        "did the code under test use server.url / the transport?"
    )


def test_an_optional_interaction_left_unused_is_no_problem() -> None:
    declared = orders().to_model()
    place = declared.interactions[1]
    with (
        MockTransport(declared, optional=(place,)) as transport,
        httpx.Client(transport=transport, base_url="http://orders") as client,
    ):
        assert client.get("/orders/1?expand=lines").status_code == 200
    assert transport.provider.exercised() == (declared.interactions[0],)
