"""A consumer test: the web app's users client against polycontract's mock provider, and an event handler.

Run it with ``pytest examples/test_consumer.py``; the pacts ``web-users.json`` and ``web-orders.json``
are written to ``pacts/`` beside the ini file when the tests pass.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from polycontract import Pact, match


class UsersClient:
    """The consumer's own client code: what the test exercises."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url)

    def get(self, user_id: int) -> dict[str, Any]:
        response = self.http.get(f"/users/{user_id}", headers={"Accept": "application/json"})
        response.raise_for_status()
        user: dict[str, Any] = response.json()
        return user


TOTALS: dict[int, float] = {}


def handle_order_placed(event: dict[str, Any], metadata: dict[str, Any]) -> None:
    """The consumer's own message handler."""
    TOTALS[event["orderId"]] = float(event["total"])


@pytest.mark.pact(consumer="web", provider="users")
def test_get_user(pact: Pact) -> None:
    (
        pact.given("user exists", id=7)
        .upon_receiving("a request for user 7")
        .with_request("GET", "/users/7", headers={"Accept": "application/json"})
        .will_respond_with(200, body={"id": match.integer(7), "name": match.string("Ann"), "joined": match.datetime()})
    )
    with pact.serve() as server:
        user = UsersClient(server.url).get(7)
    assert user["name"] == "Ann"


@pytest.mark.pact(consumer="web", provider="orders")
def test_order_placed_event(pact: Pact) -> None:
    pact.expects_to_receive("an order placed event").with_content(
        {"orderId": match.integer(1), "total": match.decimal(9.5)}, metadata={"topic": "orders"}
    )
    pact.verify_message(handle_order_placed)
    assert TOTALS
