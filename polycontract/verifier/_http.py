"""Talking HTTP to the provider: `model.Request` → bytes on the wire → `model.Response`.

`Transport` hides whether the provider is a real server (a pooled ``httpx.Client``), an in-process
ASGI app (called directly, on one private event loop) or a WSGI app (``httpx.WSGITransport``). All
three are used synchronously, one request at a time. A request hook sees an ``httpx.Request`` whatever
the transport.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import socket
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from polycontract.model import ABSENT, Body, Request, Response
from polycontract.verifier._asgi import AppError, call_asgi
from polycontract.verifier._timeout import Alarm

__all__ = ["Outgoing", "RequestHook", "Transport", "is_asgi", "prepare", "quote_path"]

#: Called with each request before it is sent; returns the request to send (or None: send it as changed).
RequestHook = Callable[[httpx.Request], "httpx.Request | None"]

_IN_PROCESS_URL = "http://provider"
_SAFE_PATH = "/:@!$&'()*+,;=-._~"
_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


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
    path = quote_path(base_path.rstrip("/") + request.path)
    if request.raw_query is not None and not request.query:
        query = request.raw_query
    else:
        query = urlencode([(k, v) for k, values in request.query.items() for v in values])
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


class Transport:
    """Sends requests to the provider, whichever way it is reached, with a per-request timeout."""

    def __init__(self, *, base_url: str | None, app: Any, timeout: float) -> None:
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._app: Any = None
        self._client: httpx.Client | None = None
        self._alarm: Alarm | None = None
        self.base_url = base_url or _IN_PROCESS_URL
        if app is not None and is_asgi(app):
            self._loop = asyncio.new_event_loop()
            self._app = app
        elif app is not None:
            self._client = httpx.Client(transport=httpx.WSGITransport(app=app), timeout=timeout)
            self._alarm = Alarm()  # httpx cannot time a WSGI call out; on the main thread SIGALRM can
        else:
            # TCP_NODELAY: a request written in pieces must not wait for a delayed ACK (40 ms a request).
            transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
            self._client = httpx.Client(timeout=timeout, transport=transport)

    @property
    def in_process(self) -> bool:
        """True when the provider is an app called in this process (no socket)."""
        return self._client is None or self.base_url == _IN_PROCESS_URL

    def send(self, outgoing: Outgoing, hook: RequestHook | None = None) -> Response:
        """Send ``outgoing`` (through ``hook`` first, if any) and return the whole answer.

        httpx errors and `AppError` propagate to the caller; a timeout is an ``httpx.TimeoutException``.
        """
        if self._app is not None and hook is None:
            headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in outgoing.headers]
            status, raw, content = self._run_asgi(outgoing.method, outgoing.target, headers, outgoing.content)
            return _response(status, [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw], content)
        request = outgoing.to_httpx(self.base_url)
        if hook is not None:
            changed = hook(request)
            request = changed if changed is not None else request
        response = self.send_httpx(request)
        return _response(response.status_code, response.headers.multi_items(), response.content)

    def send_httpx(self, request: httpx.Request) -> httpx.Response:
        """Send an ``httpx.Request`` and read the whole response."""
        if self._client is not None and self._alarm is None:
            return self._client.send(request)
        if self._client is not None:  # an in-process WSGI app
            return self._send_wsgi(self._client, request)
        headers = [(n.lower(), v) for n, v in request.headers.raw]
        target = request.url.raw_path.decode("ascii")
        status, raw, content = self._run_asgi(request.method, target, headers, request.read())
        return httpx.Response(status, headers=raw, content=content, request=request)

    def _send_wsgi(self, client: httpx.Client, request: httpx.Request) -> httpx.Response:
        try:
            if self._alarm is not None and self._alarm.usable():
                finished, response = self._alarm.call(lambda: client.send(request), self.timeout)
                if not finished:
                    raise httpx.ReadTimeout(f"the app did not answer within {self.timeout} s", request=request)
                return response  # type: ignore[no-any-return]
            return client.send(request)
        except httpx.HTTPError:
            raise
        except Exception as exc:
            raise AppError(f"the app raised {type(exc).__name__}: {exc}") from exc

    def _run_asgi(
        self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        assert self._loop is not None
        call = call_asgi(self._app, method=method, url=self.base_url, target=target, headers=headers, body=body)
        try:
            return self._loop.run_until_complete(_within(call, self.timeout))
        except TimeoutError:
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
        if self._client is not None:
            self._client.close()
        if self._loop is not None:
            self._loop.close()


async def _within(
    call: Coroutine[Any, Any, tuple[int, list[tuple[bytes, bytes]], bytes]], timeout: float
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    async with asyncio.timeout(timeout):
        return await call
