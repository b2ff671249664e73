"""The state worker's hand-off: each call's answer reaches the caller that made it, through hangs, late endings
and fresh workers, and closed workers leave nothing open behind them."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from polycontract.verifier._timeout import Watchdog


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def _returning(value: Any) -> Callable[[], Any]:
    return lambda: value


def _recording(threads: list[int], value: str) -> Callable[[], str]:
    def call() -> str:
        threads.append(threading.get_ident())
        return value

    return call


def _wait_for_workers_to_end(name: str) -> None:
    deadline = time.monotonic() + 5.0
    while any(t.name == name for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors through /proc")
def test_watchdogs_opened_and_closed_over_and_over_leave_no_descriptor_open() -> None:
    for _ in range(5):  # warm up: imports and first-use allocations
        watchdog = Watchdog("polycontract-test-fds")
        watchdog.call(lambda: 1, 1.0)
        watchdog.close()
    _wait_for_workers_to_end("polycontract-test-fds")
    before = _open_descriptors()

    for i in range(100):
        watchdog = Watchdog("polycontract-test-fds")
        assert watchdog.call(_returning(i), 1.0) == (True, i)
        assert watchdog.steps([lambda: "a", lambda: "b"], 1.0) == (["a", "b"], None, False)
        watchdog.close()
    _wait_for_workers_to_end("polycontract-test-fds")

    assert _open_descriptors() <= before


def test_a_call_that_ends_within_its_grace_keeps_its_thread_and_the_next_answers_are_each_their_own() -> None:
    watchdog = Watchdog()
    threads: list[int] = []

    def slow() -> str:
        threads.append(threading.get_ident())
        time.sleep(0.2)
        return "late"

    try:
        assert watchdog.call(slow, 0.05, settle=lambda: 2.0) == (False, None)
        assert watchdog.call(_recording(threads, "next"), 1.0) == (True, "next")
        assert watchdog.steps([lambda: 1, lambda: 2], 1.0) == ([1, 2], None, False)
        assert watchdog.call(lambda: "last", 1.0) == (True, "last")
    finally:
        watchdog.close()
    assert threads[0] == threads[1]  # the worker was not abandoned: it ended within the grace


def test_after_a_call_is_given_up_on_its_late_end_does_not_answer_the_next_calls() -> None:
    watchdog = Watchdog()
    release = threading.Event()
    threads: list[int] = []

    def hung() -> str:
        threads.append(threading.get_ident())
        release.wait(5.0)
        return "stale"

    try:
        assert watchdog.call(hung, 0.05) == (False, None)
        assert watchdog.call(_recording(threads, "fresh"), 1.0) == (True, "fresh")
        release.set()  # the abandoned call ends now, while the new worker serves the next calls
        for i in range(20):
            assert watchdog.call(_returning(i), 1.0) == (True, i)
        assert watchdog.steps([lambda: "x", lambda: "y"], 1.0) == (["x", "y"], None, False)
    finally:
        release.set()
        watchdog.close()
    assert threads[0] != threads[1]


def test_a_step_that_raises_hands_its_error_to_the_caller_and_the_worker_serves_the_next_call() -> None:
    watchdog = Watchdog()

    def broken() -> None:
        raise LookupError("no such user")

    try:
        values, error, timed_out = watchdog.steps([lambda: 1, broken, lambda: 3], 1.0)
        assert (values, type(error), str(error), timed_out) == ([1], LookupError, "no such user", False)

        def missing() -> None:
            raise KeyError("missing")

        with pytest.raises(KeyError):
            watchdog.call(missing, 1.0)
        assert watchdog.call(lambda: "ok", 1.0) == (True, "ok")
    finally:
        watchdog.close()
