"""auth-svc: answers ``GET /users/{id}`` with ``{"id", "name", "fullName", "displayName", "email"}``.

A WSGI app with no dependencies. ``name`` is deprecated (``fullName`` replaces it) but stays while a
web-ui version that reads it is deployed: can-i-deploy says when it may go.

Run it: ``python auth_svc.py --port 8000`` (add ``--pact-states`` to accept provider-state changes
on ``POST /_pact/state``, as ``polycontract verify --state-change-url /_pact/state`` sends them).
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
USERS: dict[int, dict[str, Any]] = {}


def render(user: dict[str, Any]) -> dict[str, Any]:
    """A user as the API returns it."""
    return {
        "id": user["id"],
        "fullName": user["name"],
        "name": user["name"],  # deprecated: web-ui 1.x still reads it
        "displayName": user["display_name"],
        "email": user["email"],
    }


def _reply(start_response: StartResponse, status: str, body: object) -> Iterable[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI application."""
    found = re.fullmatch(r"/users/(\d+)", environ.get("PATH_INFO", ""))
    if environ.get("REQUEST_METHOD") != "GET" or found is None:
        return _reply(start_response, "404 Not Found", {"error": "no such route"})
    user = USERS.get(int(found.group(1)))
    if user is None:
        return _reply(start_response, "404 Not Found", {"error": "no such user"})
    return _reply(start_response, "200 OK", render(user))


def set_up_state(state: str, params: dict[str, Any]) -> None:
    """Put the service in a provider state named by a consumer's pact."""
    if state == "user 7 exists":
        user_id = int(params.get("id", 7))
        USERS[user_id] = {"id": user_id, "name": "Ann Lee", "display_name": "Ann", "email": "ann@example.com"}
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
            USERS.clear()
        else:
            set_up_state(change["state"], change.get("params") or {})
        return _reply(start_response, "200 OK", {})

    return wrapped


def main() -> None:
    """Serve on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--pact-states", action="store_true", help="accept POST /_pact/state (verification only)")
    args = parser.parse_args()
    served = with_pact_states(app) if args.pact_states else app
    with make_server("127.0.0.1", args.port, served) as server:
        print(f"auth-svc on http://127.0.0.1:{server.server_port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
