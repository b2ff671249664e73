"""Calling an ASGI app in-process: the lean path for in-process verification.

httpx's own ``ASGITransport`` works too, but costs a failed ``import trio`` and a full client stack on
every request; this module builds the ASGI scope directly and collects the response. `AsgiCaller` runs
each call as one task on a private event loop, with less machinery per request than
``run_until_complete`` with ``asyncio.timeout``: one coroutine frame, a timer that cancels the task, and
the loop stopped by a callback queued as the call ends (where ``run_until_complete`` queues its own).

>>> import asyncio
>>> async def app(scope, receive, send):
...     await send({"type": "http.response.start", "status": 204, "headers": [(b"x-path", scope["path"].encode())]})
...     await send({"type": "http.response.body", "body": b""})
>>> loop = asyncio.new_event_loop()
>>> call = AsgiCaller(app, url="http://provider", loop=loop, timeout=5.0)
>>> call("GET", "/a%20b?x=1", [], b"")
(204, [(b'x-path', b'/a b')], b'')
>>> call("GET", "/c", [], b"")
(204, [(b'x-path', b'/c')], b'')
>>> loop.close()
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["AppError", "AppTimeout", "AsgiCaller"]

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class AppError(Exception):
    """The app raised instead of answering (what it raised is the ``__cause__``)."""


class AppTimeout(Exception):
    """The app did not answer within the time limit (it was cancelled)."""


def _server(url: str) -> tuple[str, tuple[str, int]]:
    base = urlsplit(url)
    return base.scheme, (base.hostname or "provider", base.port or (443 if base.scheme == "https" else 80))


def _scope(
    method: str, scheme: str, server: tuple[str, int], target: str, headers: list[tuple[bytes, bytes]]
) -> dict[str, Any]:
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": unquote(path),
        "raw_path": path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": headers,
        "server": server,
        "client": ("127.0.0.1", 0),
        "state": {},
    }


async def _serve(app: Any, scope: dict[str, Any], body: bytes) -> Answer:
    """Call ``app`` with ``scope`` and the request ``body``; the whole answer."""
    body_sent = False
    finished: asyncio.Event | None = None  # made when the app waits for the disconnect (most never do)
    ended = False  # the response body is complete, or the app returned
    status: int | None = None
    answer: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal body_sent, finished
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if not ended:
            if finished is None:
                finished = asyncio.Event()
            await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, ended
        if message["type"] == "http.response.start":
            status = int(message["status"])
            answer.extend(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                ended = True
                if finished is not None:
                    finished.set()

    try:
        await app(scope, receive, send)
    except Exception as exc:
        raise AppError(f"the app raised {type(exc).__name__}: {exc}") from exc
    finally:
        ended = True
        if finished is not None:
            finished.set()
    if status is None:
        raise AppError("the app returned without starting a response")
    return status, answer, b"".join(chunks)


class AsgiCaller:
    """Calls ``app`` synchronously on ``loop`` (not running), each call limited to ``timeout`` seconds.

    Raises `AppError` when the app raises or answers nothing, `AppTimeout` when it does not answer in time.
    One timer serves many calls: it is scheduled at a call's deadline and, when it fires after the call has
    ended, moved to the deadline of the call then running (or dropped when none is), so a call costs no timer.
    """

    def __init__(self, app: Any, *, url: str, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.app = app
        self.loop = loop
        self.timeout = timeout
        self._scheme, self._server = _server(url)
        self._task: asyncio.Task[Answer] | None = None  # the call running, if any
        self._deadline = 0.0  # its deadline (loop.time())
        self._expired = False  # whether the timer cancelled it
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0  # when the timer fires (loop.time())

    def __call__(self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Answer:
        """Status, raw headers and body of the app's answer to one request."""
        loop = self.loop
        scope = _scope(method, self._scheme, self._server, target, headers)
        task = loop.create_task(self._limited(scope, body))
        self._task, self._expired = task, False
        self._deadline = loop.time() + self.timeout
        if self._timer is None:
            self._timer_at = self._deadline
            self._timer = loop.call_at(self._deadline, self._expire)
        try:
            loop.run_forever()
        finally:
            self._task = None
        if not task.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        if self._expired and task.cancelled():
            raise AppTimeout(f"the app did not answer within {self.timeout} s")
        return task.result()

    def _expire(self) -> None:
        """The timer fired: cancel the running call if this was its deadline, else wait for that deadline."""
        task = self._task
        if task is None or task.done():
            self._timer = None  # no call running: the next one schedules it again
        elif self._deadline <= self._timer_at:
            self._timer = None
            self._expired = True
            task.cancel()
        else:
            self._timer_at = self._deadline
            self._timer = self.loop.call_at(self._deadline, self._expire)

    async def _limited(self, scope: dict[str, Any], body: bytes) -> Answer:
        try:
            return await _serve(self.app, scope, body)
        finally:  # the loop stops on the iteration after this one, as run_until_complete's callback does
            self.loop.call_soon(self.loop.stop)
