"""Consumer tests: what web-ui needs from orders-svc, over HTTP and as an event (``pacts/web-ui-orders-svc.json``)."""

from __future__ import annotations

import httpx
import pytest
import web_ui

from polycontract import Pact, match

pytestmark = pytest.mark.pact(consumer="web-ui", provider="orders-svc")


def test_shows_an_order(pact: Pact) -> None:
    (
        pact.given("order 1 exists", id=1)
        .upon_receiving("a request for order 1")
        .with_request("GET", "/orders/1", headers={"Accept": "application/json"})
        .will_respond_with(
            200,
            body={
                "id": match.integer(1),
                "status": match.regex("PLACED|PAID|SHIPPED", "PLACED"),
                "total": match.decimal(9.5),
            },
        )
    )
    with pact.serve() as server, httpx.Client(base_url=server.url) as http:
        assert web_ui.OrdersClient(http).order_line(1) == "order 1: PLACED, 9.50"


def test_notifies_when_an_order_is_placed(pact: Pact) -> None:
    pact.expects_to_receive("an order-placed event").with_content(
        {"orderId": match.integer(1), "total": match.decimal(9.5)}, metadata={"topic": "order-placed"}
    )
    pact.verify_message(web_ui.on_order_placed)
    assert web_ui.NOTIFICATIONS[-1] == "order 1 placed: 9.50"
