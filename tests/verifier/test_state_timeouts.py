"""State handlers and message producers are stopped at their time limit, whatever the code they run does."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any

from polycontract.codec import load_pact
from polycontract.model import ProviderState
from polycontract.verifier import Verifier
from polycontract.verifier._states import StateError, StateRunner
from tests.verifier.providers import UsersApp, get_user, users_pact

LIMIT = 0.2
#: Far above the limit and far below how long the handlers below would run without one.
WITHIN = 1.5


def _timed_setup(runner: StateRunner, name: str) -> tuple[float, str]:
    started = time.monotonic()
    try:
        runner.setup(ProviderState(name=name))
    except StateError as exc:
        return time.monotonic() - started, str(exc)
    return time.monotonic() - started, ""


def test_a_handler_that_swallows_the_first_interrupt_still_ends_within_the_limit() -> None:
    release = threading.Event()

    def stubborn() -> None:
        with contextlib.suppress(BaseException):  # code that swallows what is raised into it
            release.wait(3)
        release.wait(3)

    runner = StateRunner(timeout=LIMIT)
    runner.add("stubborn", stubborn)
    try:
        elapsed, error = _timed_setup(runner, "stubborn")
    finally:
        release.set()
        runner.close()

    assert "did not finish within 0.2 s" in error
    assert elapsed < WITHIN


class _SlowFinaliser:
    """Its finaliser outlasts the limit; Python ignores exceptions raised in a finaliser."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release

    def __del__(self) -> None:
        self.release.wait(0.5)


def test_a_limit_reached_inside_a_finaliser_is_not_lost() -> None:
    release = threading.Event()

    def collects_garbage() -> None:
        _SlowFinaliser(release)  # dropped at once: the finaliser runs here and spans the limit
        release.wait(3)

    runner = StateRunner(timeout=LIMIT)
    runner.add("collects garbage", collects_garbage)
    try:
        elapsed, error = _timed_setup(runner, "collects garbage")
    finally:
        release.set()
        runner.close()

    assert "did not finish within 0.2 s" in error
    assert elapsed < WITHIN


def test_a_message_producer_that_swallows_the_first_interrupt_still_ends_within_the_limit() -> None:
    release = threading.Event()
    verifier = Verifier(provider="prices", base_url="http://127.0.0.1:9", state_timeout=LIMIT)

    @verifier.message("price request")
    def stubborn(request: dict[str, Any]) -> dict[str, Any]:
        with contextlib.suppress(BaseException):
            release.wait(3)
        release.wait(3)
        return {}

    pact = {
        "consumer": {"name": "shop"},
        "provider": {"name": "prices"},
        "interactions": [
            {
                "type": "Synchronous/Messages",
                "description": "price request",
                "request": {"contents": {"content": {"sku": "a"}, "contentType": "application/json"}},
                "response": [{"contents": {"content": {"price": 3}, "contentType": "application/json"}}],
            }
        ],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    started = time.monotonic()
    try:
        [entry] = verifier.verify(load_pact(pact))
    finally:
        release.set()

    assert "message producer for 'price request' did not finish within 0.2 s" in (entry.error or "")
    assert time.monotonic() - started < WITHIN


def test_after_a_hung_handler_the_next_state_is_set_up_by_a_fresh_thread() -> None:
    release = threading.Event()
    runner = StateRunner(timeout=LIMIT)
    runner.add("hangs", lambda: release.wait(5))
    runner.add("quick", lambda: {"ok": True})
    try:
        _, error = _timed_setup(runner, "hangs")
        values = runner.setup(ProviderState(name="quick")).values
    finally:
        release.set()
        runner.close()

    assert "did not finish" in error
    assert values == {"ok": True}


def test_with_a_limit_every_handler_of_a_run_runs_in_one_thread(users_url: str, users_app: UsersApp) -> None:
    # A resource bound to the thread that made it (a sqlite3 connection, say) made by one handler
    # still works in the next one.
    local = threading.local()
    seen: list[threading.Thread] = []
    verifier = Verifier(provider="users", base_url=users_url, state_timeout=5.0)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> None:
        seen.append(threading.current_thread())
        local.count = getattr(local, "count", 0) + 1
        users_app.users[params["id"]] = "alice"

    result = verifier.verify(load_pact(users_pact(get_user(1), get_user(2, description="second"))))

    assert result.ok, result.report()
    assert len(seen) == 2 and seen[0] is seen[1]


def test_without_a_limit_handlers_run_in_the_callers_thread(users_url: str, users_app: UsersApp) -> None:
    seen: list[threading.Thread] = []
    verifier = Verifier(provider="users", base_url=users_url, state_timeout=None)
    verifier.add_state("user exists", lambda params: seen.append(threading.current_thread()))

    verifier.verify(load_pact(users_pact(get_user(1))))

    assert seen == [threading.current_thread()]


def test_a_hung_async_handler_is_cancelled_and_the_app_loop_serves_the_next_interaction() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    users: dict[int, str] = {}

    async def user(request: Request) -> JSONResponse:
        uid = int(request.path_params["uid"])
        if uid not in users:
            return JSONResponse({}, status_code=404)
        return JSONResponse({"id": uid, "name": users[uid]})

    app = Starlette(routes=[Route("/users/{uid:int}", user)])
    verifier = Verifier(provider="users", app=app, state_timeout=LIMIT)

    @verifier.state("user exists")
    async def user_exists(params: dict[str, int]) -> None:
        if params["id"] == 1:
            await asyncio.sleep(5)
        users[params["id"]] = "alice"

    started = time.monotonic()
    result = verifier.verify(load_pact(users_pact(get_user(1), get_user(2, description="second"))))

    assert [r.ok for r in result] == [False, True], result.report()
    assert "did not finish within 0.2 s" in (result.interactions[0].error or "")
    assert time.monotonic() - started < WITHIN


def test_an_in_process_wsgi_app_that_swallows_the_first_interrupt_still_times_out() -> None:
    release = threading.Event()

    def app(environ: dict[str, object], start_response: Any) -> list[bytes]:
        with contextlib.suppress(BaseException):
            release.wait(3)
        release.wait(3)
        start_response("200 OK", [])
        return [b""]

    slow = {"description": "slow", "request": {"method": "GET", "path": "/slow"}, "response": {"status": 200}}
    started = time.monotonic()
    try:
        [entry] = Verifier(provider="users", app=app, timeout=LIMIT).verify(load_pact(users_pact(slow)))
    finally:
        release.set()

    assert "no response within 0.2 s" in (entry.error or "")
    assert time.monotonic() - started < WITHIN
