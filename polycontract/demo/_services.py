"""The three services of the demo estate, small enough to read in one sitting.

``auth-svc`` and ``orders-svc`` are WSGI apps (the verifier calls them in-process, no socket);
``web-ui`` is client code built on httpx, as a consumer's real code would be. Each class takes
the version it plays, and the behaviour changes between versions the way the story needs:

* auth-svc 1.0.0 answers ``{"id", "name", "email"}``; 2.0.0 adds ``displayName``; 3.0.0 renames
  ``name`` to ``fullName`` (a breaking change for web-ui 1.0.0); 3.0.1 sends both.
* orders-svc 1.0.0 answers ``{"id", "status", "total"}`` and sends an order-placed event
  ``{"orderId", "total"}``; 1.1.0 adds ``currency`` to both.
* web-ui 1.0.0 greets the user by ``name``; 2.0.0 by ``displayName``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import httpx

__all__ = ["AuthService", "OrdersService", "WebUI"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
JSON = dict[str, Any]


def _json_response(start_response: StartResponse, status: str, body: object) -> Iterable[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


class AuthService:
    """auth-svc: ``GET /users/{id}`` as a WSGI app; ``users`` is its (in-memory) database."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.users: dict[int, JSON] = {}

    def user_json(self, user: JSON) -> JSON:
        """How this version of auth-svc renders a user."""
        body: JSON = {"id": user["id"], "email": user["email"]}
        if self.version == "1.0.0":
            return {**body, "name": user["name"]}
        if self.version == "2.0.0":
            return {**body, "name": user["name"], "displayName": user["display_name"]}
        if self.version == "3.0.0":  # renamed name -> fullName: tidy, and breaking for whoever reads "name"
            return {**body, "fullName": user["name"], "displayName": user["display_name"]}
        # 3.0.1: fullName stays, and "name" is kept (deprecated) while a web-ui that reads it is live
        return {**body, "fullName": user["name"], "name": user["name"], "displayName": user["display_name"]}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        found = re.fullmatch(r"/users/(\d+)", environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "GET" or found is None:
            return _json_response(start_response, "404 Not Found", {"error": "no such route"})
        user = self.users.get(int(found.group(1)))
        if user is None:
            return _json_response(start_response, "404 Not Found", {"error": "no such user"})
        return _json_response(start_response, "200 OK", self.user_json(user))


class OrdersService:
    """orders-svc: ``GET /orders/{id}`` as a WSGI app, and the order-placed event it publishes."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.orders: dict[int, JSON] = {}

    def order_json(self, order: JSON) -> JSON:
        """How this version of orders-svc renders an order."""
        body: JSON = {"id": order["id"], "status": order["status"], "total": order["total"]}
        return body if self.version == "1.0.0" else {**body, "currency": "EUR"}

    def order_placed_event(self, order: JSON) -> tuple[JSON, JSON]:
        """The event (contents, metadata) orders-svc publishes when ``order`` is placed."""
        contents: JSON = {"orderId": order["id"], "total": order["total"]}
        if self.version != "1.0.0":
            contents["currency"] = "EUR"
        return contents, {"topic": "order-placed"}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        found = re.fullmatch(r"/orders/(\d+)", environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "GET" or found is None:
            return _json_response(start_response, "404 Not Found", {"error": "no such route"})
        order = self.orders.get(int(found.group(1)))
        if order is None:
            return _json_response(start_response, "404 Not Found", {"error": "no such order"})
        return _json_response(start_response, "200 OK", self.order_json(order))


class WebUI:
    """web-ui's client code: what it asks auth-svc and orders-svc, and how it handles order-placed."""

    def __init__(self, version: str, *, auth: httpx.Client, orders: httpx.Client) -> None:
        self.version = version
        self.auth = auth
        self.orders = orders
        self.notifications: list[str] = []

    def greeting(self, user_id: int) -> str:
        """The header line: web-ui 1.0.0 greets by ``name``, 2.0.0 by ``displayName``."""
        response = self.auth.get(f"/users/{user_id}", headers={"Accept": "application/json"})
        response.raise_for_status()
        user = response.json()
        field = "name" if self.version == "1.0.0" else "displayName"
        return f"Hello, {user[field]} (#{user['id']})"

    def order_line(self, order_id: int) -> str:
        """One line of the "my orders" page."""
        response = self.orders.get(f"/orders/{order_id}", headers={"Accept": "application/json"})
        response.raise_for_status()
        order = response.json()
        return f"order {order['id']}: {order['status']}, {order['total']:.2f}"

    def on_order_placed(self, contents: JSON, metadata: JSON) -> None:
        """Handle the order-placed event: show a notification (raises if the event lacks a field)."""
        self.notifications.append(f"order {int(contents['orderId'])} placed: {float(contents['total']):.2f}")
