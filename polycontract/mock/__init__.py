"""The mock provider: serve a pact's HTTP interactions to the consumer under test and report what went wrong.

Two adapters share one engine (`MockProvider`): `MockServer`, a real HTTP server on 127.0.0.1 with a
port the system chooses, and `MockTransport` / `AsyncMockTransport`, httpx transports that answer
in-process. Each matches a request against the declared interactions, answers with the example
response (generators applied), and at the end of its ``with`` block raises a `MockViolation` (a
`ContractViolation`, so an ``AssertionError``) listing every mismatch, unexpected request and
interaction never exercised, best first. An exception raised while serving is re-raised in the test.

Usually reached through the DSL:

>>> from polycontract import Pact
>>> pact = Pact(consumer="web", provider="users")
>>> _ = pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)
>>> import httpx
>>> with pact.serve() as server:
...     httpx.get(f"{server.url}/ping").status_code
204
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polycontract._renamed import old_name
from polycontract.mock._messages import ExampleMessage, MessageViolation
from polycontract.mock._provider import MockProvider
from polycontract.mock._replies import ReplyMismatch
from polycontract.mock._report import MockViolation, Problem
from polycontract.mock._server import MockServer
from polycontract.mock._wire_reply import Reply
from polycontract.mock._wire_request import normalise_request

if TYPE_CHECKING:
    from polycontract.mock._transport import AsyncMockTransport, MockTransport

__all__ = [
    "AsyncMockTransport",
    "ExampleMessage",
    "MessageViolation",
    "MockProvider",
    "MockServer",
    "MockTransport",
    "MockViolation",
    "Problem",
    "Reply",
    "ReplyMismatch",
    "normalise_request",
]


#: Old names of this package, kept for one release: old name -> (new name, what it is).
_RENAMED = {
    "Message": ("ExampleMessage", "a pact's example message; polycontract.verifier.ProducedMessage is a producer's"),
}


def __getattr__(name: str) -> Any:
    # The transports load httpx; the socket server does not need it.
    if name in ("MockTransport", "AsyncMockTransport"):
        from polycontract.mock import _transport

        return getattr(_transport, name)
    return old_name(__name__, name, _RENAMED, globals())
