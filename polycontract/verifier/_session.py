"""`VerificationSession`: one open connection to the provider, its state handlers and message producers,
verifying interactions one at a time (what `Verifier.verify` and the pytest items use).

Each interaction's error gets a kind (see `InteractionResult.error_kind`) that tells a broken pact
from one that could not be checked.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import httpx

from polycontract.generate import GeneratorContext, generate_request
from polycontract.matching import compare_response
from polycontract.model import (
    AsynchronousMessage,
    Body,
    HttpInteraction,
    Interaction,
    Mismatch,
    PactDocument,
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
from polycontract.verifier._report import test_name, text_comments
from polycontract.verifier._result import InteractionResult, PactOutcome, SourceError
from polycontract.verifier._sequence import Failed as _Failed
from polycontract.verifier._sequence import Prepared, classify, set_up, switch, tear_down
from polycontract.verifier._sources import SourcedPact, triage
from polycontract.verifier._states import StateError, StateHandler, StateRunner

__all__ = ["VerificationSession", "VerifierSettings"]


class VerifierSettings(Protocol):
    """What a session reads of its `Verifier`: the provider, how to reach it, its states and message producers.

    The state handlers are read when the session opens; the message producers each time one is looked up, so a
    producer registered while a session is open counts.
    """

    @property
    def provider(self) -> str: ...
    @property
    def base_url(self) -> str | None: ...
    @property
    def app(self) -> Any: ...
    @property
    def base_path(self) -> str: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def timeout(self) -> float: ...
    @property
    def state_timeout(self) -> float | None: ...
    @property
    def request_hook(self) -> RequestHook | None: ...
    @property
    def state_change_url(self) -> str | None: ...
    @property
    def state_change_teardown(self) -> bool: ...
    @property
    def message_producer(self) -> Callable[..., Any] | None: ...
    @property
    def message_url(self) -> str | None: ...
    def state_handlers(self) -> dict[str, StateHandler]: ...
    def message_producers(self) -> dict[str, MessageProducer]: ...


class VerificationSession:
    """An open connection to the provider and its state handlers, for verifying interactions one by one.

    Use it as a context manager (``with verifier.session() as s: s.run(pact, interaction)``); `Verifier.verify`
    opens one per call.
    """

    def __init__(self, verifier: VerifierSettings) -> None:
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
        for name, handler in v.state_handlers().items():
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
        """Results for one sourced pact then its `PactOutcome`, or one `SourceError` when it cannot be verified.

        Between two interactions whose states all have handlers, the first one's teardowns and the next one's
        setups are handed to the state worker together (one thread hand-off instead of one per call), in the
        order `run` makes them, each with its own time limit.
        """
        verify, problem = triage(sourced, self.verifier.provider)
        if problem is not None:
            yield SourceError(origin=sourced.origin, message=problem)
        if not verify or sourced.pact is None:
            return
        pact = sourced.pact
        results: list[InteractionResult] = []
        interactions = pact.interactions
        ahead: Prepared | None = None  # the next interaction's states, already set up
        assert self._states is not None
        try:
            for i, interaction in enumerate(interactions):
                prepared = ahead if ahead is not None else set_up(self._states, self._states_or_error(interaction))
                ahead = None
                following = interactions[i + 1] if i + 1 < len(interactions) else None
                result, ahead = self._finish(
                    pact,
                    interaction,
                    prepared,
                    following,
                    pending=sourced.pending,
                    origin=sourced.origin,
                    consumer_versions=sourced.versions,
                    deployments=sourced.deployments,
                )
                results.append(result)
                yield result
        finally:
            if ahead is not None:  # the run stopped before the interaction they were set up for
                tear_down(self._states, ahead)
        yield PactOutcome(
            pact=pact,
            origin=sourced.origin,
            ok=all(r.ok for r in results),
            results=tuple(results),
            pending=sourced.pending,
            wip=sourced.wip,
            url=sourced.url,
            consumer_version=sourced.consumer_version,
            consumer_versions=sourced.consumer_versions,
        )

    def run(
        self,
        pact: PactDocument,
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
        prepared = set_up(self._states, self._states_or_error(interaction))
        result, _ = self._finish(
            pact,
            interaction,
            prepared,
            None,
            pending=pending,
            origin=origin,
            consumer_versions=consumer_versions,
            deployments=deployments,
        )
        return result

    def _finish(
        self,
        pact: PactDocument,
        interaction: Interaction,
        prepared: Prepared,
        following: Interaction | None,
        **names: Any,
    ) -> tuple[InteractionResult, Prepared | None]:
        """Check ``interaction`` (its states set up in ``prepared``), tear its states down, and report.

        With ``following``, the next interaction's states are set up in the same hand-off as the teardown
        when all of them have handlers; they are returned beside the result.
        """
        assert self._states is not None
        mismatches: list[Mismatch] = []
        if prepared.error is None:
            try:
                mismatches = self._check(pact, interaction, prepared.values)
            except Exception as exc:
                prepared.error, prepared.kind = classify(exc)
        ahead = None
        if following is not None and prepared.done and self._states.timeout is not None:
            states = self._states_or_error(following)
            if not isinstance(states, Exception) and self._states.handles(states):
                ahead = switch(self._states, prepared, states)
        if ahead is None:
            tear_down(self._states, prepared)
        ended = ahead.started if ahead is not None else time.perf_counter()
        error = prepared.error
        return InteractionResult(
            description=interaction.description,
            consumer=pact.consumer,
            provider=pact.provider,
            interaction_type=interaction.type_name,
            pending=names["pending"] or interaction.pending,
            origin=names["origin"],
            states=tuple(s.name for s in interaction.provider_states),
            key=interaction.key,
            request=f"{interaction.request.method.upper()} {interaction.request.path}"
            if isinstance(interaction, HttpInteraction)
            else "",
            ok=not mismatches and error is None,
            mismatches=tuple(mismatches),
            error=error,
            error_kind=prepared.kind,
            duration=ended - prepared.started,
            consumer_versions=names["consumer_versions"],
            deployments=names["deployments"],
            comments=text_comments(interaction.comments),
            test_name=test_name(interaction.comments),
        ), ahead

    def _states_or_error(self, interaction: Interaction) -> tuple[ProviderState, ...] | Exception:
        """`_states_to_set_up`, or what it raised (an error of that interaction)."""
        try:
            return self._states_to_set_up(interaction)
        except Exception as exc:
            return exc

    def _states_to_set_up(self, interaction: Interaction) -> tuple[ProviderState, ...]:
        """The states this session sets up: a message made by ``message_producer`` or ``message_url`` gets
        its states with the request, so states without a handler (or state change URL) are left to it."""
        assert self._states is not None
        states = interaction.provider_states
        if not states and self._states.state_change_url is not None:
            # As pact verifier does: the state change URL gets a setup (and teardown) call with an empty
            # state for an interaction that names none (pact-reference rust/pact_verifier/src/lib.rs,
            # `execute_provider_states`); Python state handlers are called only for the states named.
            return (ProviderState(name=""),)
        if isinstance(interaction, HttpInteraction) or self.verifier.message_producers().get(interaction.description):
            return tuple(states)
        if self.verifier.message_producer is None and self._endpoint is None:
            return tuple(states)
        if self._states.state_change_url is not None:
            return tuple(states)
        known = set(self._states.names())
        return tuple(s for s in states if s.name in known)

    def _check(self, pact: PactDocument, interaction: Interaction, values: dict[str, Any]) -> list[Mismatch]:
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
        producers = v.message_producers()
        producer = producers.get(interaction.description)
        if producer is not None:
            return producer
        if v.message_producer is not None:
            return from_states_producer(v.message_producer, interaction)
        if self._endpoint is not None:
            return self._endpoint.producer(interaction)
        known = ", ".join(repr(d) for d in sorted(producers)) or "none"
        raise _Failed(
            "producer",
            f"no message producer for {interaction.description!r} (registered: {known}); register one with "
            f'@verifier.message("{interaction.description}"), or on the command line pass --messages '
            "MODULE:OBJECT (a Python producer or registry) or --message-url URL (an endpoint that makes messages)",
        )

    def _check_http(self, pact: PactDocument, interaction: HttpInteraction, values: dict[str, Any]) -> list[Mismatch]:
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
        try:
            response = self._transport.send(outgoing, _guarded(v.request_hook) if v.request_hook else None)
        except _HookError as exc:
            raise _Failed("hook", f"request_hook raised {exc}") from exc
        except Exception as exc:  # named by the request it was about (built only now: most requests succeed)
            target = f"{outgoing.method} {self._transport.base_url.rstrip('/')}{outgoing.target}"
            failed = _sending_failed(exc, target, v.timeout)
            if failed is exc:
                raise
            raise failed from exc
        return compare_response(_without_wildcard_type(interaction.response), response, spec=pact.spec)


def _sending_failed(exc: Exception, target: str, timeout: float) -> Exception:
    """What sending the request to ``target`` raising ``exc`` makes of the interaction: a `_Failed`, or ``exc``
    itself when it is none of the failures named here."""
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        message = f"{target}: cannot connect to the provider ({exc}); start it or check the provider URL"
        return _Failed("connection", message)
    if isinstance(exc, httpx.TimeoutException):
        message = (
            f"{target}: no response within {timeout} s; the provider hangs or is slow "
            "(raise timeout= / --timeout if it is just slow)"
        )
        return _Failed("timeout", message)
    if isinstance(exc, AppError):  # an in-process app raising is the provider failing
        return _Failed("app", f"{target}: {exc}")
    if isinstance(exc, httpx.HTTPError):
        return _Failed("connection", f"{target}: request failed ({type(exc).__name__}: {exc})")
    return exc


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
