"""`Verifier`: replay every interaction of the given pacts against the provider and report each one.

>>> from polycontract import model
>>> async def app(scope, receive, send):
...     await send({"type": "http.response.start", "status": 204, "headers": []})
...     await send({"type": "http.response.body", "body": b""})
>>> ping = model.HttpInteraction(description="ping", response=model.Response(status=204))
>>> result = Verifier(provider="api", app=app).verify(model.Pact(consumer="web", provider="api", interactions=(ping,)))
>>> result.ok, [r.description for r in result]
(True, ['ping'])
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import httpx

from polycontract.errors import UsageError
from polycontract.generate import GeneratorContext, generate_request
from polycontract.matching import compare_response
from polycontract.model import (
    AsynchronousMessage,
    Body,
    HttpInteraction,
    Interaction,
    Mismatch,
    Pact,
    ProviderState,
    Response,
    SynchronousMessage,
)
from polycontract.verifier._asgi import AppError
from polycontract.verifier._http import RequestHook, Transport, prepare
from polycontract.verifier._messages import (
    EndpointError,
    MessageEndpoint,
    MessageProducer,
    from_states_producer,
    verify_message,
)
from polycontract.verifier._result import InteractionResult, PactOutcome, SourceError, VerificationResult
from polycontract.verifier._sources import Source, SourcedPact, resolve_sources, triage
from polycontract.verifier._states import StateError, StateHandler, StateRunner, StateSetup

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
        `polycontract.verifier.Message`; for a synchronous message it receives the request contents.
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

        A source is a pact file, a directory of pact files, a `model.Pact` or a `PactSource`. Nothing
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
        return VerificationResult(
            provider=self.provider,
            provider_version=self.provider_version,
            branch=self.branch,
            interactions=tuple(results),
            source_errors=tuple(errors),
            pacts=tuple(outcomes),
            duration=time.perf_counter() - started,
            allow_no_pacts=allow_no_pacts,
        )

    def session(self) -> VerificationSession:
        """A context manager that verifies interactions one at a time (what the pytest items use)."""
        return VerificationSession(self)


class VerificationSession:
    """An open connection to the provider and its state handlers, for verifying interactions one by one.

    Use it as a context manager (``with verifier.session() as s: s.run(pact, interaction)``); `Verifier.verify`
    opens one per call.
    """

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier
        self._transport: Transport | None = None
        self._states: StateRunner | None = None
        self._endpoint: MessageEndpoint | None = None
        self._rng = random.Random()

    def __enter__(self) -> VerificationSession:
        v = self.verifier
        self._transport = Transport(base_url=v.base_url, app=v.app, timeout=v.timeout)
        url = v.state_change_url
        relative = url is not None and url.startswith("/")
        self._states = StateRunner(
            timeout=v.state_timeout,
            state_change_url=(self._transport.base_url.rstrip("/") + url) if relative and url else url,
            teardown_url=v.state_change_teardown,
            send=self._transport.send_httpx if relative else None,
            run_async=self._transport.run_async,
        )
        for name, handler in v._states.items():
            self._states.add(name, handler)
        if v.message_url is not None:
            self._endpoint = MessageEndpoint(v.message_url, timeout=v.timeout)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._states is not None:
            self._states.close()
        if self._transport is not None:
            self._transport.close()
        if self._endpoint is not None:
            self._endpoint.close()

    def run_sourced(self, sourced: SourcedPact) -> Iterator[InteractionResult | SourceError | PactOutcome]:
        """Results for one sourced pact then its `PactOutcome`, or one `SourceError` when it cannot be verified."""
        verify, problem = triage(sourced, self.verifier.provider)
        if problem is not None:
            yield SourceError(origin=sourced.origin, message=problem)
        if not verify or sourced.pact is None:
            return
        pact = sourced.pact
        results: list[InteractionResult] = []
        for interaction in pact.interactions:
            result = self.run(
                pact,
                interaction,
                pending=sourced.pending,
                origin=sourced.origin,
                consumer_versions=sourced.versions,
                deployments=sourced.deployments,
            )
            results.append(result)
            yield result
        yield PactOutcome(
            pact=pact,
            origin=sourced.origin,
            ok=all(r.ok for r in results),
            results=tuple(results),
            pending=sourced.pending,
            url=sourced.url,
            consumer_version=sourced.consumer_version,
            consumer_versions=sourced.consumer_versions,
        )

    def run(
        self,
        pact: Pact,
        interaction: Interaction,
        *,
        pending: bool = False,
        origin: str = "",
        consumer_versions: tuple[str, ...] = (),
        deployments: tuple[str, ...] = (),
    ) -> InteractionResult:
        """Verify one interaction of ``pact``: states, replay or message, comparison, teardown.

        ``consumer_versions`` and ``deployments`` (``deployed in prod``) name the result in reports.
        """
        assert self._states is not None
        started = time.perf_counter()
        states = tuple(s.name for s in interaction.provider_states)
        done: list[tuple[StateSetup, Any]] = []
        error: str | None = None
        kind: str | None = None
        mismatches: list[Mismatch] = []
        values: dict[str, Any] = {}
        try:
            for state in self._states_to_set_up(interaction):
                setup = self._states.setup(state)
                done.append((setup, state))
                values.update(setup.values)
            mismatches = self._check(pact, interaction, values)
        except _Failed as exc:
            error, kind = exc.message, exc.kind
        except StateError as exc:  # a state change URL that refuses connections: the provider is down
            down = isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
            error, kind = f"{exc}", "connection" if down else "state"
        except Exception as exc:  # a bug on the way (request generators, encoding): nothing was checked
            error, kind = f"{type(exc).__name__}: {exc}", "error"
        for setup, state in reversed(done):
            problem = self._states.teardown(setup, state)
            if problem and error is None:
                error, kind = problem, "state"
        ok = not mismatches and error is None
        return InteractionResult(
            description=interaction.description,
            consumer=pact.consumer,
            provider=pact.provider,
            interaction_type=interaction.type_name,
            pending=pending or interaction.pending,
            origin=origin,
            states=states,
            key=interaction.key,
            request=f"{interaction.request.method.upper()} {interaction.request.path}"
            if isinstance(interaction, HttpInteraction)
            else "",
            ok=ok,
            mismatches=tuple(mismatches),
            error=error,
            error_kind=kind,
            duration=time.perf_counter() - started,
            consumer_versions=consumer_versions,
            deployments=deployments,
        )

    def _states_to_set_up(self, interaction: Interaction) -> tuple[ProviderState, ...]:
        """The states this session sets up: a message made by ``message_producer`` or ``message_url`` gets
        its states with the request, so states without a handler (or state change URL) are left to it."""
        assert self._states is not None
        states = interaction.provider_states
        if isinstance(interaction, HttpInteraction) or self.verifier._messages.get(interaction.description):
            return tuple(states)
        if self.verifier.message_producer is None and self._endpoint is None:
            return tuple(states)
        if self._states.state_change_url is not None:
            return tuple(states)
        known = set(self._states.names())
        return tuple(s for s in states if s.name in known)

    def _check(self, pact: Pact, interaction: Interaction, values: dict[str, Any]) -> list[Mismatch]:
        if isinstance(interaction, HttpInteraction):
            return self._check_http(pact, interaction, values)
        assert isinstance(interaction, (AsynchronousMessage, SynchronousMessage))
        producer = self._producer(interaction)
        assert self._transport is not None and self._states is not None
        run_async = self._states.run_async  # on the app's loop, cancelled at the time limit
        what = f"message producer for {interaction.description!r}"
        try:
            found: list[Mismatch] = self._states.limited(
                lambda: verify_message(interaction, producer, spec=pact.spec, run_async=run_async), what
            )
            return found
        except EndpointError as exc:
            raise _Failed(exc.kind, exc.message) from exc
        except StateError as exc:  # the producer did not finish in time: the provider failing
            raise _Failed("producer-error", str(exc)) from exc
        except Exception as exc:  # the provider's own producer raised: the provider failing
            message = f"message producer for {interaction.description!r} raised {type(exc).__name__}: {exc}"
            raise _Failed("producer-error", message) from exc

    def _producer(self, interaction: AsynchronousMessage | SynchronousMessage) -> MessageProducer:
        """The producer for ``interaction``: registered, then ``message_producer``, then ``message_url``."""
        v = self.verifier
        producer = v._messages.get(interaction.description)
        if producer is not None:
            return producer
        if v.message_producer is not None:
            return from_states_producer(v.message_producer, interaction)
        if self._endpoint is not None:
            return self._endpoint.producer(interaction)
        known = ", ".join(repr(d) for d in sorted(v._messages)) or "none"
        raise _Failed(
            "producer",
            f"no message producer for {interaction.description!r} (registered: {known}); register one with "
            f'@verifier.message("{interaction.description}"), or on the command line pass --messages '
            "MODULE:OBJECT (a Python producer or registry) or --message-url URL (an endpoint that makes messages)",
        )

    def _check_http(self, pact: Pact, interaction: HttpInteraction, values: dict[str, Any]) -> list[Mismatch]:
        assert self._transport is not None
        v = self.verifier
        request = interaction.request
        if request.generators:
            ctx = GeneratorContext(
                now=datetime.datetime.now(datetime.UTC), rng=self._rng, mode="provider", provider_state=values
            )
            request = generate_request(request, ctx)
        if v.base_url is None and v.app is None:
            raise _Failed(
                "no-provider",
                f"{request.method.upper()} {request.path}: no provider to send it to; pass --provider-url "
                "(base_url=, or app=) to verify HTTP interactions",
            )
        outgoing = prepare(request, base_path=v.base_path, extra_headers=v.headers)
        target = f"{outgoing.method} {self._transport.base_url.rstrip('/')}{outgoing.target}"
        try:
            response = self._transport.send(outgoing, _guarded(v.request_hook) if v.request_hook else None)
        except _HookError as exc:
            raise _Failed("hook", f"request_hook raised {exc}") from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            message = f"{target}: cannot connect to the provider ({exc}); start it or check the provider URL"
            raise _Failed("connection", message) from exc
        except httpx.TimeoutException as exc:
            message = (
                f"{target}: no response within {v.timeout} s; the provider hangs or is slow "
                "(raise timeout= / --timeout if it is just slow)"
            )
            raise _Failed("timeout", message) from exc
        except AppError as exc:  # an in-process app raising is the provider failing
            raise _Failed("app", f"{target}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise _Failed("connection", f"{target}: request failed ({type(exc).__name__}: {exc})") from exc
        return compare_response(_without_wildcard_type(interaction.response), response, spec=pact.spec)


def _without_wildcard_type(response: Response) -> Response:
    """The Pact CLI's mock server records bodies as ``contentType: "*/*"`` (base64) beside a real
    ``Content-Type`` header; like the Pact reference verifier, trust the header then."""
    body = response.body
    if isinstance(body, Body) and body.content_type and "*" in body.content_type and response.headers:
        return dataclasses.replace(response, body=dataclasses.replace(body, content_type=None))
    return response


class _HookError(Exception):
    """The request hook raised (the message names what)."""


def _guarded(hook: RequestHook) -> RequestHook:
    def call(request: httpx.Request) -> httpx.Request | None:
        try:
            return hook(request)
        except Exception as exc:
            raise _HookError(f"{type(exc).__name__}: {exc}") from exc

    return call


class _Failed(Exception):
    """An interaction could not be checked; ``kind`` classifies why (see `InteractionResult.error_kind`)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
