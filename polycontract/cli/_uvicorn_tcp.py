"""The uvicorn config ``broker serve`` runs: a TCP-marked shared socket and guarded connections."""

from __future__ import annotations

import socket
from typing import Any

import uvicorn

from polycontract.cli._uvicorn_guard import GuardedH11Protocol, fit_to_descriptor_limit, quiet_repeated_warnings

__all__ = ["TcpConfig"]


class TcpConfig(uvicorn.Config):
    """uvicorn's config with connection limits, serving with `GuardedH11Protocol`.

    ``header_timeout`` and ``body_timeout`` are the seconds a request head and a request body may take
    to arrive, ``max_connections`` the connections each process holds at once (503 beyond; lowered to
    fit the file-descriptor limit when the process starts, as `connection_cap`). Defined at module level so worker
    processes can unpickle it.

    With several workers uvicorn binds the listening socket itself with protocol 0, so asyncio
    never sets ``TCP_NODELAY`` on accepted connections and each keep-alive response waits ~40 ms for
    the client's delayed ACK (uvicorn issue #3149). Re-wrapping the same descriptor as IPPROTO_TCP
    restores prompt responses.
    """

    def __init__(
        self, app: Any, *, header_timeout: float, body_timeout: float, max_connections: int, **options: Any
    ) -> None:
        super().__init__(app, http=GuardedH11Protocol, **options)
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.max_connections = max_connections
        self.connection_cap = max_connections
        self.over_cap_waiting = 0

    def load(self) -> None:
        """Load the app, then fit the connection cap to this process's descriptors and quiet floods."""
        super().load()
        quiet_repeated_warnings()
        self.connection_cap, self.over_cap_waiting = fit_to_descriptor_limit(self.max_connections)

    def bind_socket(self) -> socket.socket:
        """The socket uvicorn would bind, marked as TCP."""
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)
        return sock
