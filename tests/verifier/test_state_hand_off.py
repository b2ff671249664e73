"""Between two interactions, one's teardowns and the next one's setups are handed to the state worker together:
the calls, their order, their time limits and the errors reported are those of making them one by one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from polycontract.codec import load_pact
from polycontract.verifier import InteractionResult, Verifier
from polycontract.verifier._sources import SourcedPact
from polycontract.verifier._timeout import Watchdog
from tests.verifier.providers import UsersApp, get_user, users_pact

LIMIT = 0.2
#: Far above the limit and far below how long the handlers below would run without one.
WITHIN = 1.5


def _two_states(user_id: int, description: str) -> dict[str, Any]:
    interaction = get_user(user_id, description=description)
    interaction["providerStates"] = [
        {"name": "user exists", "params": {"id": user_id}},
        {"name": "audit on", "params": {"id": user_id}},
    ]
    return interaction


def _pact() -> Any:
    return load_pact(users_pact(*(_two_states(i, f"user {i}") for i in (1, 2, 3))))


def _verifier(app: UsersApp, events: list[str], state_timeout: float | None) -> Verifier:
    verifier = Verifier(provider="users", app=app, state_timeout=state_timeout)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> Iterator[dict[str, int]]:
        events.append(f"setup user {params['id']}")
        app.users[params["id"]] = "alice"
        yield {"id": params["id"]}
        events.append(f"teardown user {params['id']}")
        app.users.pop(params["id"])

    @verifier.state("audit on")
    def audit_on(params: dict[str, int]) -> Callable[[], None]:
        events.append(f"setup audit {params['id']}")
        return lambda: events.append(f"teardown audit {params['id']}")

    return verifier


@pytest.mark.parametrize("state_timeout", [5.0, None])
def test_states_are_set_up_and_torn_down_in_order_interaction_after_interaction(state_timeout: float | None) -> None:
    events: list[str] = []
    app = UsersApp()

    result = _verifier(app, events, state_timeout).verify(_pact())

    assert result.ok, result.report()
    assert events == [
        step
        for i in (1, 2, 3)
        for step in (f"setup user {i}", f"setup audit {i}", f"teardown audit {i}", f"teardown user {i}")
    ]
    assert app.users == {}


def test_a_teardown_that_hangs_fails_its_interaction_and_the_next_ones_are_set_up_in_a_fresh_thread() -> None:
    release = threading.Event()
    threads: list[tuple[str, threading.Thread]] = []
    verifier = Verifier(provider="users", app=(app := UsersApp()), state_timeout=LIMIT)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> Callable[[], None]:
        threads.append((f"setup {params['id']}", threading.current_thread()))
        app.users[params["id"]] = "alice"

        def teardown() -> None:
            threads.append((f"teardown {params['id']}", threading.current_thread()))
            if params["id"] == 1:
                release.wait(5)

        return teardown

    pact = load_pact(users_pact(*(get_user(i, description=f"user {i}") for i in (1, 2, 3))))
    started = time.monotonic()
    try:
        result = verifier.verify(pact)
    finally:
        release.set()

    assert [r.ok for r in result] == [False, True, True], result.report()
    assert result.interactions[0].error_kind == "state"
    assert "teardown of state 'user exists' did not finish within 0.2 s" in (result.interactions[0].error or "")
    assert time.monotonic() - started < WITHIN
    named = dict(threads)
    assert named["setup 1"] is named["teardown 1"]
    assert named["setup 2"] is not named["teardown 1"] and named["setup 2"] is named["setup 3"]


def test_a_setup_that_hangs_fails_its_interaction_only_and_what_it_set_up_is_torn_down() -> None:
    release = threading.Event()
    events: list[str] = []
    verifier = _verifier(app := UsersApp(), events, LIMIT)

    @verifier.state("audit on")
    def audit_on(params: dict[str, int]) -> Callable[[], None]:
        if params["id"] == 2:
            release.wait(5)
        events.append(f"setup audit {params['id']}")
        return lambda: events.append(f"teardown audit {params['id']}")

    started = time.monotonic()
    try:
        result = verifier.verify(_pact())
    finally:
        release.set()

    assert [r.ok for r in result] == [True, False, True], result.report()
    assert "state handler for 'audit on' did not finish within 0.2 s" in (result.interactions[1].error or "")
    assert time.monotonic() - started < WITHIN
    assert events[:6] == [
        "setup user 1",
        "setup audit 1",
        "teardown audit 1",
        "teardown user 1",
        "setup user 2",
        "teardown user 2",
    ]
    assert events[-4:] == ["setup user 3", "setup audit 3", "teardown audit 3", "teardown user 3"]
    assert app.users == {}


def test_errors_raised_between_interactions_are_reported_on_the_interaction_they_belong_to() -> None:
    verifier = Verifier(provider="users", app=(app := UsersApp()), state_timeout=5.0)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> Callable[[], None]:
        if params["id"] == 2:
            raise ValueError("no user 2 today")
        app.users[params["id"]] = "alice"

        def teardown() -> None:
            if params["id"] == 1:
                raise RuntimeError("cannot drop user 1")

        return teardown

    pact = load_pact(users_pact(*(get_user(i, description=f"user {i}") for i in (1, 2, 3))))
    first, second, third = verifier.verify(pact)

    assert (first.error_kind, first.error) == (
        "state",
        "teardown of state 'user exists' raised RuntimeError: cannot drop user 1",
    )
    assert (second.error_kind, second.error) == (
        "state",
        "state handler for 'user exists' raised ValueError: no user 2 today",
    )
    assert third.ok


def test_a_run_stopped_after_a_result_tears_down_the_states_set_up_for_the_next_interaction() -> None:
    events: list[str] = []
    verifier = _verifier(UsersApp(), events, 5.0)

    with verifier.session() as session:
        items = session.run_sourced(SourcedPact(pact=_pact(), origin="<test>"))
        first = next(items)
        items.close()

    assert isinstance(first, InteractionResult) and first.ok
    assert sorted(e for e in events if e.startswith("setup")) == sorted(
        e.replace("teardown", "setup") for e in events if e.startswith("teardown")
    )


def test_watchdog_steps_gives_each_call_its_own_limit_and_stops_at_the_first_that_fails() -> None:
    watchdog = Watchdog()
    ran: list[int] = []

    def slow(i: int) -> Callable[[], int]:
        def call() -> int:
            time.sleep(0.1)
            ran.append(i)
            return i

        return call

    def boom() -> None:
        raise KeyError("boom")

    release = threading.Event()
    try:
        assert watchdog.steps([slow(1), slow(2), slow(3)], 0.15) == ([1, 2, 3], None, False)
        values, error, timed_out = watchdog.steps([slow(4), boom, slow(5)], 1.0)
        assert (values, type(error), timed_out) == ([4], KeyError, False)
        started = time.monotonic()
        assert watchdog.steps([slow(6), lambda: release.wait(5), slow(7)], 0.2) == ([6], None, True)
        assert time.monotonic() - started < WITHIN
        release.set()
        time.sleep(0.3)
        assert ran == [1, 2, 3, 4, 6]  # the call after the one given up on never starts
        assert watchdog.call(lambda: 8, 1.0) == (True, 8)
    finally:
        release.set()
        watchdog.close()
