"""Verify a provider against its consumers' pacts: states set up in-process, each interaction reported.

Run: python examples/verify_a_provider.py   (exit status 0 when the provider honours every pact)
"""

from __future__ import annotations

import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from polycontract.verifier import Verifier

USERS: dict[int, dict[str, object]] = {}


async def get_user(request: Request) -> JSONResponse:
    user = USERS.get(int(request.path_params["user_id"]))
    return JSONResponse(user) if user else JSONResponse({"error": "not found"}, status_code=404)


app = Starlette(routes=[Route("/users/{user_id:int}", get_user)])

verifier = Verifier(provider="users", app=app)  # or base_url="http://127.0.0.1:8000" for a running service


@verifier.state("user exists")
def user_exists(params):  # type: ignore[no-untyped-def]
    USERS[params["id"]] = {"id": params["id"], "name": "Alice", "email": "alice@example.com"}
    yield  # the interaction is replayed here
    USERS.clear()


result = verifier.verify(Path(__file__).parent / "pacts")
print(result.report())
sys.exit(0 if result.ok else 1)
