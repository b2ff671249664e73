"""Synchronous messages in consumer tests: the consumer's reply must be one the pact declares.

For a V4 synchronous message the consumer is the side that answers: its handler receives the request
message and returns the reply. `check_reply` compares that reply with each declared response message
using `polycontract.matching.compare_message` and raises `ReplyMismatch` (a `ContractViolation`)
naming the path of every difference from the closest declared response.

The handler returns the reply's contents (a JSON value, text or bytes), or a ``(contents, metadata)``
tuple to have the metadata checked as well; with contents alone, metadata is not compared.

>>> from polycontract import Pact, match
>>> pact = Pact(consumer="shop", provider="stock")
>>> _ = (pact.upon_receiving("a stock query").with_request_message({"sku": "A1"})
...          .will_respond_with_message({"sku": "A1", "count": match.integer(3)}))
>>> pact.verify_message(lambda query: {"sku": query["sku"], "count": 12})
>>> pact.verify_message(lambda query: {"sku": query["sku"], "count": "twelve"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
polycontract.mock._messages.MessageViolation: the consumer's handler failed 1 of 1 messages of shop -> stock:
  - message 'a stock query': ReplyMismatch: the reply does not match the declared response:
      $.contents.count: Expected "twelve" to be an integer
    contents: {"sku": "A1"}
hint: the consumer must handle every message it declares; ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from polycontract.errors import ContractViolation
from polycontract.matching import compare_message
from polycontract.model import ABSENT, Body, MessageContents, Mismatch

__all__ = ["ReplyMismatch", "check_reply"]

_SHOWN_MISMATCHES = 20


class ReplyMismatch(ContractViolation):
    """The consumer's reply to a synchronous message is none of the declared responses.

    ``mismatches`` are the differences from the closest declared response (fewest differences), each
    with its path (``$.contents.items[0].id``, ``$.metadata.contentType``).
    """

    def __init__(self, message: str, mismatches: tuple[Mismatch, ...]) -> None:
        super().__init__(message)
        self.mismatches = mismatches


def check_reply(expected: Sequence[MessageContents], reply: Any, *, spec: str = "V4") -> None:
    """Raise `ReplyMismatch` unless ``reply`` (what the handler returned) matches one of ``expected``.

    Nothing is checked when the interaction declares no response.
    """
    if not expected:
        return
    contents, metadata = _split(reply)
    best: list[Mismatch] | None = None
    for option in expected:
        actual = MessageContents(
            contents=_body(contents, option),
            metadata=dict(option.metadata) if metadata is None else dict(metadata),
        )
        found = compare_message(option, actual, spec=spec)
        if not found:
            return
        if best is None or len(found) < len(best):
            best = found
    assert best is not None
    which = "the declared response" if len(expected) == 1 else f"any of the {len(expected)} declared responses"
    if reply is None:
        lead = f"the handler returned None, but the pact declares a reply; it does not match {which}:"
    else:
        lead = f"the reply does not match {which}:"
    lines = [lead] + [f"  {m.path}: {m.message}" for m in best[:_SHOWN_MISMATCHES]]
    if len(best) > _SHOWN_MISMATCHES:
        lines.append(f"  ... and {len(best) - _SHOWN_MISMATCHES} more")
    raise ReplyMismatch("\n".join(lines), tuple(best))


def _split(reply: Any) -> tuple[Any, Mapping[str, Any] | None]:
    """``(contents, metadata)`` from a ``(contents, metadata)`` tuple, else ``(reply, None)``."""
    if isinstance(reply, tuple) and len(reply) == 2 and isinstance(reply[1], Mapping):
        return reply[0], reply[1]
    return reply, None


def _body(contents: Any, option: MessageContents) -> Body | Any:
    """The reply's contents as a `Body` of the content type the declared response has."""
    declared = option.contents
    content_type = declared.content_type if isinstance(declared, Body) else None
    if contents is None and declared is ABSENT:
        return ABSENT
    return Body(content=contents, content_type=content_type)
