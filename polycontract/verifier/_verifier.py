"""`Verifier`: replay every interaction of the given pacts against the provider and report each one.

>>> from polycontract import model
>>> async def app(scope, receive, send):
...     await send({"type": "http.response.start", "status": 204, "headers": []})
...     await send({"type": "http.response.body", "body": b""})
>>> ping = model.HttpInteraction(description="ping", response=model.Response(status=204))
>>> pact = model.PactDocument(consumer="web", provider="api", interactions=(ping,))
>>> result = Verifier(provider="api", app=app).verify(pact)
>>> result.ok, [r.description for r in result]
(True, ['ping'])
"""

from __future__ import annotations

import importlib.util
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from polycontract.errors import UsageError
from polycontract.verifier._fuzz_result import FuzzRun
from polycontract.verifier._http import RequestHook
from polycontract.verifier._messages import (
    MessageEndpoint,
    MessageProducer,
)
from polycontract.verifier._result import InteractionResult, PactOutcome, SourceError, VerificationResult
from polycontract.verifier._session import VerificationSession
from polycontract.verifier._sources import Source, resolve_sources
from polycontract.verifier._states import StateHandler, StateRunner

__all__ = ["VerificationSession", "Verifier"]

F = TypeVar("F", bound=Callable[..., Any])


class Verifier:
    """Checks that a provider honours its consumers' pacts.

    Give either ``base_url`` (a running provider, reached over HTTP) or ``app`` (an ASGI or WSGI app,
    called in-process); neither is needed when the pacts hold only messages. ``base_path`` is put in
    front of every request path; ``timeout`` bounds each request and ``state_timeout`` each state
    handler call (``None``: no limit). ``request_hook`` may change each ``httpx.Request`` before it is sent, e.g. to add
    an ``Authorization`` header. ``state_change_url`` receives ``POST {state, params, action}`` for
    states without a handler; a path (``/_pact/state``) is sent to the provider itself.

    Messages are made by the producer registered for their description (`message`); failing that by
    ``message_producer``, called as ``message_producer(description, provider_states)`` (the states as
    ``[{"name", "params"}]``); failing that by ``message_url``, an endpoint answering a POST of
    ``{"description", "providerStates"}`` with the message, as Pact's message proxy does.

    ``fuzz=N`` (needs the extra ``hypothesis``) sends, after the example verification, up to N requests per HTTP
    interaction drawn from its request's matching rules, and reports the smallest that broke the pact in
    ``result.fuzz`` (see docs/fuzzing.md). ``fuzz_seed`` repeats a run (None: a random seed, reported);
    ``fuzz_deadline`` bounds the whole fuzz run of one `verify` call, in seconds (None: no bound).

    >>> verifier = Verifier(provider="api", base_url="http://127.0.0.1:8000")
    >>> @verifier.state("user alice exists")
    ... def alice(params):
    ...     return {"id": 7}
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str | None = None,
        app: Any = None,
        provider_version: str | None = None,
        branch: str | None = None,
        timeout: float = 10.0,
        state_timeout: float | None = 30.0,
        base_path: str = "",
        request_hook: RequestHook | None = None,
        state_change_url: str | None = None,
        state_change_teardown: bool = True,
        headers: Mapping[str, str] | None = None,
        message_producer: Callable[..., Any] | None = None,
        message_url: str | None = None,
        fuzz: int | None = 0,
        fuzz_seed: int | None = None,
        fuzz_deadline: float | None = None,
    ) -> None:
        if not isinstance(provider, str) or not provider:
            raise UsageError(f"provider={provider!r} must be the provider's name")
        if base_url is not None and app is not None:
            raise UsageError(
                f"give one of base_url= (a running provider) and app= (an ASGI/WSGI app), not both; got "
                f"base_url={base_url!r}, app={app!r}"
            )
        if message_producer is not None and not callable(message_producer):
            raise UsageError(f"message_producer={message_producer!r} must be callable")
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise UsageError(f"base_url={base_url!r} must start with http:// or https://")
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise UsageError(f"timeout={timeout!r} must be a positive number of seconds")
        if base_path and not base_path.startswith("/"):
            raise UsageError(f"base_path={base_path!r} must start with '/'")
        self.provider = provider
        self.base_url = base_url
        self.app = app
        self.provider_version = provider_version
        self.branch = branch
        self.timeout = float(timeout)
        self.state_timeout = state_timeout
        self.base_path = base_path
        self.request_hook = request_hook
        self.state_change_url = state_change_url
        self.state_change_teardown = state_change_teardown
        self.headers = dict(headers or {})
        self.fuzz, self.fuzz_seed, self.fuzz_deadline = _fuzz_settings(fuzz, fuzz_seed, fuzz_deadline)
        self.message_producer = message_producer
        self.message_url = message_url
        if message_url is not None:
            MessageEndpoint(message_url, timeout=self.timeout)  # validates the URL now
        self._states: dict[str, StateHandler] = {}
        self._messages: dict[str, MessageProducer] = {}
        StateRunner(timeout=state_timeout)  # validates state_timeout now rather than at verify()

    # ------------------------------------------------------------------------------------ registration

    def state(self, name: str) -> Callable[[F], F]:
        """Decorator registering a provider state handler for the state called ``name``.

        The handler gets the state's params (a dict) if it takes an argument. It may return a dict of
        values for ``ProviderState`` generators, return a teardown callable, or ``yield`` once (setup
        before, teardown after).
        """
        if not isinstance(name, str) or not name:
            raise UsageError(f"state name={name!r} must be a non-empty string")

        def register(fn: F) -> F:
            self.add_state(name, fn)
            return fn

        return register

    def add_state(self, name: str, handler: StateHandler) -> None:
        """Register ``handler`` for the state called ``name`` (what `state` does, without a decorator)."""
        StateRunner(timeout=None).add(name, handler)  # validates
        self._states[name] = handler

    def message(self, description: str) -> Callable[[F], F]:
        """Decorator registering the producer of the message with this ``description``.

        It returns the contents (JSON value, text or bytes), ``(contents, metadata)`` or a
        `polycontract.verifier.ProducedMessage`; for a synchronous message it receives the request contents.
        """
        if not isinstance(description, str) or not description:
            raise UsageError(f"message description={description!r} must be a non-empty string")

        def register(fn: F) -> F:
            self.add_message(description, fn)
            return fn

        return register

    def add_message(self, description: str, producer: MessageProducer) -> None:
        """Register ``producer`` for the message ``description`` (what `message` does, without a decorator)."""
        if not callable(producer):
            raise UsageError(f"producer={producer!r} for message {description!r} must be callable")
        self._messages[description] = producer

    def state_handlers(self) -> dict[str, StateHandler]:
        """The state handlers registered with `state` by name (a copy)."""
        return dict(self._states)

    def message_producers(self) -> dict[str, MessageProducer]:
        """The producers registered with `message` by description (a copy): a verifier is a message registry."""
        return dict(self._messages)

    # ---------------------------------------------------------------------------------------- running

    def verify(self, *sources: Source, allow_no_pacts: bool = False) -> VerificationResult:
        """Verify every interaction of every pact in ``sources`` and return the results.

        A source is a pact file, a directory of pact files, a `model.PactDocument` or a `PactSource`. Nothing
        raises for bad input (unreadable pacts, an unreachable provider, failing state handlers): each
        problem becomes an entry that says what to do, and the result's ``outcome`` tells a broken pact
        (``"failed"``) from one that could not be checked (``"could-not-verify"``). Finding no pact for
        the provider at all is ``"could-not-verify"`` unless ``allow_no_pacts``.
        """
        if not sources:
            raise UsageError("verify() needs at least one pact source (a file, directory, Pact or PactSource)")
        started = time.perf_counter()
        results: list[InteractionResult] = []
        errors: list[SourceError] = []
        outcomes: list[PactOutcome] = []
        with VerificationSession(self) as session:
            for sourced in resolve_sources(sources):
                for item in session.run_sourced(sourced):
                    if isinstance(item, SourceError):
                        errors.append(item)
                    elif isinstance(item, PactOutcome):
                        outcomes.append(item)
                    else:
                        results.append(item)
            fuzz = self._fuzz(session, outcomes) if self.fuzz else None
        return VerificationResult(
            provider=self.provider,
            provider_version=self.provider_version,
            branch=self.branch,
            interactions=tuple(results),
            source_errors=tuple(errors),
            pacts=tuple(outcomes),
            duration=time.perf_counter() - started,
            allow_no_pacts=allow_no_pacts,
            fuzz=fuzz,
        )

    def _fuzz(self, session: VerificationSession, outcomes: list[PactOutcome]) -> FuzzRun:
        """The fuzz run after the example verification (hypothesis is imported only now)."""
        from polycontract.verifier._fuzz import fuzz_pacts

        chosen = self.fuzz_seed if self.fuzz_seed is not None else random.randrange(2**32)
        return fuzz_pacts(session, outcomes, examples=self.fuzz, fuzz_seed=chosen, deadline=self.fuzz_deadline)

    def session(self) -> VerificationSession:
        """A context manager that verifies interactions one at a time (what the pytest items use)."""
        return VerificationSession(self)


def hypothesis_installed() -> bool:
    """Whether hypothesis can be imported, found without importing it."""
    try:
        return importlib.util.find_spec("hypothesis") is not None
    except (ImportError, ValueError):  # blocked (``sys.modules["hypothesis"] = None``) or broken
        return False


#: What a fuzzed verification without hypothesis says.
NO_HYPOTHESIS = (
    "fuzzed verification needs hypothesis, the optional extra 'hypothesis' of polycontract: "
    "pip install -e '.[hypothesis]' in polycontract's checkout, or pip install 'hypothesis>=6.100'"
)


def _fuzz_settings(fuzz: int | None, seed: int | None, deadline: float | None) -> tuple[int, int | None, float | None]:
    """The checked fuzz arguments: requests per interaction (0: none), seed, deadline in seconds."""
    if fuzz is None:
        fuzz = 0
    if isinstance(fuzz, bool) or not isinstance(fuzz, int) or fuzz < 0:
        raise UsageError(f"fuzz={fuzz!r} must be a number of requests per interaction (0: no fuzzing)")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise UsageError(f"fuzz_seed={seed!r} must be an integer or None")
    if deadline is not None and (isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or deadline <= 0):
        raise UsageError(f"fuzz_deadline={deadline!r} must be a positive number of seconds or None")
    if fuzz and not hypothesis_installed():
        raise UsageError(NO_HYPOTHESIS)
    return fuzz, seed, None if deadline is None else float(deadline)
