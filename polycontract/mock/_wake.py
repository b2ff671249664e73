"""What the mock server's accept loop waits with: a selector and a wake-up descriptor for `stop`."""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import threading

__all__ = ["Selector", "Wake"]

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
