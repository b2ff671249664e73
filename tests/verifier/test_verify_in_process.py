"""Verifying in-process ASGI and WSGI apps (no socket), and pacts from a custom `PactSource`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from polycontract.codec import load_pact
from polycontract.model import PactDocument
from polycontract.verifier import PactSource, SourcedPact, Verifier
from tests.verifier.providers import UsersApp, get_user, users_pact


def _starlette(users: dict[int, str]) -> Starlette:
    async def get_user_route(request: Request) -> JSONResponse:
        user_id = int(request.path_params["user_id"])
        if user_id not in users:
            return JSONResponse({"error": "no such user"}, status_code=404)
        return JSONResponse({"id": user_id, "name": users[user_id]})

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(5)
        return JSONResponse({})

    async def state(request: Request) -> JSONResponse:
        call = await request.json()
        if call["action"] == "setup":
            users[int(call["params"]["id"])] = "alice"
        return JSONResponse({})

    return Starlette(
        routes=[
            Route("/users/{user_id}", get_user_route),
            Route("/slow", slow),
            Route("/_pact/state", state, methods=["POST"]),
        ]
    )


def test_an_asgi_app_is_verified_in_process() -> None:
    users: dict[int, str] = {}
    verifier = Verifier(provider="users", app=_starlette(users))
    verifier.add_state("user exists", lambda params: users.update({params["id"]: "alice"}))

    result = verifier.verify(load_pact(users_pact(get_user(1), get_user(2, description="missing", state=None))))

    assert [r.ok for r in result] == [True, False]
    assert result.interactions[1].mismatches[0].path == "$.status"


def test_an_asgi_app_gets_state_changes_on_a_relative_url() -> None:
    users: dict[int, str] = {}
    verifier = Verifier(provider="users", app=_starlette(users), state_change_url="/_pact/state")

    assert verifier.verify(load_pact(users_pact(get_user(4)))).ok


def test_a_hanging_asgi_app_times_out() -> None:
    slow = {"description": "slow", "request": {"method": "GET", "path": "/slow"}, "response": {"status": 200}}

    [entry] = Verifier(provider="users", app=_starlette({}), timeout=0.1).verify(load_pact(users_pact(slow)))

    assert "no response within 0.1 s" in (entry.error or "")


def test_a_wsgi_app_is_verified_in_process() -> None:
    app = UsersApp()
    verifier = Verifier(provider="users", app=app)
    verifier.add_state("user exists", lambda params: app.users.update({params["id"]: "alice"}))

    result = verifier.verify(load_pact(users_pact(get_user(1))))

    assert result.ok, result.report()


def test_a_pact_source_supplies_pacts_with_provenance_and_pending() -> None:
    app = UsersApp()

    class Broker:
        def pacts(self) -> Iterable[SourcedPact]:
            pact = load_pact(users_pact(get_user(1, state=None)))
            yield SourcedPact(pact=pact, origin="http://broker/pacts/1", pending=True, url="http://broker/v/1")

    assert isinstance(Broker(), PactSource)
    [entry] = Verifier(provider="users", app=app).verify(Broker())

    assert entry.pending and not entry.ok and entry.origin == "http://broker/pacts/1"


def test_a_pact_source_that_fails_is_a_source_error() -> None:
    class Down:
        def pacts(self) -> Iterable[SourcedPact]:
            raise ConnectionError("broker unreachable")

    result = Verifier(provider="users", app=UsersApp()).verify(Down())

    assert not result.ok
    assert "broker unreachable" in result.source_errors[0].message


def test_result_json_lists_every_interaction() -> None:
    app = UsersApp()
    pact: PactDocument = load_pact(users_pact(get_user(1, state=None)))

    data = Verifier(provider="users", app=app, provider_version="2").verify(pact).to_json()

    assert data["ok"] is False and data["providerVersion"] == "2"
    [entry] = data["interactions"]
    assert entry["description"] == "get user" and entry["request"] == "GET /users/1"
    assert entry["mismatches"][0]["path"] == "$.status"


def test_a_wildcard_body_type_defers_to_the_content_type_header() -> None:
    # The Pact CLI's mock server records bodies as base64 "*/*" beside a JSON Content-Type header.
    interaction = {
        "type": "Synchronous/HTTP",
        "description": "get user",
        "request": {"method": "GET", "path": "/users/1"},
        "response": {
            "status": 200,
            "headers": {"Content-Type": ["application/json"]},
            "body": {"content": "eyJpZCI6MSwibmFtZSI6ImFsaWNlIn0=", "contentType": "*/*", "encoded": "base64"},
            "matchingRules": {"body": {"$.id": {"combine": "AND", "matchers": [{"match": "integer"}]}}},
        },
    }
    app = UsersApp()
    app.users[1] = "alice"

    result = Verifier(provider="users", app=app).verify(load_pact(users_pact(interaction, spec="4.0")))

    assert result.ok, result.report()


def test_async_state_handlers_and_producers_run_on_the_apps_event_loop() -> None:
    users: dict[int, str] = {}
    loops: list[object] = []
    verifier = Verifier(provider="users", app=_starlette(users))

    @verifier.state("user exists")
    async def user_exists(params: dict[str, int]):  # type: ignore[no-untyped-def]
        loops.append(asyncio.get_running_loop())
        users[params["id"]] = "alice"
        yield
        users.clear()

    @verifier.state("nothing")
    async def nothing() -> dict[str, int]:
        loops.append(asyncio.get_running_loop())
        return {}

    interaction = get_user(1)
    interaction["providerStates"].append({"name": "nothing"})
    result = verifier.verify(load_pact(users_pact(interaction)))

    assert result.ok, result.report()
    assert users == {} and len(loops) == 2 and loops[0] is loops[1]


def test_a_hanging_wsgi_app_times_out() -> None:
    import threading

    release = threading.Event()

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        release.wait(10)
        raise AssertionError("not reached")

    slow = {"description": "slow", "request": {"method": "GET", "path": "/slow"}, "response": {"status": 200}}
    try:
        [entry] = Verifier(provider="users", app=app, timeout=0.1).verify(load_pact(users_pact(slow)))
    finally:
        release.set()

    assert "no response within 0.1 s" in (entry.error or "")


def test_an_app_that_raises_fails_the_interaction_with_the_exception() -> None:
    def wsgi(environ: dict[str, object], start_response: object) -> list[bytes]:
        raise ValueError("boom")

    async def asgi(scope: dict[str, object], receive: object, send: object) -> None:
        raise ValueError("boom")

    for app in (wsgi, asgi):
        [entry] = Verifier(provider="users", app=app).verify(load_pact(users_pact(get_user(1, state=None))))
        assert entry.error == "GET http://provider/users/1: the app raised ValueError: boom"
