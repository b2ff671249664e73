"""Talking HTTP to the provider: `model.Request` → bytes on the wire → `model.Response`.

`Transport` hides whether the provider is a real server (one keep-alive connection of a lean HTTP/1.1
client, httpx for what that client leaves to it), an in-process ASGI app (called directly, on one
private event loop) or a WSGI app (called directly, as ``httpx.WSGITransport`` would). All three are used
synchronously, one request at a time. A request hook sees an ``httpx.Request`` whatever the transport.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from polycontract.model import ABSENT, Body, Request, Response
from polycontract.verifier._asgi import AppTimeout, AsgiCaller
from polycontract.verifier._network import quickack_transport
from polycontract.verifier._outgoing import Origin
from polycontract.verifier._timeout import Alarm
from polycontract.verifier._wire import Connection, plain
from polycontract.verifier._wsgi import call_wsgi, call_wsgi_request

__all__ = ["Outgoing", "RequestHook", "Transport", "is_asgi", "prepare", "quote_path"]

#: Called with each request before it is sent; returns the request to send (or None: send it as changed).
RequestHook = Callable[[httpx.Request], "httpx.Request | None"]

_IN_PROCESS_URL = "http://provider"
_SAFE_PATH = "/:@!$&'()*+,;=-._~"
_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")
#: A path `quote_path` leaves as it is: only what ``quote(part, safe=_SAFE_PATH)`` keeps (no ``%`` at all).
_QUOTED = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=\-._~]*")


def is_asgi(app: Any) -> bool:
    """True for an ASGI application (an ``async`` callable), False for a WSGI one."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else getattr(app, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app)


@dataclass(frozen=True)
class Outgoing:
    """A request ready to send: method, quoted ``path?query`` target, headers and encoded body."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    content: bytes

    def to_httpx(self, base_url: str) -> httpx.Request:
        """The same request as an ``httpx.Request`` against ``base_url``."""
        return httpx.Request(
            self.method, base_url.rstrip("/") + self.target, headers=self.headers, content=self.content
        )


def _encode_body(body: Any) -> tuple[bytes, str | None]:
    if not isinstance(body, Body):
        body = Body(content=body)
    content = body.content
    if isinstance(content, bytes):
        return content, body.content_type
    if isinstance(content, str) and (not _is_json_type(body.content_type) or body.encoded == "json"):
        return content.encode("utf-8"), body.content_type
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return data, body.content_type or "application/json"


def _is_json_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media.endswith(("/json", "+json"))


def prepare(request: Request, *, base_path: str = "", extra_headers: dict[str, str] | None = None) -> Outgoing:
    """``request`` encoded for sending, its path under ``base_path``.

    >>> prepare(Request(method="get", path="/a b", query={"x": ("1", "2")}), base_path="/api").target
    '/api/a%20b?x=1&x=2'
    """
    path = quote_path(base_path.rstrip("/") + request.path if base_path else request.path)
    if request.raw_query is not None and not request.query:
        query = request.raw_query
    elif request.query:
        query = urlencode([(k, v) for k, values in request.query.items() for v in values])
    else:
        query = ""
    headers = [(name, value) for name, values in request.headers.items() for value in values]
    content = b""
    if request.body is not ABSENT and request.body is not None:
        content, content_type = _encode_body(request.body)
        if content_type and not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", content_type))
    if extra_headers:
        names = {name.lower() for name in extra_headers}
        headers = [(n, v) for n, v in headers if n.lower() not in names] + list(extra_headers.items())
    return Outgoing(request.method.upper(), path + (f"?{query}" if query else ""), headers, content)


def quote_path(path: str) -> str:
    """``path`` as a request target: what a URL path may not hold is percent-encoded, escapes stay as written.

    A pact's path is what goes on the wire: the reference verifier hands it to its URL parser, which
    encodes a space or a non-ASCII character but keeps ``%20`` as it is (pact-reference
    rust/pact_verifier/src/provider_client.rs, ``create_native_request``), and the reference mock server
    compares the undecoded path. So ``/a%20b`` and ``/a b`` both go out as ``/a%20b``, never ``/a%2520b``.

    >>> quote_path("/orders/Pricing%20Service"), quote_path("/orders/Pricing Service"), quote_path("/100%")
    ('/orders/Pricing%20Service', '/orders/Pricing%20Service', '/100%25')
    """
    if _QUOTED.fullmatch(path):
        return path
    parts = _ESCAPE.split(path)
    return "".join(part if n % 2 else quote(part, safe=_SAFE_PATH) for n, part in enumerate(parts))


def _response(status: int, pairs: list[tuple[str, str]], content: bytes) -> Response:
    headers: dict[str, list[str]] = {}
    content_type = None
    for name, value in pairs:
        headers.setdefault(name, []).append(value)
        if content_type is None and name.lower() == "content-type":
            content_type = value
    body = Body(content=content, content_type=content_type) if content else ABSENT
    return Response(status=status, headers={k: tuple(v) for k, v in headers.items()}, body=body)


def _answer(status: int, raw: list[tuple[bytes, bytes]], content: bytes) -> Response:
    """The model of a raw answer, read as httpx reads it: names lower-cased, the body decoded per Content-Encoding."""
    try:  # what httpx.Headers(raw).multi_items() gives when every header is ASCII (the usual case), faster
        pairs = [(name.lower().decode("ascii"), value.decode("ascii")) for name, value in raw]
    except UnicodeDecodeError:
        pairs = httpx.Headers(raw).multi_items()
    if content and any(name == "content-encoding" for name, _ in pairs):
        content = httpx.Response(status, headers=raw, content=content).content
    return _response(status, pairs, content)


class Transport:
    """Sends requests to the provider, whichever way it is reached, with a per-request timeout.

    A running provider over plain HTTP gets the requests on one keep-alive connection of the lean client
    (`polycontract.verifier._wire`); what that client leaves to httpx (TLS, another origin, unusual framing)
    goes through an ``httpx.Client`` on the quick-ACK transport (`polycontract.verifier._network`).
    """

    def __init__(self, *, base_url: str | None, app: Any, timeout: float) -> None:
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._app: AsgiCaller | None = None
        self._wsgi: Any = None
        self._client: httpx.Client | None = None  # made on first use: its TLS context costs ~20 ms
        self._remote = False  # a running provider, not an app
        self._wire: Connection | None = None
        self._origin: tuple[str, str, int] | None = None
        self._alarm: Alarm | None = None
        self.base_url = base_url or _IN_PROCESS_URL
        self._origin_url = Origin(self.base_url)
        if app is not None and is_asgi(app):
            self._loop = asyncio.new_event_loop()
            self._app = AsgiCaller(app, url=self.base_url, loop=self._loop, timeout=timeout)
        elif app is not None:
            self._wsgi = app
            self._alarm = Alarm()  # a WSGI call cannot be timed out from outside; on the main thread SIGALRM can
        else:
            self._remote = True
            url = httpx.URL(self.base_url)
            if url.scheme == "http" and url.host and not url.userinfo:
                self._origin = ("http", url.host, url.port or 80)
                self._wire = Connection(url.host, url.port or 80, timeout)

    @property
    def in_process(self) -> bool:
        """True when the provider is an app called in this process (no socket)."""
        return not self._remote or self.base_url == _IN_PROCESS_URL

    def send(self, outgoing: Outgoing, hook: RequestHook | None = None) -> Response:
        """Send ``outgoing`` (through ``hook`` first, if any) and return the whole answer.

        httpx errors and `AppError` propagate to the caller; a timeout is an ``httpx.TimeoutException``.
        """
        if self._app is not None and hook is None:
            headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in outgoing.headers]
            status, raw, content = self._run_asgi(outgoing.method, outgoing.target, headers, outgoing.content)
            return _response(status, [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw], content)
        if hook is None and (fast := self._fast(outgoing)) is not None:
            return _answer(*fast)
        request = outgoing.to_httpx(self.base_url)
        if hook is not None:
            changed = hook(request)
            request = changed if changed is not None else request
        if self._wsgi is not None:
            return _answer(*self._call_wsgi(lambda: call_wsgi_request(self._wsgi, request)))
        wire = self._wire_for(request)
        if wire is not None:
            return _answer(*wire.request(request.method, request.url.raw_path, request.headers.raw, request.content))
        response = self.send_httpx(request)
        return _response(response.status_code, response.headers.multi_items(), response.content)

    def _fast(self, outgoing: Outgoing) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """The answer, sent without an ``httpx.Request`` when `Origin.encode` knows its bytes; else None."""
        if self._wsgi is None and self._wire is None:
            return None
        method, content = outgoing.method, outgoing.content
        encoded = self._origin_url.encode(method, outgoing.target, outgoing.headers, content)
        if encoded is None:
            return None
        target, headers = encoded
        if self._wsgi is not None:
            url = self._origin_url.url
            return self._call_wsgi(
                lambda: call_wsgi(self._wsgi, method=method, url=url, target=target, headers=headers, body=content)
            )
        assert self._wire is not None
        if not plain(method, target, headers, content):
            return None
        return self._wire.request(method, target, headers, content)

    def send_httpx(self, request: httpx.Request) -> httpx.Response:
        """Send an ``httpx.Request`` and read the whole response."""
        if self._wsgi is not None:
            status, raw, content = self._call_wsgi(lambda: call_wsgi_request(self._wsgi, request))
            return httpx.Response(status, headers=raw, content=content, request=request)
        wire = self._wire_for(request)
        if wire is not None:
            status, raw, content = wire.request(
                request.method, request.url.raw_path, request.headers.raw, request.content
            )
            return httpx.Response(status, headers=raw, content=content, request=request)
        if self._remote:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, transport=quickack_transport())
            return self._client.send(request)
        headers = [(n.lower(), v) for n, v in request.headers.raw]
        target = request.url.raw_path.decode("ascii")
        status, raw, content = self._run_asgi(request.method, target, headers, request.read())
        return httpx.Response(status, headers=raw, content=content, request=request)

    def _wire_for(self, request: httpx.Request) -> Connection | None:
        """The lean connection when it sends ``request`` as httpx would (same origin, plain framing), else None."""
        if self._wire is None:
            return None
        url = request.url
        if (url.scheme, url.host, url.port or 80) != self._origin:
            return None
        if not plain(request.method, url.raw_path, request.headers.raw, request.read()):
            return None
        return self._wire

    def _call_wsgi(
        self, call: Callable[[], tuple[int, list[tuple[bytes, bytes]], bytes]]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if self._alarm is not None and self._alarm.usable():
            finished, answer = self._alarm.call(call, self.timeout)
            if not finished:
                raise httpx.ReadTimeout(f"the app did not answer within {self.timeout} s")
            return answer  # type: ignore[no-any-return]
        return call()

    def _run_asgi(
        self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        assert self._app is not None
        try:
            return self._app(method, target, headers, body)
        except AppTimeout:
            raise httpx.ReadTimeout(f"the app did not answer within {self.timeout} s") from None

    def run_async(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coroutine`` to completion on the app's event loop (or a fresh one without an ASGI app)."""
        if self._loop is None:
            return asyncio.run(coroutine)
        return self._loop.run_until_complete(coroutine)

    def close(self) -> None:
        """Release connections, the event loop and the SIGALRM handler."""
        if self._alarm is not None:
            self._alarm.release()
        if self._wire is not None:
            self._wire.close()
        if self._client is not None:
            self._client.close()
        if self._loop is not None:
            self._loop.close()
