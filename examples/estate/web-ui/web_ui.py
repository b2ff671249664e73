"""web-ui's code that talks to other services: the clients its pages use and its event handler.

It reads ``id`` and ``displayName`` from auth-svc, ``id``, ``status`` and ``total`` from orders-svc,
and ``orderId`` and ``total`` from the order-placed event. Only those fields go into its pacts, so
the providers stay free to add and change everything else.
"""

from __future__ import annotations

from typing import Any

import httpx


class AuthClient:
    """Who is logged in, from auth-svc."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def greeting(self, user_id: int) -> str:
        """The page header."""
        response = self.http.get(f"/users/{user_id}", headers={"Accept": "application/json"})
        response.raise_for_status()
        user = response.json()
        return f"Hello, {user['displayName']}"


class OrdersClient:
    """Orders, from orders-svc."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def order_line(self, order_id: int) -> str:
        """One line of the "my orders" page."""
        response = self.http.get(f"/orders/{order_id}", headers={"Accept": "application/json"})
        response.raise_for_status()
        order = response.json()
        return f"order {order['id']}: {order['status']}, {float(order['total']):.2f}"


NOTIFICATIONS: list[str] = []


def on_order_placed(event: dict[str, Any], metadata: dict[str, Any]) -> None:
    """The order-placed event handler: shows a notification."""
    NOTIFICATIONS.append(f"order {int(event['orderId'])} placed: {float(event['total']):.2f}")
