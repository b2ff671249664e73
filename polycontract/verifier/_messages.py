"""Verifying messages: call the producer of a description (or a message endpoint), compare what it made.

A message producer returns the message contents (a JSON value, text or bytes), a ``(contents, metadata)``
pair, or a `ProducedMessage`. For a V4 synchronous message it is called with the request contents and returns
the response (or a list of responses).

>>> from polycontract import model
>>> expected = model.AsynchronousMessage(description="created", message=model.MessageContents(contents={"id": 1}))
>>> verify_message(expected, lambda: {"id": 1}, spec="V4")
[]

Producers are found by description (`MessageRegistry`, ``Verifier.message``), through one callable
taking ``(description, provider_states)``, or from an HTTP endpoint (`MessageEndpoint`) that answers a
POST of ``{"description", "providerStates"}`` with the message, as Pact's message proxy does.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import inspect
import json
import sys
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from polycontract.errors import UsageError
from polycontract.matching import compare_message
from polycontract.model import ABSENT, AsynchronousMessage, Body, MessageContents, Mismatch, SynchronousMessage

__all__ = [
    "EndpointError",
    "MessageEndpoint",
    "MessageProducer",
    "MessageRegistry",
    "ProducedMessage",
    "from_states_producer",
    "verify_message",
]

MessageProducer = Callable[..., Any]


@dataclass(frozen=True, kw_only=True)
class ProducedMessage:
    """A message as a producer made it: contents, metadata and (optionally) its content type.

    What a provider's producer may return to the verifier (a consumer test's example of a message is a
    `polycontract.mock.ExampleMessage`).

    >>> ProducedMessage(contents={"id": 1}, metadata={"topic": "users"}).metadata
    {'topic': 'users'}
    """

    contents: Any
    metadata: Mapping[str, Any] = field(default_factory=dict)
    content_type: str | None = None


def _expected_type(expected: MessageContents) -> str | None:
    if isinstance(expected.contents, Body) and expected.contents.content_type:
        return expected.contents.content_type
    for name, value in expected.metadata.items():
        if name.lower() in ("contenttype", "content-type", "content_type") and isinstance(value, str):
            return value
    return None


def _as_contents(produced: Any, expected: MessageContents) -> MessageContents:
    if isinstance(produced, MessageContents):
        return produced
    mock = sys.modules.get("polycontract.mock")  # not loaded: nothing can be one of its example messages
    if mock is not None and isinstance(produced, mock.ExampleMessage):
        raise UsageError(
            f"the producer returned polycontract.mock.ExampleMessage {produced.label()}, an example from a consumer's "
            "pact; return "
            "what the provider's code makes: the contents, (contents, metadata) or polycontract.verifier."
            "ProducedMessage(contents=..., metadata=...)"
        )
    if isinstance(produced, ProducedMessage):
        message = produced
    elif isinstance(produced, tuple) and len(produced) == 2 and isinstance(produced[1], Mapping):
        message = ProducedMessage(contents=produced[0], metadata=produced[1])
    else:
        message = ProducedMessage(contents=produced)
    content_type = message.content_type or _metadata_type(message.metadata) or _expected_type(expected)
    if content_type is None and not isinstance(message.contents, (str, bytes)):
        content_type = "application/json"
    contents = ABSENT if message.contents is None else Body(content=message.contents, content_type=content_type)
    metadata = dict(message.metadata)
    if content_type and _metadata_type(metadata) is None:
        metadata["contentType"] = content_type  # as Pact does: the content type is part of the metadata
    return MessageContents(contents=contents, metadata=metadata)


def _metadata_type(metadata: Mapping[str, Any]) -> str | None:
    for name, value in metadata.items():
        if name.lower() in ("contenttype", "content-type", "content_type") and isinstance(value, str):
            return value
    return None


def _takes_argument(producer: MessageProducer) -> bool:
    try:
        parameters = inspect.signature(producer).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


def _request_value(request: MessageContents) -> Any:
    contents = request.contents
    if contents is ABSENT:
        return None
    return contents.content if isinstance(contents, Body) else contents


def verify_message(
    interaction: AsynchronousMessage | SynchronousMessage,
    producer: MessageProducer,
    *,
    spec: str,
    run_async: Callable[[Coroutine[Any, Any, Any]], Any] = asyncio.run,
) -> list[Mismatch]:
    """Call ``producer`` for ``interaction`` and return every mismatch; exceptions from it propagate.

    An ``async def`` producer is awaited with ``run_async``.
    """
    if isinstance(interaction, AsynchronousMessage):
        produced = producer(None) if _takes_argument(producer) else producer()
        produced = run_async(produced) if inspect.iscoroutine(produced) else produced
        return compare_message(interaction.message, _as_contents(produced, interaction.message), spec=spec)
    request = _request_value(interaction.request)
    produced = producer(request) if _takes_argument(producer) else producer()
    produced = run_async(produced) if inspect.iscoroutine(produced) else produced
    responses = list(produced) if isinstance(produced, list) else [produced]
    found: list[Mismatch] = []
    if len(responses) != len(interaction.response):
        found.append(
            Mismatch(
                kind="body",
                path="$.response",
                expected=len(interaction.response),
                actual=len(responses),
                message=f"Expected {len(interaction.response)} response messages but the producer made "
                f"{len(responses)}",
            )
        )
    for index, (expected, actual) in enumerate(zip(interaction.response, responses)):
        for mismatch in compare_message(expected, _as_contents(actual, expected), spec=spec):
            path = (
                mismatch.path.replace("$", f"$.response[{index}]", 1)
                if len(interaction.response) > 1
                else mismatch.path
            )
            found.append(
                Mismatch(
                    kind=mismatch.kind,
                    path=path,
                    expected=mismatch.expected,
                    actual=mismatch.actual,
                    message=mismatch.message,
                )
            )
    return found


class MessageRegistry:
    """Message producers by description, for ``polycontract verify --messages module:registry``.

    >>> messages = MessageRegistry()
    >>> @messages.message("a user created event")
    ... def user_created():
    ...     return {"id": 1, "name": "alice"}
    >>> sorted(messages.message_producers())
    ['a user created event']
    """

    def __init__(self) -> None:
        self._producers: dict[str, MessageProducer] = {}

    def message(self, description: str) -> Callable[[MessageProducer], MessageProducer]:
        """Decorator registering the producer of the message with this ``description``."""
        if not isinstance(description, str) or not description:
            raise UsageError(f"message description={description!r} must be a non-empty string")

        def register(fn: MessageProducer) -> MessageProducer:
            self.add(description, fn)
            return fn

        return register

    def add(self, description: str, producer: MessageProducer) -> None:
        """Register ``producer`` for ``description`` (what `message` does, without a decorator)."""
        if not callable(producer):
            raise UsageError(f"producer={producer!r} for message {description!r} must be callable")
        self._producers[description] = producer

    def message_producers(self) -> dict[str, MessageProducer]:
        """The registered producers by description (a copy)."""
        return dict(self._producers)


def _states_json(interaction: AsynchronousMessage | SynchronousMessage) -> list[dict[str, Any]]:
    return [{"name": s.name, "params": dict(s.params)} for s in interaction.provider_states]


def from_states_producer(
    fn: Callable[..., Any], interaction: AsynchronousMessage | SynchronousMessage
) -> MessageProducer:
    """A producer for ``interaction`` from ``fn(description, provider_states)`` (plus the request contents
    for a synchronous message, when ``fn`` takes a third argument)."""
    states = _states_json(interaction)
    if isinstance(interaction, AsynchronousMessage):
        return lambda: fn(interaction.description, states)
    try:
        positional = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        ]
        takes_request = len(positional) >= 3 or any(p.kind == p.VAR_POSITIONAL for p in positional)
    except (TypeError, ValueError):
        takes_request = False
    if takes_request:
        return lambda request: fn(interaction.description, states, request)
    return lambda request: fn(interaction.description, states)


class EndpointError(Exception):
    """The message endpoint could not make the message; ``kind`` classifies why (``connection``,
    ``producer`` for an error answer, ``timeout`` or ``producer-error`` for a broken answer)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class MessageEndpoint:
    """Messages from an HTTP endpoint, as Pact's message proxy serves them.

    The verifier POSTs ``{"description": …, "providerStates": [{"name": …, "params": {…}}]}`` (plus
    ``"request"`` for a synchronous message); the answer's body is the message contents, its
    ``Content-Type`` their type, and the ``Pact-Message-Metadata`` header (base64 JSON) the metadata.
    """

    def __init__(self, url: str, *, timeout: float) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise UsageError(f"message_url={url!r} must start with http:// or https://")
        self.url = url
        self.timeout = timeout
        self._client: Any = None

    def producer(self, interaction: AsynchronousMessage | SynchronousMessage) -> MessageProducer:
        """A producer that fetches ``interaction``'s message from the endpoint."""
        body: dict[str, Any] = {"description": interaction.description, "providerStates": _states_json(interaction)}
        if isinstance(interaction, AsynchronousMessage):
            return lambda: self.fetch(body)
        return lambda request: self.fetch({**body, "request": request})

    def fetch(self, body: dict[str, Any]) -> ProducedMessage:
        """POST ``body`` and read the message from the answer; raises `EndpointError`."""
        import httpx

        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout)
        what = f"POST {self.url} for message {body['description']!r}"
        try:
            response = self._client.post(self.url, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise EndpointError(
                "connection",
                f"{what}: cannot connect to the message endpoint ({exc}); start it or check --message-url",
            ) from exc
        except httpx.TimeoutException as exc:
            raise EndpointError("timeout", f"{what}: no answer within {self.timeout} s") from exc
        except httpx.HTTPError as exc:
            raise EndpointError("connection", f"{what} failed ({type(exc).__name__}: {exc})") from exc
        if response.status_code >= 400:
            raise EndpointError(
                "producer",
                f"{what} answered {response.status_code}: {response.text[:200]}; the endpoint could not make "
                "the message (is there a producer for this description and its provider states?)",
            )
        return ProducedMessage(
            contents=_decoded(response), metadata=_metadata(response, what), content_type=_type(response)
        )

    def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            self._client.close()
            self._client = None


def _type(response: Any) -> str | None:
    value = response.headers.get("content-type")
    return str(value) if value else None


def _decoded(response: Any) -> Any:
    content: bytes = response.content
    if not content:
        return None
    media = (_type(response) or "").split(";", 1)[0].strip().lower()
    if media.endswith(("/json", "+json")):
        try:
            return json.loads(content)
        except ValueError:
            return content
    if media.startswith("text/"):
        return content.decode(response.encoding or "utf-8", "replace")
    return content


def _metadata(response: Any, what: str) -> dict[str, Any]:
    header = response.headers.get("pact-message-metadata")
    if not header:
        return {}
    try:
        data = json.loads(base64.b64decode(header, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise EndpointError(
            "producer-error", f"{what}: the Pact-Message-Metadata header is not base64-encoded JSON ({exc})"
        ) from exc
    if not isinstance(data, dict):
        raise EndpointError("producer-error", f"{what}: the Pact-Message-Metadata header is not a JSON object")
    return data
