"""orders-svc: answers ``GET /orders/{id}`` and publishes an order-placed event when an order is placed.

A WSGI app with no dependencies. Run it: ``python orders_svc.py --port 8001`` (add ``--pact-states``
to accept provider-state changes on ``POST /_pact/state`` during verification).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import make_server

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

#: the service's database (in memory: this is an example)
ORDERS: dict[int, dict[str, Any]] = {}
#: events published, as (topic, contents): a stand-in for the message bus
OUTBOX: list[tuple[str, dict[str, Any]]] = []


def render(order: dict[str, Any]) -> dict[str, Any]:
    """An order as the API returns it."""
    return {"id": order["id"], "status": order["status"], "total": order["total"], "currency": "EUR"}


def order_placed_event(order: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The event published when ``order`` is placed: (contents, metadata)."""
    return {"orderId": order["id"], "total": order["total"], "currency": "EUR"}, {"topic": "order-placed"}


def place_order(order_id: int, total: float) -> dict[str, Any]:
    """Store a new order and publish its order-placed event."""
    order = {"id": order_id, "status": "PLACED", "total": total}
    ORDERS[order_id] = order
    contents, metadata = order_placed_event(order)
    OUTBOX.append((metadata["topic"], contents))
    return order


def _reply(start_response: StartResponse, status: str, body: object) -> Iterable[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI application."""
    found = re.fullmatch(r"/orders/(\d+)", environ.get("PATH_INFO", ""))
    if environ.get("REQUEST_METHOD") != "GET" or found is None:
        return _reply(start_response, "404 Not Found", {"error": "no such route"})
    order = ORDERS.get(int(found.group(1)))
    if order is None:
        return _reply(start_response, "404 Not Found", {"error": "no such order"})
    return _reply(start_response, "200 OK", render(order))


def set_up_state(state: str, params: dict[str, Any]) -> None:
    """Put the service in a provider state named by a consumer's pact."""
    if state == "order 1 exists":
        place_order(int(params.get("id", 1)), 9.5)
    else:
        raise LookupError(f"unknown provider state {state!r}")


def with_pact_states(inner: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``inner`` plus ``POST /_pact/state`` for verification runs only (never deployed like this)."""

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/_pact/state" or environ.get("REQUEST_METHOD") != "POST":
            return inner(environ, start_response)
        size = int(environ.get("CONTENT_LENGTH") or 0)
        change = json.loads(environ["wsgi.input"].read(size) or b"{}")
        if change.get("action", "setup") == "teardown":
            ORDERS.clear()
        else:
            set_up_state(change["state"], change.get("params") or {})
        return _reply(start_response, "200 OK", {})

    return wrapped


def main() -> None:
    """Serve on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--pact-states", action="store_true", help="accept POST /_pact/state (verification only)")
    args = parser.parse_args()
    served = with_pact_states(app) if args.pact_states else app
    with make_server("127.0.0.1", args.port, served) as server:
        print(f"orders-svc on http://127.0.0.1:{server.server_port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
