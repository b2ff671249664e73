"""Calling an ASGI app in-process: the lean path for in-process verification.

httpx's own ``ASGITransport`` works too, but costs a failed ``import trio`` and a full client stack on
every request; this module builds the ASGI scope directly and collects the response.

>>> import asyncio
>>> async def app(scope, receive, send):
...     await send({"type": "http.response.start", "status": 204, "headers": [(b"x-path", scope["path"].encode())]})
...     await send({"type": "http.response.body", "body": b""})
>>> asyncio.run(call_asgi(app, method="GET", url="http://provider", target="/a%20b?x=1", headers=[], body=b""))
(204, [(b'x-path', b'/a b')], b'')
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["AppError", "call_asgi"]


class AppError(Exception):
    """The app raised instead of answering (what it raised is the ``__cause__``)."""


async def call_asgi(
    app: Any, *, method: str, url: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Send one request to the ASGI ``app``; returns status, raw headers and the whole body.

    ``url`` is the base URL (for ``scheme`` and ``server``), ``target`` the quoted path and query.
    """
    base = urlsplit(url)
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": base.scheme,
        "path": unquote(path),
        "raw_path": path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": headers,
        "server": (base.hostname or "provider", base.port or (443 if base.scheme == "https" else 80)),
        "client": ("127.0.0.1", 0),
        "state": {},
    }
    body_sent = False
    finished = asyncio.Event()
    status: int | None = None
    answer: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            answer.extend(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    try:
        await app(scope, receive, send)
    except Exception as exc:
        raise AppError(f"the app raised {type(exc).__name__}: {exc}") from exc
    finally:
        finished.set()
    if status is None:
        raise AppError("the app returned without starting a response")
    return status, answer, b"".join(chunks)
