"""Provider states: put the provider in the state an interaction needs, and take it out again.

A state handler is a function registered for a state name. It is called with the state's params
(a dict) if it takes an argument, and may

* return ``None``, or a dict of values that ``ProviderState`` generators use (``/users/${id}``),
* return a callable, called afterwards as the teardown,
* be a generator: the code before ``yield`` sets up, the yielded value (a dict or None) feeds the
  generators, the code after ``yield`` tears down.

``async def`` handlers (coroutines and async generators) work the same way; with an in-process ASGI
app they run on the app's event loop.

A handler that hangs is given up on after ``timeout`` seconds instead of hanging the run, whatever it
does (a bare ``except:`` or a slow finaliser cannot swallow the limit): handlers run in one worker
thread that the runner waits for with a deadline, a hung one is abandoned and reported, and the next
handler gets a fresh thread (about 15 microseconds a call on a quiet machine, two thread wake-ups; `steps`
hands several calls over at once, see `polycontract.verifier._sequence`). ``async def`` handlers are also cancelled
on their event loop at the deadline. ``timeout=None`` calls handlers in the caller's thread with no
limit: use it for handlers that need the caller's thread (a thread-bound database connection).

>>> runner = StateRunner(timeout=None)
>>> runner.add("user exists", lambda params: {"id": params["id"]})
>>> from polycontract.model import ProviderState
>>> runner.setup(ProviderState(name="user exists", params={"id": 7})).values
{'id': 7}
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from polycontract.errors import UsageError
from polycontract.model import ProviderState
from polycontract.verifier._network import quickack_client
from polycontract.verifier._timeout import Watchdog

__all__ = ["StateError", "StateHandler", "StateRunner", "StateSetup"]

StateHandler = Callable[..., Any]


class StateError(Exception):
    """A provider state could not be set up or torn down; the message says which and what to do."""


@dataclass
class StateSetup:
    """What setting up one state gave: values for generators and how to tear it down."""

    values: dict[str, Any] = field(default_factory=dict)
    teardown: Callable[[], Any] | None = None


def _wants_params(fn: StateHandler) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


class StateRunner:
    """Registered state handlers, or a state-change URL, and the calls that set states up and down."""

    def __init__(
        self,
        *,
        timeout: float | None,
        state_change_url: str | None = None,
        teardown_url: bool = True,
        send: Callable[[httpx.Request], httpx.Response] | None = None,
        run_async: Callable[[Coroutine[Any, Any, Any]], Any] | None = None,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise UsageError(f"state_timeout={timeout!r} must be a positive number of seconds or None")
        self.timeout = timeout
        self.state_change_url = state_change_url
        self.teardown_url = teardown_url
        self._handlers: dict[str, tuple[StateHandler, bool]] = {}
        self._watchdog = Watchdog("polycontract-state-handlers")
        self._stepping = threading.local()  # `steps` marks the worker thread while it runs one of its calls
        self._deadline = 0.0  # when the running limited call's time is up (time.monotonic)
        self._in_async = False  # whether that call is running a coroutine (then it is cancelled, not abandoned)
        self._send = send
        #: Runs an ``async def`` handler; the in-process ASGI transport passes its own event loop.
        self._run_async = run_async or asyncio.run
        self._client: httpx.Client | None = None

    def add(self, name: str, handler: StateHandler) -> None:
        """Register ``handler`` for the state called ``name`` (replacing an earlier one)."""
        if not isinstance(name, str) or not name:
            raise UsageError(f"state name={name!r} must be a non-empty string")
        if not callable(handler):
            raise UsageError(f"handler={handler!r} for state {name!r} must be callable")
        self._handlers[name] = (handler, _wants_params(handler))

    def names(self) -> list[str]:
        """The states with a registered handler."""
        return sorted(self._handlers)

    # ------------------------------------------------------------------------------------------ running

    def limited(self, call: Callable[[], Any], what: str) -> Any:
        """``call()`` under the state timeout; `StateError` naming ``what`` when it does not finish."""
        if self.timeout is None:
            return call()
        steps = getattr(self._stepping, "steps", None)
        if steps is not None:  # inside a step of `steps`, in the worker: already under its limit
            if steps.cancelled:  # given up on (the caller has moved on): do not go on with the handler
                raise _late(what, self.timeout)
            try:
                return call()
            except _Cancelled:
                raise _late(what, self.timeout) from None
        self._deadline = time.monotonic() + self.timeout
        self._in_async = False
        try:
            finished, value = self._watchdog.call(call, self.timeout, settle=self._settle)
        except _Cancelled:
            finished, value = False, None
        if not finished:
            raise _late(what, self.timeout)
        return value

    def handles(self, states: Iterable[ProviderState]) -> bool:
        """Whether every one of ``states`` has a registered handler (so `setup` runs in the worker)."""
        return all(state.name in self._handlers for state in states)

    def steps(self, calls: Sequence[tuple[Callable[[], Any], str]]) -> tuple[list[Any], BaseException | None]:
        """Run several calls (``setup``, ``teardown``; each with the ``what`` its time-out names) in one hand-off.

        Each call has the state timeout from its start, as if made alone. Returns the values of the calls that
        finished and, for the next one, what it raised or the `StateError` saying it did not finish in time;
        the calls after it are not run. Only with a timeout: without one, calls run in the caller's thread and
        there is no hand-off to save.
        """
        assert self.timeout is not None, "steps hands calls to the worker: only with a state timeout"
        marker = _Marker()

        def step(call: Callable[[], Any]) -> Callable[[], Any]:
            def run() -> Any:
                assert self.timeout is not None
                self._deadline = time.monotonic() + self.timeout
                self._in_async = False
                self._stepping.steps = marker
                try:
                    return call()
                finally:
                    self._stepping.steps = None

            return run

        def give_up() -> float:
            marker.cancelled = True
            return self._settle()

        values, error, timed_out = self._watchdog.steps([step(c) for c, _ in calls], self.timeout, settle=give_up)
        if timed_out:
            error = _late(calls[len(values)][1], self.timeout)
        return values, error

    def _settle(self) -> float:
        """How long to wait, after the deadline, for a coroutine's cancellation to end its event loop run."""
        assert self.timeout is not None
        return min(1.0, self.timeout) if self._in_async else 0.0

    def run_async(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coroutine`` (of an ``async def`` handler) to its end, cancelled when the limited call's time is up.

        Cancelling frees the event loop (the in-process app's, which later requests use) rather than
        leaving it running in an abandoned thread.
        """
        if self.timeout is None:
            return self._run_async(coroutine)
        self._in_async = True
        try:
            return self._run_async(_cancelled_at(coroutine, self._deadline))
        finally:
            self._in_async = False

    def setup(self, state: ProviderState) -> StateSetup:
        """Set ``state`` up; raises `StateError` naming the state when that is impossible."""
        params = dict(state.params)
        registered = self._handlers.get(state.name)
        if registered is not None:
            handler, wants_params = registered
            what = f"state handler for {state.name!r}"
            try:
                result = self.limited((lambda: handler(params)) if wants_params else handler, what)
                if result is None or callable(result):  # the usual answers: nothing, or a teardown
                    pass
                elif inspect.isgenerator(result):
                    return self._from_generator(result, what)
                elif inspect.isasyncgen(result):
                    return self._from_async_generator(result, what)
                elif inspect.iscoroutine(result):
                    coroutine = result
                    result = self.limited(lambda: self.run_async(coroutine), what)
            except StateError:
                raise
            except Exception as exc:
                raise StateError(f"{what} raised {type(exc).__name__}: {exc}") from exc
            if callable(result):
                return StateSetup(teardown=result)
            return StateSetup(values=_values(result, what))
        if self.state_change_url is not None:
            values = self._post(state, "setup")
            teardown = (lambda: self._post(state, "teardown")) if self.teardown_url else None
            return StateSetup(values=values, teardown=teardown)
        known = ", ".join(repr(n) for n in self.names()) or "none"
        raise StateError(
            f"no handler for provider state {state.name!r} (registered: {known}); add one with "
            f'@verifier.state("{state.name}") or pass state_change_url='
        )

    def _from_generator(self, gen: Generator[Any, Any, Any], what: str) -> StateSetup:
        yielded = self.limited(lambda: next(gen, None), what)

        def teardown() -> None:  # run by `teardown`, under the same timeout
            try:
                next(gen)
            except StopIteration:
                return
            gen.close()

        return StateSetup(values=_values(yielded, what), teardown=teardown)

    def _from_async_generator(self, gen: AsyncGenerator[Any, Any], what: str) -> StateSetup:
        async def first() -> Any:
            return await anext(gen, None)

        yielded = self.limited(lambda: self.run_async(first()), what)

        async def finish() -> None:
            try:
                await anext(gen)
            except StopAsyncIteration:
                return
            await gen.aclose()

        return StateSetup(values=_values(yielded, what), teardown=lambda: self.run_async(finish()))

    def teardown(self, setup: StateSetup, state: ProviderState) -> str | None:
        """Tear a state down; returns an error message instead of raising."""
        if setup.teardown is None:
            return None
        try:
            self.limited(setup.teardown, f"teardown of state {state.name!r}")
        except StateError as exc:
            return str(exc)
        except Exception as exc:
            return f"teardown of state {state.name!r} raised {type(exc).__name__}: {exc}"
        return None

    def _post(self, state: ProviderState, action: str) -> dict[str, Any]:
        assert self.state_change_url is not None
        payload = {"state": state.name, "params": dict(state.params), "action": action}
        url = self.state_change_url
        request = httpx.Request("POST", url, json=payload)
        try:
            if self._send is not None:
                response = self._send(request)
            else:
                if self._client is None:  # TCP_QUICKACK: a state endpoint writing in two parts does not stall
                    self._client = quickack_client(self.timeout)
                response = self._client.send(request)
        except httpx.HTTPError as exc:
            raise StateError(
                f"state change {action} for {state.name!r}: POST {url} failed ({type(exc).__name__}: {exc}); "
                "check state_change_url and that the provider is running"
            ) from exc
        if response.status_code >= 400:
            raise StateError(
                f"state change {action} for {state.name!r}: POST {url} answered {response.status_code}: "
                f"{response.text[:200]}"
            )
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None
        return dict(data) if isinstance(data, Mapping) else {}

    def close(self) -> None:
        """Let the worker thread end and close the state-change client."""
        self._watchdog.close()
        if self._client is not None:
            self._client.close()
            self._client = None


class _Marker:
    """The calls of one `StateRunner.steps`; ``cancelled`` once the caller has given up on them."""

    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False


class _Cancelled(Exception):
    """A coroutine was cancelled at the deadline of the limited call that ran it."""


async def _cancelled_at(coroutine: Coroutine[Any, Any, Any], deadline: float) -> Any:
    limit = asyncio.timeout(deadline - time.monotonic())
    try:
        async with limit:
            return await coroutine
    except TimeoutError:
        if limit.expired():
            raise _Cancelled from None
        raise


def _late(what: str, timeout: float) -> StateError:
    return StateError(f"{what} did not finish within {timeout} s; make the handler return (or raise state_timeout=)")


def _values(result: Any, what: str) -> dict[str, Any]:
    if result is None:
        return {}
    if isinstance(result, Mapping):
        return dict(result)
    raise StateError(f"{what} returned {result!r}; return None, a dict of values or a teardown callable")
