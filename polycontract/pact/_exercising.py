"""Exercising a pact: the mock providers and message deliveries started from it, and what they left unused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polycontract.errors import ContractViolation, UsageError
from polycontract.model import HttpInteraction, Interaction
from polycontract.model import PactDocument as PactModel
from polycontract.pact import _usage
from polycontract.pact._draft import Declaring, Draft

if TYPE_CHECKING:
    from collections.abc import Callable

    from polycontract.mock import AsyncMockTransport, ExampleMessage, MockServer, MockTransport
    from polycontract.mock.support import ResponseSource

__all__ = ["Exercising"]


class Exercising(Declaring):
    """`Pact.to_model`, `Pact.verify` and the ways to exercise a pact: `Pact.serve`, `Pact.transport`, messages."""

    def to_model(self, *, only_exercised: bool = False) -> PactModel:
        """The declared interactions as a `model.PactDocument`; an unfinished declaration is a `UsageError`.

        ``only_exercised=True``: only the interactions the test exercised (see `verify`), as the pytest
        plugin writes them.
        """
        draft = self._draft
        if draft.description is not None or draft.request is not None:
            name = draft.description or "(no description yet)"
            raise UsageError(f"interaction {name!r} is not finished: {self._missing(draft)}")
        interactions = self.interactions
        if only_exercised:
            used = self._exercised()
            interactions = tuple(i for i in interactions if id(i) in used)
        return PactModel(consumer=self.consumer, provider=self.provider, interactions=interactions, spec=self.spec)

    def unexercised(self) -> tuple[Interaction, ...]:
        """The declared interactions (except optional ones) that nothing exercised yet, in declaration order.

        An HTTP interaction is exercised by a request that matched it on a mock provider started from this
        pact; a message by `verify_message` (or `messages`) handing it to the consumer.
        """
        used = self._exercised()
        return tuple(i for key, i in self._interactions.items() if id(i) not in used and key not in self._optional)

    def verify(self) -> None:
        """Raise a `ContractViolation` if the test did not exercise what it declared.

        First a problem a mock provider started from this pact saw and nobody was told of (a transport used
        without ``with``: a mismatch, an unexpected request); then every declared interaction never
        exercised, named with its request, and whether the mock provider received any request at all.

        >>> pact = Pact(consumer="web", provider="users")
        >>> _ = pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)
        >>> pact.verify()
        Traceback (most recent call last):
        ...
        polycontract.errors.ContractViolation: web -> users: 1 declared interaction was never exercised:
        ...
        """
        for mock in self._mocks:
            if not mock.reported and (mock.errors or mock.problems(include_unused=False)):
                error = mock.failure()
                if error is not None:
                    raise error
        missing = self.unexercised()
        if missing:
            raise ContractViolation(_usage.unexercised_message(self.consumer, self.provider, missing, self._mocks))

    def _exercised(self) -> set[int]:
        """The ids of the declared interactions something exercised."""
        found = [i for mock in self._mocks for i in mock.exercised()] + self._delivered
        ids = {id(i) for i in found}
        current = self._interactions.values()
        current_ids = {id(c) for c in current}
        stray = [i for i in found if id(i) not in current_ids]
        if stray:  # an interaction declared again (an equal, new object) after a mock was started
            ids |= {id(c) for c in current if c in stray}
        return ids

    def _restart(self) -> None:
        """Forget every declaration and what exercised it: the pytest plugin's ``vary=N`` runs declare again."""
        self._interactions.clear()
        self._optional.clear()
        self._mocks.clear()
        self._delivered.clear()
        self._draft = Draft()

    def _optional_interactions(self) -> tuple[Interaction, ...]:
        return tuple(self._interactions[key] for key in self._optional)

    # The mock provider is an edge (layer 4). These three methods are the one sanctioned upward
    # import (see tests/test_layers.py): it happens on call, so building a pact stays pure.

    def serve(
        self, *, host: str = "127.0.0.1", port: int = 0, vary: Any = None, vary_seed: int | None = None
    ) -> MockServer:
        """A `polycontract.mock.MockServer` for the HTTP interactions, on a real socket.

        Use it as a context manager: on exit it raises `ContractViolation` listing every mismatch,
        unexpected request and interaction never exercised. ``port=0`` lets the system choose a free
        port; ``server.url`` tells which.

        ``vary=True`` answers each matched request with a response drawn within the declared rules
        (generators applied) instead of the example, the same ones for the same ``vary_seed``;
        ``vary=data`` (hypothesis's ``st.data()``) draws them from a running hypothesis test, so they
        shrink. Left unset, it varies under the pytest plugin's ``vary=N``. The server draws a few
        responses per interaction up front (hypothesis draws only in the test's thread): the k-th
        request matching an interaction gets the k-th (see docs/strategies.md, "Varied responses").

        >>> with pact.serve() as server:  # doctest: +SKIP
        ...     assert httpx.get(f"{server.url}/users/7").json()["id"] == 7
        """
        from polycontract.mock import MockServer

        model = self.to_model()
        responses = _varied(model, vary, vary_seed, lazy=False)
        server = MockServer(model, host=host, port=port, optional=self._optional_interactions())
        server.provider.use_responses(responses)
        self._mocks.append(server.provider)
        return server

    def transport(self, *, vary: Any = None, vary_seed: int | None = None) -> MockTransport:
        """A `polycontract.mock.MockTransport` (``httpx.BaseTransport``): the mock provider with no socket.

        ``vary`` and ``vary_seed`` as for `serve`; with a hypothesis ``data`` object each response is
        drawn when its request comes in (the transport answers in the test's thread).

        >>> with httpx.Client(transport=pact.transport(), base_url="http://users") as client:  # doctest: +SKIP
        ...     client.get("/users/7")
        """
        from polycontract.mock import MockTransport

        model = self.to_model()
        responses = _varied(model, vary, vary_seed, lazy=True)
        transport = MockTransport(model, optional=self._optional_interactions())
        transport.provider.use_responses(responses)
        self._mocks.append(transport.provider)
        return transport

    def async_transport(self, *, vary: Any = None, vary_seed: int | None = None) -> AsyncMockTransport:
        """A `polycontract.mock.AsyncMockTransport` (``httpx.AsyncBaseTransport``), for async clients.

        ``vary`` and ``vary_seed`` as for `transport`.
        """
        from polycontract.mock import AsyncMockTransport

        model = self.to_model()
        responses = _varied(model, vary, vary_seed, lazy=True)
        transport = AsyncMockTransport(model, optional=self._optional_interactions())
        transport.provider.use_responses(responses)
        self._mocks.append(transport.provider)
        return transport

    def messages(self, *, description: str | None = None) -> list[ExampleMessage]:
        """The declared asynchronous messages as the consumer receives them, generators applied.

        For feeding them to the consumer yourself; `verify_message` does it and reports every failure.
        """
        from polycontract.mock.support import example_messages

        model = self.to_model()
        found = example_messages(model, description=description)
        self._delivered += _usage.messages_of(model, description, synchronous=False)
        return found

    def verify_message(self, handler: Callable[..., Any], *, description: str | None = None) -> None:
        """Hand every declared message (or only ``description``) to the consumer's ``handler``.

        ``handler(contents, metadata)`` (or ``handler(contents)``), sync or async. For a V4 synchronous
        message it gets the request and returns its reply (the contents, or ``(contents, metadata)``),
        which must match a declared response message. If it raises for any message, or replies with
        something no declared response allows, a `polycontract.mock.MessageViolation` (a
        ``ContractViolation``) names each such message with the error or the paths that differ.

        >>> pact.expects_to_receive("an order event").with_content({"id": match.integer(7)})  # doctest: +SKIP
        >>> pact.verify_message(orders.handle_event)  # doctest: +SKIP
        """
        from polycontract.mock.support import deliver

        model = self.to_model()
        deliver(model, handler, description=description)
        self._delivered += _usage.messages_of(model, description)

    async def async_verify_message(self, handler: Callable[..., Any], *, description: str | None = None) -> None:
        """`verify_message` for async tests: the handler's awaitables run on the running event loop."""
        from polycontract.mock.support import async_deliver

        model = self.to_model()
        await async_deliver(model, handler, description=description)
        self._delivered += _usage.messages_of(model, description)


def _varied(model: PactModel, vary: Any, vary_seed: int | None, *, lazy: bool) -> ResponseSource | None:
    """The response source of a mock started with ``vary`` (None: the examples)."""
    from polycontract.mock.support import source_for

    http = [i for i in model.interactions if isinstance(i, HttpInteraction)]
    return source_for(http, vary, vary_seed=vary_seed, lazy=lazy, spec=model.spec)
