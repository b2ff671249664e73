"""What the mock server's accept loop waits with: a selector and a wake-up descriptor for `stop`, and the
text of an answer's head that ``http.server`` would write (status phrase, ``Server``, ``Date``)."""

from __future__ import annotations

import contextlib
import email.utils
import os
import selectors
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

__all__ = ["SERVER", "Selector", "Wake", "date", "reason", "version_number"]

#: The ``Server`` header ``http.server`` sends.
SERVER = f"{BaseHTTPRequestHandler.server_version} {BaseHTTPRequestHandler.sys_version}"
_REASONS = {status: phrase for status, (phrase, _) in BaseHTTPRequestHandler.responses.items()}
_clock: list[Any] = [0, ""]  # the whole second last formatted, and its Date header value


def reason(status: int) -> str:
    """The reason phrase ``http.server`` writes after ``status`` (empty for a status it does not name)."""
    return _REASONS.get(status, "")


def date() -> str:
    """The ``Date`` header value for now, formatted once a second (as ``date_time_string`` formats it)."""
    now = time.time()
    second = int(now)
    if _clock[0] != second:
        _clock[1] = email.utils.formatdate(second, usegmt=True)
        _clock[0] = second
    return str(_clock[1])


def version_number(version: str) -> tuple[int, int] | None:
    """``HTTP/1.1`` -> (1, 1); None for what ``http.server`` refuses as a bad request version."""
    if not version.startswith("HTTP/"):
        return None
    parts = version[5:].split(".")
    if len(parts) != 2 or any(not p.isdigit() or len(p) > 10 for p in parts):
        return None
    return int(parts[0]), int(parts[1])


#: ``poll``, where there is one: it opens no descriptor (``epoll`` opens one and registers each socket with
#: a system call), for the two descriptors an accept loop waits on.
Selector: type[selectors.BaseSelector] = getattr(selectors, "PollSelector", selectors.DefaultSelector)


class Wake:
    """A descriptor that becomes readable when `set`: a pipe on POSIX, else a socket pair (``select`` on
    Windows takes sockets only). Closed once; a second `close` does nothing (a number closed twice could
    by then be another file's).
    """

    def __init__(self) -> None:
        self._pair: tuple[socket.socket, socket.socket] | None = None
        if os.name == "posix":
            self._read, self._write = os.pipe()
        else:
            self._pair = socket.socketpair()
            self._read, self._write = self._pair[0].fileno(), self._pair[1].fileno()
        self._closed = False
        self._lock = threading.Lock()  # `set` and `close` come from different threads

    def fileno(self) -> int:
        """The descriptor to wait on."""
        return self._read

    def set(self) -> None:
        """Make `fileno` readable (once is enough: nobody reads it)."""
        with self._lock, contextlib.suppress(OSError):
            if self._closed:
                return
            if self._pair is not None:
                self._pair[1].send(b"x")
            else:
                os.write(self._write, b"x")

    def close(self) -> None:
        """Close both ends."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._pair is not None:
            for end in self._pair:
                end.close()
            return
        os.close(self._read)
        os.close(self._write)
