"""A uvicorn config whose shared listening socket is marked as TCP (imported only by ``broker serve``)."""

from __future__ import annotations

import socket

import uvicorn

__all__ = ["TcpConfig"]


class TcpConfig(uvicorn.Config):
    """With several workers uvicorn binds the listening socket itself with protocol 0, so asyncio
    never sets ``TCP_NODELAY`` on accepted connections and each keep-alive response waits ~40 ms for
    the client's delayed ACK (uvicorn issue #3149). Re-wrapping the same descriptor as IPPROTO_TCP
    restores prompt responses. Defined at module level so worker processes can unpickle it.
    """

    def bind_socket(self) -> socket.socket:
        """The socket uvicorn would bind, marked as TCP."""
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)
        return sock
