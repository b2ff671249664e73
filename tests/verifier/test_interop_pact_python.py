"""Interop with pact-python 4: pacts it writes are verified by polycontract, with the same verdicts.

The pact is generated here with pact-python's consumer API (its Rust mock server), then the same
provider on 127.0.0.1 is verified by pact-python's verifier and by polycontract: both pass it, and
both fail the same interactions of a deliberately broken provider.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract.verifier import Verifier
from tests.verifier.providers import UsersApp, serve

pact_python = pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
# pact-python's own callback servers for state handlers and messages leave sockets unclosed.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")


@pytest.fixture(scope="module")
def pact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A V4 pact web -> users written by pact-python's consumer API after exercising its mock server."""
    from pact import Pact, match

    pact = Pact("web", "users").with_specification("V4")
    (
        pact.upon_receiving("get user")
        .given("user exists", id=1)
        .with_request("GET", "/users/1")
        .with_header("Accept", "application/json")
        .will_respond_with(200)
        .with_body({"id": match.int(1), "name": match.str("alice")}, content_type="application/json")
    )
    (
        pact.upon_receiving("create user")
        .with_request("POST", "/users")
        .with_body({"name": "bob"}, content_type="application/json")
        .will_respond_with(201)
        .with_body({"id": match.int(99), "name": "bob"}, content_type="application/json")
    )
    pact.upon_receiving("missing user").with_request("GET", "/users/404").will_respond_with(404)
    with pact.serve() as server:
        base = str(server.url)
        httpx.get(f"{base}/users/1", headers={"Accept": "application/json"})
        httpx.post(f"{base}/users", json={"name": "bob"})
        httpx.get(f"{base}/users/404")
    directory = tmp_path_factory.mktemp("pacts")
    pact.write_file(directory, overwrite=True)
    return directory


def _polycontract_failures(app: UsersApp, url: str, pacts: Path) -> set[str]:
    verifier = Verifier(provider="users", base_url=url)

    @verifier.state("user exists")
    def user_exists(params: dict[str, Any]) -> Any:
        app.users[int(params["id"])] = "alice"
        return app.users.clear

    result = verifier.verify(pacts)
    assert not result.source_errors, result.report()
    assert len(result) == 3
    return {r.description for r in result if not r.ok}


def _pact_python_failures(app: UsersApp, url: str, pacts: Path) -> set[str]:
    from pact import Verifier as PactVerifier

    def user_exists(action: str, parameters: dict[str, Any] | None) -> None:
        if action == "setup":
            app.users[int((parameters or {})["id"])] = "alice"
        else:
            app.users.clear()

    verifier = (
        PactVerifier("users", host="127.0.0.1")
        .add_transport(url=url)
        .add_source(str(pacts))
        .state_handler({"user exists": user_exists}, teardown=True)
    )
    with contextlib.suppress(RuntimeError):  # raised on any failure; the results say which interactions
        verifier.verify()
    results = verifier.results["interactionResults"]
    assert len(results) == 3
    return {r["description"] for r in results if r["result"] != "OK"}


def test_a_pact_written_by_pact_python_passes_against_a_correct_provider_in_both(pact_dir: Path) -> None:
    app = UsersApp()
    with serve(app) as url:
        assert _polycontract_failures(app, url, pact_dir) == set()
        assert _pact_python_failures(app, url, pact_dir) == set()


def test_a_broken_provider_fails_the_same_interactions_in_both(pact_dir: Path) -> None:
    app = UsersApp()
    app.broken = True  # answers the user id as a string
    with serve(app) as url:
        ours = _polycontract_failures(app, url, pact_dir)
        theirs = _pact_python_failures(app, url, pact_dir)

    assert ours == theirs == {"get user"}


@pytest.fixture(scope="module")
def message_pact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A V4 asynchronous message pact billing -> users written by pact-python."""
    from pact import Pact, match

    pact = Pact("billing", "users").with_specification("V4")
    (
        pact.upon_receiving("a user created event", "Async")
        .given("user exists", id=1)
        .with_body({"id": match.int(1), "name": match.str("alice")}, content_type="application/json")
        .with_metadata(topic="users")
    )
    pact.verify(lambda body, metadata: None, "Async")
    directory = tmp_path_factory.mktemp("message-pacts")
    pact.write_file(directory, overwrite=True)
    return directory


@pytest.mark.parametrize(
    ("payload", "fails"), [({"id": 5, "name": "bob"}, False), ({"id": "5", "name": "bob"}, True)], ids=["good", "bad"]
)
def test_a_message_pact_written_by_pact_python_gets_the_same_verdict(
    message_pact_dir: Path, payload: dict[str, Any], fails: bool
) -> None:
    import json

    from pact import Verifier as PactVerifier

    verifier = Verifier(provider="users", base_url="http://127.0.0.1:9")
    verifier.add_state("user exists", lambda params: None)
    verifier.add_message("a user created event", lambda: (payload, {"topic": "users"}))
    ours = {r.description for r in verifier.verify(message_pact_dir) if not r.ok}

    message = {
        "contents": json.dumps(payload).encode(),
        "metadata": {"topic": "users"},
        "content_type": "application/json",
    }
    theirs_verifier = (
        PactVerifier("users")
        .message_handler({"a user created event": message})
        .add_source(str(message_pact_dir))
        .state_handler({"user exists": lambda action, parameters: None}, teardown=True)
    )
    with contextlib.suppress(RuntimeError):
        theirs_verifier.verify()
    theirs = {r["description"] for r in theirs_verifier.results["interactionResults"] if r["result"] != "OK"}

    assert ours == theirs == ({"a user created event"} if fails else set())
