"""Interop: a pact file written by the plugin is accepted by pact-python 4's (Rust) verifier.

A consumer test run with pytester writes the pact (V3 and V4, with matchers and provider states with
parameters); pact-python's verifier then replays it against a tiny provider on 127.0.0.1 (port 0) and
passes it, and fails it against a provider that breaks the contract.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

CONSUMER_TEST = """
import httpx
import pytest
from polycontract import match

pytestmark = pytest.mark.pact(consumer="web", provider="users")

def test_get_user(pact):
    (pact.given("user exists", id=7)
         .upon_receiving("a request for user 7")
         .with_request("GET", "/users/7", headers={"Accept": "application/json"})
         .will_respond_with(200, headers={"Content-Type": "application/json"}, body={
             "id": match.integer(7),
             "name": match.string("Ann"),
             "email": match.regex(r"[^@]+@[^@]+", "ann@example.com"),
             "balance": match.decimal(12.5),
             "joined": match.datetime("2024-01-02T03:04:05+0000"),
             "orders": match.each_like({"id": match.integer(1), "total": match.decimal(9.99)}),
         }))
    with pact.serve() as server:
        user = httpx.get(f"{server.url}/users/7", headers={"Accept": "application/json"}).json()
    assert user["orders"][0]["id"] == 1

def test_missing_user(pact):
    pact.given("no users").upon_receiving("a request for a missing user").with_request(
        "GET", "/users/404").will_respond_with(404)
    with pact.serve() as server:
        assert httpx.get(f"{server.url}/users/404").status_code == 404
"""


class _Provider(BaseHTTPRequestHandler):
    users: dict[int, dict[str, Any]] = {}
    broken = False

    def do_GET(self) -> None:
        user_id = int(self.path.rsplit("/", 1)[1])
        user = self.users.get(user_id)
        if user is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps({**user, "id": str(user_id)} if self.broken else user).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _serve(users: dict[int, dict[str, Any]], broken: bool) -> Iterator[str]:
    """The provider on 127.0.0.1, port chosen by the system; it reads ``users`` as the state handler sets it."""
    handler = type("Provider", (_Provider,), {"users": users, "broken": broken})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _verify_with_pact_python(pact_file: Path, *, broken: bool) -> dict[str, str]:
    """Each interaction's description and pact-python's verdict (``OK`` or a failure) for a provider."""
    from pact import Verifier

    users: dict[int, dict[str, Any]] = {}

    def user_exists(action: str, parameters: dict[str, Any] | None) -> None:
        if action == "setup":
            user_id = int((parameters or {})["id"])
            users[user_id] = {
                "id": user_id,
                "name": "Bo",
                "email": "bo@example.org",
                "balance": 3.25,
                "joined": "2026-11-30T06:00:00+0000",
                "orders": [{"id": 3, "total": 1.5}, {"id": 4, "total": 20.25}],
            }
        else:
            users.clear()

    def no_users(action: str, parameters: dict[str, Any] | None) -> None:
        users.clear()

    with _serve(users, broken) as url:
        verifier = (
            Verifier("users", host="127.0.0.1")
            .add_transport(url=url)
            .add_source(str(pact_file))
            .state_handler({"user exists": user_exists, "no users": no_users}, teardown=True)
        )
        # pact-python raises an opaque RuntimeError on any failure; its results say which interactions.
        with contextlib.suppress(RuntimeError):
            verifier.verify()
    results: list[dict[str, Any]] = verifier.results["interactionResults"]
    return {r["description"]: r["result"] for r in results}


@pytest.fixture(params=["V3", "V4"])
def plugin_pact(request: pytest.FixtureRequest, pytester: pytest.Pytester) -> Path:
    """The pact file the plugin writes for the consumer test above, in the requested spec version."""
    pytester.makepyfile(test_consumer=CONSUMER_TEST)
    pytester.runpytest(f"--pact-spec={request.param}").assert_outcomes(passed=2)
    path = pytester.path / "pacts" / "web-users.json"
    assert json.loads(path.read_text())["metadata"]["pactSpecification"]["version"].startswith(request.param[1])
    return path


def test_pact_pythons_verifier_passes_a_plugin_pact_against_a_correct_provider(plugin_pact: Path) -> None:
    assert _verify_with_pact_python(plugin_pact, broken=False) == {
        "a request for user 7": "OK",
        "a request for a missing user": "OK",
    }


def test_pact_pythons_verifier_fails_a_plugin_pact_against_a_provider_that_breaks_it(plugin_pact: Path) -> None:
    outcome = _verify_with_pact_python(plugin_pact, broken=True)

    assert outcome["a request for a missing user"] == "OK"
    assert outcome["a request for user 7"] != "OK"
