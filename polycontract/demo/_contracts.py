"""The demo's contract tests: web-ui's consumer tests write pacts, the providers verify them.

These are the tests each team would keep in its own repository; the demo runs them for the
version it is playing. The consumer side uses the real DSL and the real mock provider (its
in-process httpx transport); the provider side uses the real `Verifier` against the WSGI apps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from polycontract import Pact, match
from polycontract.demo._services import AuthService, OrdersService, WebUI
from polycontract.files import write_pact
from polycontract.model import AsynchronousMessage, Body, HttpInteraction
from polycontract.model import PactDocument as PactModel
from polycontract.verifier import VerificationResult, Verifier

__all__ = ["ORDER_1", "USER_7", "reads", "verify_auth", "verify_orders", "web_ui_consumer_tests"]

USER_7: dict[str, Any] = {"id": 7, "name": "Ann Lee", "display_name": "Ann", "email": "ann@example.com"}
ORDER_1: dict[str, Any] = {"id": 1, "status": "PLACED", "total": 9.5}


def _auth_pact(version: str) -> Pact:
    """What web-ui ``version`` expects of auth-svc."""
    pact = Pact(consumer="web-ui", provider="auth-svc")
    field = "name" if version == "1.0.0" else "displayName"
    example = USER_7["name"] if version == "1.0.0" else USER_7["display_name"]
    (
        pact.given("user 7 exists", id=7)
        .upon_receiving("a request for user 7")
        .with_request("GET", "/users/7", headers={"Accept": "application/json"})
        .will_respond_with(200, body={"id": match.integer(7), field: match.string(example)})
    )
    return pact


def _orders_pact() -> Pact:
    """What web-ui expects of orders-svc: an HTTP answer and an order-placed event."""
    pact = Pact(consumer="web-ui", provider="orders-svc")
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
    pact.expects_to_receive("an order-placed event").with_content(
        {"orderId": match.integer(1), "total": match.decimal(9.5)}, metadata={"topic": "order-placed"}
    )
    return pact


def web_ui_consumer_tests(version: str, pact_dir: Path) -> list[PactModel]:
    """Run web-ui ``version``'s consumer tests against the mock providers; write and return its pacts.

    Raises `polycontract.errors.ContractViolation` if web-ui's code does not do what it declared.
    """
    auth_pact, orders_pact = _auth_pact(version), _orders_pact()
    with (
        httpx.Client(transport=auth_pact.transport(), base_url="http://auth-svc") as auth,
        httpx.Client(transport=orders_pact.transport(), base_url="http://orders-svc") as orders,
    ):
        web = WebUI(version, auth=auth, orders=orders)
        greeting = web.greeting(7)
        line = web.order_line(1)
    assert greeting.startswith("Hello, "), greeting
    assert line == "order 1: PLACED, 9.50", line
    orders_pact.verify_message(web.on_order_placed)
    models = [auth_pact.to_model(), orders_pact.to_model()]
    for model in models:
        write_pact(model, pact_dir, mode="overwrite")
    return models


def reads(pact: PactModel) -> str:
    """A one-line summary of what the pact asks for, e.g. ``GET /users/7 -> id, name``."""
    parts = []
    for interaction in pact.interactions:
        if isinstance(interaction, HttpInteraction):
            fields = _fields(interaction.response.body)
            parts.append(f"{interaction.request.method} {interaction.request.path} -> {fields}")
        elif isinstance(interaction, AsynchronousMessage):
            parts.append(f"event {interaction.description!r} -> {_fields(interaction.message.contents)}")
    return "; ".join(parts)


def _fields(body: object) -> str:
    content = body.content if isinstance(body, Body) else None
    return ", ".join(content) if isinstance(content, dict) else "-"


def verify_auth(version: str, pacts: list[PactModel]) -> VerificationResult:
    """auth-svc ``version``'s provider verification of ``pacts``, in-process."""
    service = AuthService(version)
    verifier = Verifier(provider="auth-svc", app=service, provider_version=version, state_timeout=None)

    @verifier.state("user 7 exists")
    def user_exists(params: dict[str, object]) -> object:
        service.users[7] = dict(USER_7)
        yield None
        service.users.clear()

    return verifier.verify(*pacts)


def verify_orders(version: str, pacts: list[PactModel]) -> VerificationResult:
    """orders-svc ``version``'s provider verification of ``pacts`` (HTTP and the order-placed event)."""
    service = OrdersService(version)
    verifier = Verifier(provider="orders-svc", app=service, provider_version=version, state_timeout=None)

    @verifier.state("order 1 exists")
    def order_exists(params: dict[str, object]) -> object:
        service.orders[1] = dict(ORDER_1)
        yield None
        service.orders.clear()

    @verifier.message("an order-placed event")
    def order_placed() -> tuple[dict[str, object], dict[str, object]]:
        return service.order_placed_event(dict(ORDER_1))

    return verifier.verify(*pacts)
