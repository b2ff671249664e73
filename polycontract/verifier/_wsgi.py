"""Calling a WSGI app in-process: what ``httpx.WSGITransport`` does, without a client stack around each call.

The environ is built from the ``httpx.Request`` the verifier would have sent (the same ``Host``, decoded
``PATH_INFO``, ``QUERY_STRING`` and ``HTTP_*`` keys as ``httpx.WSGITransport``), and the answer is read as
httpx reads it: leading empty chunks skipped, the app's iterable closed after use, an ``exc_info`` given
to ``start_response`` re-raised.

>>> import httpx
>>> def app(environ, start_response):
...     start_response("200 OK", [("X-Path", environ["PATH_INFO"])])
...     return [b"hi"]
>>> call_wsgi_request(app, httpx.Request("GET", "http://provider/a%20b"))
(200, [(b'X-Path', b'/a b')], b'hi')
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

import httpx

from polycontract.verifier._asgi import AppError

__all__ = ["call_wsgi", "call_wsgi_request"]


def call_wsgi(
    app: Any,
    *,
    method: str,
    url: httpx.URL,
    target: bytes,
    headers: Sequence[tuple[bytes, bytes]],
    body: bytes,
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Send a request to the WSGI ``app``; returns status, raw headers and the whole (undecoded) body.

    ``url`` gives the scheme, host and port, ``target`` the path and query as on the wire, ``headers`` the raw
    headers (``Host`` among them). An exception the app raises becomes `AppError`, caused by it.
    """
    try:
        return _call(app, method, url, target, headers, body)
    except Exception as exc:
        raise AppError(f"the app raised {type(exc).__name__}: {exc}") from exc


def call_wsgi_request(app: Any, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """`call_wsgi` with an ``httpx.Request``."""
    url = request.url
    return call_wsgi(
        app, method=request.method, url=url, target=url.raw_path, headers=request.headers.raw, body=request.read()
    )


def _call(
    app: Any, method: str, url: httpx.URL, target: bytes, headers: Sequence[tuple[bytes, bytes]], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    path, _, query = target.decode("ascii").partition("?")
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(path or "/"),
        "QUERY_STRING": query,
        "SERVER_NAME": url.host,
        "SERVER_PORT": str(url.port or {"http": 80, "https": 443}[url.scheme]),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    for raw_name, raw_value in headers:
        key = raw_name.decode("ascii").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = raw_value.decode("ascii")
    seen: list[tuple[str, list[tuple[str, str]], Any]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((status, headers, exc_info))
        return lambda _: None

    result = app(environ, start_response)
    try:
        chunks = [chunk for chunk in result if chunk]
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not seen:  # as httpx.WSGITransport: an AssertionError
        raise AssertionError
    status, answered, exc_info = seen[-1]
    if exc_info and exc_info[0]:
        raise exc_info[1]
    raw = [(name.encode("ascii"), value.encode("ascii")) for name, value in answered]
    return int(status.split()[0]), raw, b"".join(chunks)
