"""Consumer test: what web-ui needs from auth-svc. Passing, it adds to ``pacts/web-ui-auth-svc.json``."""

from __future__ import annotations

import httpx
import pytest
from web_ui import AuthClient

from polycontract import Pact, match

pytestmark = pytest.mark.pact(consumer="web-ui", provider="auth-svc")


def test_greets_the_user_by_display_name(pact: Pact) -> None:
    (
        pact.given("user 7 exists", id=7)
        .upon_receiving("a request for user 7")
        .with_request("GET", "/users/7", headers={"Accept": "application/json"})
        .will_respond_with(200, body={"id": match.integer(7), "displayName": match.string("Ann")})
    )
    with pact.serve() as server, httpx.Client(base_url=server.url) as http:
        assert AuthClient(http).greeting(7) == "Hello, Ann"
