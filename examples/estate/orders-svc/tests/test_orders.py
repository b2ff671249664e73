"""orders-svc's own unit tests."""

from __future__ import annotations

import httpx
import orders_svc


def test_placing_an_order_stores_it_and_publishes_the_event() -> None:
    orders_svc.place_order(3, 12.0)
    with httpx.Client(transport=httpx.WSGITransport(app=orders_svc.app), base_url="http://orders-svc") as client:
        assert client.get("/orders/3").json() == {"id": 3, "status": "PLACED", "total": 12.0, "currency": "EUR"}
    assert orders_svc.OUTBOX[-1] == ("order-placed", {"orderId": 3, "total": 12.0, "currency": "EUR"})
    orders_svc.ORDERS.clear()
