"""Messages in consumer tests: hand each declared message example to the consumer's own handler.

There is no transport for messages: the contract is that the consumer's handler accepts every message
the pact declares. `deliver` builds each example (generators applied, as a provider would send it) and
calls the handler with it; every handler that raises is reported in one `MessageViolation` (a
`ContractViolation`, so an ``AssertionError``) that names the message and quotes the handler's error,
which is also the violation's ``__cause__``. For a V4 synchronous message the handler gets the request
message and its return value is the consumer's reply, which must match a declared response message
(see `polycontract.mock._replies`); a reply that does not fails the message with a `ReplyMismatch`.

A handler taking two positional parameters gets ``(contents, metadata)``; one taking a single
parameter gets the contents only. It may be a coroutine function (or return an awaitable).

>>> from polycontract import Pact
>>> pact = Pact(consumer="billing", provider="orders")
>>> _ = pact.expects_to_receive("an order event").with_content({"id": 7}, metadata={"topic": "orders"})
>>> seen = []
>>> pact.verify_message(lambda contents, metadata: seen.append((contents, metadata)))
>>> seen
[({'id': 7}, {'topic': 'orders'})]
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import inspect
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from polycontract.errors import ContractViolation, UsageError
from polycontract.generate import GeneratorContext, generate_message
from polycontract.mock._replies import check_reply
from polycontract.model import AsynchronousMessage, Body, MessageContents, ProviderState, SynchronousMessage
from polycontract.model import PactDocument as PactModel

__all__ = ["ExampleMessage", "MessageViolation", "async_deliver", "deliver", "example_messages"]

Handler = Callable[..., Any]
_SHOWN = 200


@dataclass(frozen=True, kw_only=True)
class ExampleMessage:
    """One example message of a pact, as the consumer receives it: decoded contents (JSON value, text or bytes).

    Built from the pact's declaration, generators applied (a message a provider's producer made, checked by
    the verifier, is a `polycontract.verifier.ProducedMessage`).
    """

    description: str
    provider_states: tuple[ProviderState, ...] = ()
    contents: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        """``'an order event' (given 'order exists')``: how reports name the message."""
        given = " and ".join(repr(s.name) for s in self.provider_states)
        return f"{self.description!r}" + (f" (given {given})" if given else "")


class MessageViolation(ContractViolation):
    """The consumer's handler raised for one or more declared messages; ``failures`` pairs them with the errors."""

    def __init__(self, message: str, failures: tuple[tuple[ExampleMessage, BaseException], ...]) -> None:
        super().__init__(message)
        self.failures = failures


#: A message to deliver and, for a synchronous message, the responses the handler's reply must match.
_Case = tuple[ExampleMessage, tuple[MessageContents, ...] | None]


def example_messages(pact: PactModel, *, description: str | None = None) -> list[ExampleMessage]:
    """The asynchronous messages of ``pact`` (only ``description`` if given), generators applied now."""
    cases = _cases(pact, description, synchronous=False)
    if not cases:
        which = f" with description={description!r}" if description is not None else ""
        raise UsageError(
            f"{pact.consumer} -> {pact.provider} declares no asynchronous message{which}; "
            "declare one with expects_to_receive(description).with_content(...)"
        )
    return [message for message, _ in cases]


def _cases(pact: PactModel, description: str | None, *, synchronous: bool = True) -> list[_Case]:
    """Every message to hand to the consumer, in declaration order: asynchronous messages, and (with
    ``synchronous``) the requests of synchronous messages with the responses declared for them."""
    context = GeneratorContext(now=datetime.datetime.now(datetime.UTC), rng=random.Random(), mode="consumer")
    found: list[_Case] = []
    for interaction in pact.interactions:
        if description is not None and interaction.description != description:
            continue
        if isinstance(interaction, AsynchronousMessage):
            contents, expected = interaction.message, None
        elif synchronous and isinstance(interaction, SynchronousMessage):
            contents, expected = interaction.request, interaction.response
        else:
            continue
        generated = generate_message(contents, context)
        body = generated.contents
        message = ExampleMessage(
            description=interaction.description,
            provider_states=interaction.provider_states,
            contents=body.content if isinstance(body, Body) else None,
            metadata=dict(generated.metadata),
        )
        found.append((message, expected))
    return found


def _all_cases(pact: PactModel, description: str | None) -> list[_Case]:
    cases = _cases(pact, description)
    if not cases:
        which = f" with description={description!r}" if description is not None else ""
        raise UsageError(
            f"{pact.consumer} -> {pact.provider} declares no asynchronous message and no synchronous message{which}; "
            "declare one with expects_to_receive(description).with_content(...) or with "
            "upon_receiving(description).with_request_message(...).will_respond_with_message(...)"
        )
    return cases


def deliver(pact: PactModel, handler: Handler, *, description: str | None = None) -> list[ExampleMessage]:
    """Call ``handler`` with every declared message; raise `MessageViolation` if it failed any.

    It fails a message by raising, or, for a synchronous message, by returning a reply that matches none
    of the declared responses (see `polycontract.mock._replies.check_reply`). An async handler is run to
    completion (in a helper thread when this thread already runs an event loop; in async code prefer
    `async_deliver`). Returns the messages delivered.
    """
    _check_handler(handler)
    cases = _all_cases(pact, description)
    failures: list[tuple[ExampleMessage, BaseException]] = []
    for message, expected in cases:
        try:
            result = _call(handler, message)
            if inspect.isawaitable(result):
                result = _run(result)
            if expected is not None:
                check_reply(expected, result, spec=pact.spec)
        except Exception as exc:
            failures.append((message, exc))
    messages = [message for message, _ in cases]
    _raise_failures(pact, messages, failures)
    return messages


async def async_deliver(pact: PactModel, handler: Handler, *, description: str | None = None) -> list[ExampleMessage]:
    """`deliver` for async code: awaits the handler's awaitables on the running event loop."""
    _check_handler(handler)
    cases = _all_cases(pact, description)
    failures: list[tuple[ExampleMessage, BaseException]] = []
    for message, expected in cases:
        try:
            result = _call(handler, message)
            if inspect.isawaitable(result):
                result = await result
            if expected is not None:
                check_reply(expected, result, spec=pact.spec)
        except Exception as exc:
            failures.append((message, exc))
    messages = [message for message, _ in cases]
    _raise_failures(pact, messages, failures)
    return messages


def _check_handler(handler: Handler) -> None:
    if not callable(handler):
        raise UsageError(f"handler={handler!r} must be a callable taking (contents, metadata) or (contents)")


def _takes_metadata(handler: Handler) -> bool:
    try:
        parameters = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)


def _call(handler: Handler, message: ExampleMessage) -> Any:
    if _takes_metadata(handler):
        return handler(message.contents, dict(message.metadata))
    return handler(message.contents)


def _run(awaitable: Awaitable[Any]) -> Any:
    async def wait() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wait())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, wait()).result()


def _raise_failures(
    pact: PactModel, messages: list[ExampleMessage], failures: list[tuple[ExampleMessage, BaseException]]
) -> None:
    if not failures:
        return
    lines = [
        f"the consumer's handler failed {len(failures)} of {len(messages)} messages "
        f"of {pact.consumer} -> {pact.provider}:"
    ]
    for message, error in failures:
        detail = str(error).replace("\n", "\n    ")
        lines.append(f"  - message {message.label()}: {type(error).__name__}: {detail}")
        lines.append(f"    contents: {_preview(message.contents)}")
        if message.metadata:
            lines.append(f"    metadata: {_preview(message.metadata)}")
    lines.append(
        "hint: the consumer must handle every message it declares; fix the handler, or the declared example "
        "if the handler is right"
    )
    raise MessageViolation("\n".join(lines), tuple(failures)) from failures[0][1]


def _preview(value: Any) -> str:
    try:
        text = json.dumps(value, default=repr, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
