"""Provider states around each interaction of a run: set up, torn down, and the hand-off between two interactions.

With a state timeout, handlers run in the state worker thread (`StateRunner`), and each call handed to it
costs two thread wake-ups. Between two interactions whose states all have handlers, `switch` hands the
first one's teardowns and the next one's setups to the worker together, in the order they would be made
one by one, each with its own time limit; a call that fails or runs out of time stops the batch, and what
is left is done one call at a time, as without the batch.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import httpx

from polycontract.model import ProviderState
from polycontract.verifier._states import StateError, StateRunner, StateSetup

__all__ = ["Failed", "Prepared", "classify", "set_up", "switch", "tear_down"]


class Failed(Exception):
    """An interaction could not be checked; ``kind`` classifies why (see `InteractionResult.error_kind`)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Prepared:
    """An interaction's states as set up so far: what to tear down, the generator values, the first error."""

    __slots__ = ("done", "error", "kind", "started", "values")

    def __init__(self, started: float) -> None:
        self.started = started  # when its first setup began (time.perf_counter)
        self.done: list[tuple[StateSetup, ProviderState]] = []
        self.values: dict[str, Any] = {}
        self.error: str | None = None
        self.kind: str | None = None

    def add(self, setup: StateSetup, state: ProviderState) -> None:
        """Record a state set up."""
        self.done.append((setup, state))
        self.values.update(setup.values)


def classify(exc: Exception) -> tuple[str, str]:
    """The error message and kind of what stopped an interaction (see `InteractionResult.error_kind`)."""
    if isinstance(exc, Failed):
        return exc.message, exc.kind
    if isinstance(exc, StateError):  # a state change URL that refuses connections: the provider is down
        down = isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
        return f"{exc}", "connection" if down else "state"
    return f"{type(exc).__name__}: {exc}", "error"  # a bug on the way (request generators, encoding)


def set_up(runner: StateRunner, states: tuple[ProviderState, ...] | Exception) -> Prepared:
    """Set ``states`` up in order, stopping at the first that fails (its error kept for the result)."""
    prepared = Prepared(time.perf_counter())
    try:
        if isinstance(states, Exception):  # finding the states failed
            raise states
        for state in states:
            prepared.add(runner.setup(state), state)
    except Exception as exc:
        prepared.error, prepared.kind = classify(exc)
    return prepared


def tear_down(runner: StateRunner, prepared: Prepared) -> None:
    """Tear down in reverse what ``prepared`` set up; the first problem becomes its error if it has none."""
    for setup, state in reversed(prepared.done):
        problem = runner.teardown(setup, state)
        if problem and prepared.error is None:
            prepared.error, prepared.kind = problem, "state"
    prepared.done = []


def switch(runner: StateRunner, prepared: Prepared, states: tuple[ProviderState, ...]) -> Prepared:
    """Tear ``prepared`` down, then set ``states`` up (all with handlers), in one hand-off to the state worker.

    The result is what `tear_down` then `set_up` would give: ``prepared`` gets the first teardown problem,
    the returned `Prepared` holds the states set up for the next interaction.
    """
    done = prepared.done[::-1]
    starts: list[float] = []

    def setup(state: ProviderState, first: bool) -> StateSetup:
        if first:
            starts.append(time.perf_counter())
        return runner.setup(state)

    calls: list[tuple[Callable[[], Any], str]] = [
        (functools.partial(runner.teardown, s, state), f"teardown of state {state.name!r}") for s, state in done
    ]
    calls += [
        (functools.partial(setup, state, not i), f"state handler for {state.name!r}") for i, state in enumerate(states)
    ]
    values, error = runner.steps(calls)
    problems: list[str | None] = values[: len(done)]
    if len(values) < len(done):  # a teardown did not finish in time (it returns other problems)
        if not isinstance(error, StateError):
            assert error is not None
            raise error  # not an Exception (KeyboardInterrupt): as when called alone
        problems.append(str(error))
    for problem in problems:
        if problem and prepared.error is None:
            prepared.error, prepared.kind = problem, "state"
    if len(values) < len(done):  # the rest one by one, a fresh worker for the next
        prepared.done = done[len(problems) :][::-1]
        tear_down(runner, prepared)
        return set_up(runner, states)
    prepared.done = []
    ahead = Prepared(starts[0] if starts else time.perf_counter())
    for made, state in zip(values[len(done) :], states, strict=False):
        ahead.add(made, state)
    if error is not None:  # the setup after the last one made
        if not isinstance(error, Exception):
            raise error
        ahead.error, ahead.kind = classify(error)
    return ahead
