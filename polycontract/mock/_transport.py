"""The mock provider in-process: httpx transports that answer from `MockProvider` with no socket.

For consumers built on httpx this is the fastest way to run a contract test: pass the transport to the
client the code under test uses. When the outermost ``with`` around the transport ends (the
transport's own, or the client's, which enters the transport), every problem is raised as a
`MockViolation`; without a ``with``, call `verify` yourself.

>>> import httpx
>>> from polycontract import model
>>> ping = model.HttpInteraction(description="ping", response=model.Response(status=204))
>>> with httpx.Client(transport=MockTransport(model.PactDocument(consumer="a", provider="b", interactions=(ping,))),
...                   base_url="http://b") as client:
...     client.get("/").status_code
204
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from types import TracebackType

import httpx

from polycontract.mock._provider import MockProvider
from polycontract.mock._wire_reply import Reply
from polycontract.mock._wire_request import group_headers, request_of
from polycontract.model import Interaction, PactDocument, ReadOnlyDict, require_document

__all__ = ["AsyncMockTransport", "MockTransport"]

#: The URL generators such as ``MockServerURL`` rebase onto when no socket exists.
_IN_PROCESS_URL = "http://mock-provider"

#: The header lists of requests as httpx holds them (bytes) -> the same headers grouped as text, and the
#: content type: a client sends the same headers with most of its requests. Bounded: once full, new
#: lists are decoded each time.
_GROUPED: dict[tuple[tuple[bytes, bytes], ...], tuple[Mapping[str, tuple[str, ...]], str | None]] = {}
_GROUPED_SIZE = 512


def _grouped(request: httpx.Request) -> tuple[Mapping[str, tuple[str, ...]], str | None]:
    """`group_headers` of the request's headers, decoded as httpx would (names as the client spelled them)."""
    raw = tuple(request.headers.raw)
    found = _GROUPED.get(raw)
    if found is not None:
        return found
    try:  # ASCII, as nearly every header is: the same text any ASCII-compatible encoding gives
        pairs = [(name.decode("ascii"), value.decode("ascii")) for name, value in raw]
    except UnicodeDecodeError:
        encoding = request.headers.encoding
        pairs = [(name.decode(encoding), value.decode(encoding)) for name, value in raw]
    grouped, content_type = group_headers(pairs)
    found = (ReadOnlyDict(grouped), content_type)  # shared by every request sending these headers
    if len(_GROUPED) < _GROUPED_SIZE:
        _GROUPED[raw] = found
    return found


class _Verifying:
    """What both transports share: the provider, the ``with`` depth and the final report.

    ``optional``: interactions the consumer may leave unused (see `MockProvider`).
    """

    def __init__(self, pact: PactDocument, *, optional: Collection[Interaction] = ()) -> None:
        require_document(pact, f"{type(self).__name__}(pact)")
        self.pact = pact
        self.provider = MockProvider(pact, mock_server_url=_IN_PROCESS_URL, optional=optional)
        self._depth = 0
        self._lock = threading.Lock()

    def verify(self) -> None:
        """Raise what went wrong so far (see `MockProvider.failure`), if anything did."""
        error = self.provider.failure()
        if error is not None:
            raise error

    def _enter(self) -> None:
        with self._lock:
            self._depth += 1

    def _exit(self, exc: BaseException | None) -> None:
        with self._lock:
            self._depth -= 1
            outermost = self._depth <= 0
        if outermost:
            self.provider.end(exc)

    def _response(self, request: httpx.Request, body: bytes) -> httpx.Response:
        # As thin as it gets: the target and headers as httpx holds them (names as the client spelled
        # them, decoded once with the encoding httpx chose), and a response built straight from bytes.
        headers, content_type = _grouped(request)
        normalised = request_of(request.method, request.url.raw_path.decode("ascii"), headers, content_type, body)
        reply: Reply = self.provider.handle(normalised)
        return _httpx_response(reply, request)


def _wire_headers(reply: Reply) -> httpx.Headers:
    """The reply's headers as ``httpx.Headers``, with ``Content-Length`` as ``content=`` would add it.

    Kept on the reply: a reply the provider keeps (one sent again) gets its headers built once.
    """
    found = reply.adapter_cache
    if type(found) is not httpx.Headers:
        headers = reply.headers
        if reply.body and not any(name.lower() == "content-length" for name, _ in headers):
            headers = [*headers, ("Content-Length", str(len(reply.body)))]
        found = httpx.Headers(headers)
        object.__setattr__(reply, "adapter_cache", found)  # a cache, not a field
    return found


def _httpx_response(reply: Reply, request: httpx.Request) -> httpx.Response:
    """The reply as an ``httpx.Response``, already read.

    Built from a byte stream with the headers final (``content=`` costs a third more, re-checking every
    header against httpx's defaults), then read through httpx's public ``read()``.
    """
    response = httpx.Response(
        reply.status, headers=_wire_headers(reply), stream=httpx.ByteStream(reply.body), request=request
    )
    response.read()
    return response


class MockTransport(_Verifying, httpx.BaseTransport):
    """An ``httpx.BaseTransport`` serving a pact's HTTP interactions in-process.

    >>> # with httpx.Client(transport=pact.transport(), base_url="http://users") as client: ...
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request from the declared interactions (a 500 describes a mismatch)."""
        return self._response(request, request.read())  # the body the client already holds, read once

    def __enter__(self) -> MockTransport:
        self._enter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        self._exit(exc)


class AsyncMockTransport(_Verifying, httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` serving a pact's HTTP interactions in-process."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request from the declared interactions (a 500 describes a mismatch)."""
        return self._response(request, await request.aread())

    async def __aenter__(self) -> AsyncMockTransport:
        self._enter()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        self._exit(exc)
