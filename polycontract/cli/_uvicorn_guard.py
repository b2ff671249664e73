"""Connection limits for ``broker serve``: read deadlines, a connection cap, and quiet logs under load.

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive`` but waits for ever for a
request head or body that trickles in (slowloris), and its ``limit_concurrency`` answers 503 only
once a request arrives, logging a warning for each. `GuardedH11Protocol` (uvicorn's h11 protocol,
chosen explicitly so that an installed ``httptools`` does not replace it) adds:

- a head deadline: a new connection, or a kept-alive one from the first byte of its next request,
  must deliver the whole request head within ``header_timeout`` seconds (408 and close, or just
  close when nothing arrived);
- a body deadline: a request body must arrive whole within ``body_timeout`` seconds of its head
  (408 and close);
- a cap: a connection opened while ``connection_cap`` others are open gets a fast 503 problem with
  ``Retry-After`` for its request and is closed (within a second if no request comes; at once when
  ``over_cap_waiting`` such connections already wait), and is counted in one warning a minute rather
  than one line each.

`fit_to_descriptor_limit` keeps both numbers below the process's file-descriptor limit, so the server
never runs out of descriptors for its database, and `quiet_repeated_warnings` turns asyncio's
"socket.accept() out of system resource" (logged with a traceback for each queued connection, every
second, when descriptors do run out) and uvicorn's per-request warnings into one line a minute.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    import resource
except ImportError:  # pragma: no cover - not on POSIX: no descriptor limit to fit
    resource = None  # type: ignore[assignment]

__all__ = ["GuardedH11Protocol", "fit_to_descriptor_limit", "quiet_repeated_warnings"]

LOG = logging.getLogger("polycontract.broker.server")

#: Descriptors kept for everything but client connections: the database pool (an SQLite connection
#: holds three: the file, its WAL and shared memory), webhook deliveries, the log, the listening socket.
RESERVED_DESCRIPTORS = 128

#: Seconds a connection over the cap is given to send the request its 503 answers.
OVER_CAP_GRACE = 1.0

#: Connections over the cap that may wait for their 503 at once; more are closed unanswered, keeping
#: the reserved descriptors for the database. Lowered with the cap when descriptors are scarce.
OVER_CAP_WAITING = 256

#: At most one line per message and minute from the rate-limited loggers.
QUIET_INTERVAL = 60.0

_REPEATED = {
    "asyncio": ("socket.accept() out of system resource",),
    "uvicorn.error": ("Invalid HTTP request received.", "Exceeded concurrency limit."),
}


def fit_to_descriptor_limit(max_connections: int) -> tuple[int, int]:
    """The connections this process serves at once and those over the cap that may wait for a 503.

    ``max_connections`` and `OVER_CAP_WAITING` when the descriptor limit allows (the soft limit,
    ``ulimit -n``, is raised towards the hard one as needed); when even the hard limit is too low,
    both are lowered to fit beside `RESERVED_DESCRIPTORS` and a warning says so once.
    """
    if resource is None:  # pragma: no cover - not on POSIX
        return max_connections, OVER_CAP_WAITING
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max_connections + OVER_CAP_WAITING + RESERVED_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (OSError, ValueError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return max_connections, OVER_CAP_WAITING
    spare = max(soft - RESERVED_DESCRIPTORS, soft // 2)
    waiting = min(OVER_CAP_WAITING, max(1, spare // 8))
    cap = max(1, min(max_connections, spare - waiting))
    LOG.warning(
        "--max-connections %d does not fit the file-descriptor limit (ulimit -n %d, hard limit %s): this"
        " process serves at most %d connections at once and answers 503 beyond; raise the limit to serve more",
        max_connections,
        soft,
        "unlimited" if hard == resource.RLIM_INFINITY else hard,
        cap,
    )
    return cap, waiting


class _RepeatFilter(logging.Filter):
    """Lets the first record of each listed message through per interval, counting the ones it drops."""

    def __init__(self, messages: tuple[str, ...]) -> None:
        super().__init__()
        self._messages = messages
        self._last: dict[str, float] = {}
        self._dropped: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        key = next((m for m in self._messages if message.startswith(m)), None)
        if key is None:
            return True
        now = time.monotonic()
        if now - self._last.get(key, -QUIET_INTERVAL) < QUIET_INTERVAL:
            self._dropped[key] = self._dropped.get(key, 0) + 1
            return False
        self._last[key] = now
        dropped = self._dropped.pop(key, 0)
        cause = record.exc_info[1] if record.exc_info else None
        record.msg = key + (f" ({cause})" if cause else "")
        if dropped:
            record.msg += f"; {dropped} more since the last such line"
        record.msg += f"; repeats are counted, shown at most once every {QUIET_INTERVAL:.0f} s"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_repeated_warnings() -> None:
    """Rate-limit the warnings a flood of connections repeats (once per process)."""
    for name, messages in _REPEATED.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RepeatFilter) for f in logger.filters):
            logger.addFilter(_RepeatFilter(messages))


def _problem(status: int, title: str, detail: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of an RFC 9457 problem that closes the connection (as the API's own problems)."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "error": {"message": detail}}
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    if status == 503:
        headers.append((b"retry-after", b"1"))
    return headers, body


def _raw(status: int, title: str, detail: str) -> bytes:
    headers, body = _problem(status, title, detail)
    head = [f"HTTP/1.1 {status} {title}".encode(), *(name + b": " + value for name, value in headers)]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class _Refusals:
    """Connections refused over the cap, reported in one warning a minute (per process)."""

    count = 0
    last = -QUIET_INTERVAL

    @classmethod
    def note(cls, cap: int) -> None:
        cls.count += 1
        now = time.monotonic()
        if now - cls.last >= QUIET_INTERVAL:
            LOG.warning(
                "%d connection(s) refused with 503: this process already holds --max-connections %d"
                " (repeats are counted, shown at most once every %.0f s)",
                cls.count,
                cap,
                QUIET_INTERVAL,
            )
            cls.last, cls.count = now, 0


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with head and body deadlines and a connection cap (see the module)."""

    def __init__(self, config: Any, server_state: Any, app_state: dict[str, Any], _loop: Any = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._header_timeout: float = config.header_timeout
        self._body_timeout: float = config.body_timeout
        self._cap: int = config.connection_cap
        self._waiting: int = config.over_cap_waiting
        self._deadline: asyncio.TimerHandle | None = None
        self._phase = ""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the head deadline; a connection over the cap will answer 503 to its request."""
        super().connection_made(transport)
        if len(self.connections) > self._cap:
            _Refusals.note(self._cap)
            if len(self.connections) > self._cap + self._waiting:
                transport.close()
                return
            headers, body = _problem(
                503, "Service Unavailable", "the broker holds as many connections as it may; retry shortly"
            )
            self.app = _Answer(503, headers, body)
            self._header_timeout = min(self._header_timeout, OVER_CAP_GRACE)
        self._track()

    def data_received(self, data: bytes) -> None:
        """Read as uvicorn does, then move the deadline to what the connection now waits for."""
        super().data_received(data)
        self._track()

    def on_response_complete(self) -> None:
        """After a response: the keep-alive timer runs, or a deadline for a pipelined request."""
        super().on_response_complete()
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the deadline with the connection."""
        self._arm("", 0)
        super().connection_lost(exc)

    def _track(self) -> None:
        """Arm the deadline for what the client owes: a request head, a body, or nothing."""
        if self.transport is None or self.transport.is_closing():
            self._arm("", 0)
        elif self.conn.their_state is h11.IDLE and (self.cycle is None or self.conn.trailing_data[0]):
            self._arm("head", self._header_timeout)
        elif self.conn.their_state is h11.SEND_BODY:
            self._arm("body", self._body_timeout)
        else:  # the request is read (or uvicorn's keep-alive timer waits for the next one)
            self._arm("", 0)

    def _arm(self, phase: str, seconds: float) -> None:
        if phase == self._phase:
            return
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._phase = phase
        if phase:
            self._deadline = self.loop.call_later(seconds, self._expired, phase)

    def _expired(self, phase: str) -> None:
        """Answer 408 to a client that sent part of what it owes in time (else just close)."""
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle if phase == "body" else None
        started = self.conn.trailing_data[0] if phase == "head" else cycle is not None and not cycle.response_started
        if cycle is not None:  # the app reads a disconnect and its answer is dropped
            cycle.disconnected = True
            cycle.message_event.set()
        if started:
            limit = self._header_timeout if phase == "head" else self._body_timeout
            detail = f"the request {phase} did not arrive within {limit:g} s"
            self.transport.write(_raw(408, "Request Timeout", detail))
        self.transport.close()


class _Answer:
    """An ASGI app that answers every request with one fixed response."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self._status = status
        self._headers = headers
        self._body = body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self._status, "headers": self._headers})
        await send({"type": "http.response.body", "body": self._body, "more_body": False})
