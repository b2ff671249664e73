"""Verifying messages without HTTP: call the producer registered for a description, compare what it made.

A message producer returns the message contents (a JSON value, text or bytes), a ``(contents, metadata)``
pair, or a `Message`. For a V4 synchronous message it is called with the request contents and returns
the response (or a list of responses).

>>> from polycontract import model
>>> expected = model.AsynchronousMessage(description="created", message=model.MessageContents(contents={"id": 1}))
>>> verify_message(expected, lambda: {"id": 1}, spec="V4")
[]
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from polycontract.matching import compare_message
from polycontract.model import ABSENT, AsynchronousMessage, Body, MessageContents, Mismatch, SynchronousMessage

__all__ = ["Message", "MessageProducer", "verify_message"]

MessageProducer = Callable[..., Any]


@dataclass(frozen=True, kw_only=True)
class Message:
    """A message as a producer made it: contents, metadata and (optionally) its content type.

    >>> Message(contents={"id": 1}, metadata={"topic": "users"}).metadata
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
    if isinstance(produced, Message):
        message = produced
    elif isinstance(produced, tuple) and len(produced) == 2 and isinstance(produced[1], Mapping):
        message = Message(contents=produced[0], metadata=produced[1])
    else:
        message = Message(contents=produced)
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
