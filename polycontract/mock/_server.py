"""The mock provider on a real socket: a threaded stdlib HTTP server in front of `MockProvider`.

It binds port 0 (the system picks a free port; no bind-and-release race) and reports the real one in
``url``. Errors raised in its threads are kept and re-raised in the test when the ``with`` block ends.

>>> from polycontract import model
>>> with MockServer(model.PactDocument(consumer="a", provider="b")) as server:  # doctest: +SKIP
...     server.url
'http://127.0.0.1:49731'
"""

from __future__ import annotations

import contextlib
import errno
import functools
import http.client
import io
import selectors
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Collection
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from polycontract.errors import UsageError
from polycontract.mock._answer_head import SERVER, date, reason
from polycontract.mock._provider import MockProvider
from polycontract.mock._request_head import read_headers, version_number, wire_text
from polycontract.mock._wake import Selector, Wake
from polycontract.mock._wire_reply import Reply
from polycontract.mock._wire_request import normalise_request
from polycontract.mock._workers import submit
from polycontract.model import Interaction, PactDocument, require_document

__all__ = ["MockServer"]

#: Seconds an idle keep-alive connection is held open before its thread gives up.
_IDLE_TIMEOUT = 10.0


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = _IDLE_TIMEOUT
    #: Buffered: the status line, headers and body leave in one write when the request is answered
    #: (``handle_one_request`` flushes), not one per part, which a client would wake for in turn.
    wbufsize = -1

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def handle(self) -> None:
        """Serve requests until the connection closes; on the accept loop's own connection, wait for each
        with the accept loop (`_Server.await_request`), so other connections and `stop` are seen meanwhile.
        """
        self.close_connection = True
        own = self.server.owns(self.connection)
        while not own or self.server.await_request(self):
            self.handle_one_request()
            if self.close_connection:
                return

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def parse_request(self) -> bool:
        """``BaseHTTPRequestHandler.parse_request`` with the header lines read by `read_headers` (no ``email``
        parser): the same request-line checks and answers (400, 505, 431), ``Connection`` and ``Expect``.
        """
        self.command = None  # type: ignore[assignment]  # as the stdlib does: no command until the line parses
        self.request_version = version = self.default_request_version
        self.close_connection = True
        raw: bytes = self.raw_requestline  # type: ignore[attr-defined]  # set by handle_one_request
        requestline = str(raw, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            number = version_number(version)
            if number is None:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            if number >= (1, 1):
                self.close_connection = False
            if number >= (2, 0):
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version[5:]})")
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
                return False
        self.command, self.path = command, path
        if path.startswith("//"):  # as the stdlib does (gh-87389)
            self.path = "/" + path.lstrip("/")
        try:
            self.headers = read_headers(self.rfile)  # type: ignore[assignment]  # get() and items() are what is read
        except http.client.LineTooLong as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", str(err))
            return False
        except http.client.HTTPException as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers", str(err))
            return False
        connection = self.headers.get("Connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        if self.headers.get("Expect", "").lower() == "100-continue" and self.request_version >= "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def handle_expect_100(self) -> bool:
        """Answer ``Expect: 100-continue`` at once: the client waits for it before sending the body."""
        ok = super().handle_expect_100()
        self.wfile.flush()
        return ok

    def _serve(self) -> None:
        body = self._read_body()
        request = normalise_request(self.command, wire_text(self.path), list(self.headers.items()), body)
        self._send(self.server.provider.handle(request))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply) -> None:
        """The status line, ``Server``, ``Date``, the reply's headers and ``Content-Length``, then the body, in
        one buffered write (what ``send_response``, ``send_header`` and ``end_headers`` write, built at once).
        """
        status = f"{self.protocol_version} {reply.status} {reason(reply.status)}"
        head = [f"{status}\r\nServer: {SERVER}\r\nDate: {date()}\r\n"]
        head += [
            f"{name}: {value}\r\n"
            for name, value in reply.headers
            if name.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        head.append(f"Content-Length: {len(reply.body)}\r\n\r\n")
        self.wfile.write("".join(head).encode("latin-1"))
        if self.command != "HEAD" and reply.body:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test's own output should not be interleaved with an access log."""


class _Server(ThreadingHTTPServer):
    """A threading HTTP server whose accept loop and connections run on the process's shared threads.

    The thread waiting for a connection accepts it and serves it itself, so a request reaches the thread
    that answers it with no hand-off in between; between that connection's requests it waits for them,
    for more connections (each handed to another shared thread: an idle one, so no thread starts) and
    for `stop` at once. A consumer test that sends its requests on one connection wakes one thread.
    """

    daemon_threads = True
    timeout = 0

    def __init__(self, address: tuple[str, int], provider: MockProvider) -> None:
        self.provider = provider
        self.connections: set[socket.socket] = set()
        self.crashes: list[BaseException] = []
        self._wake = Wake()
        self._selector = Selector()  # before binding: a failed bind closes it
        super().__init__(address, _Handler)
        self._selector.register(self.socket, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake.fileno(), selectors.EVENT_READ, "wake")
        #: Whether the accept loop runs; if it ends after `stop`, it closes the selector and the wake-up
        #: descriptor, so `stop` need not wait for it.
        self._leading = False
        self._stopping = False
        self._lock = threading.Lock()
        #: The connection the accept loop is serving itself, if any.
        self._own: socket.socket | None = None

    def server_bind(self) -> None:
        """Bind, naming the server by its address: ``HTTPServer`` asks DNS for its name (``getfqdn``),
        a reverse lookup per server that nothing here reads.
        """
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def serve_in_background(self) -> None:
        """Accept connections on a shared thread until `stop`; returns at once."""
        with self._lock:
            self._leading = True
        submit(self._lead)

    def _lead(self) -> None:
        """The accept loop: serves each connection it accepts itself, one at a time, and between that
        connection's requests accepts any other (served on another shared thread) and watches for `stop`.
        """
        try:
            while (accepted := self._accept()) is not None:
                self._own = accepted[0]
                self.process_request_thread(*accepted)  # serves the connection, reports errors, closes it
                self._own = None
        except Exception as exc:
            self.crashes.append(exc)
        finally:
            with self._lock:
                self._leading = False
                last = self._stopping
            if last:
                self._close_wake()

    def _accept(self) -> tuple[Any, Any] | None:
        """Wait for a connection and accept it; None once stopped."""
        while True:
            try:
                events = self._selector.select()
            except OSError:
                if self._stopping:  # the listening socket closed under a select() that does not allow it
                    return None
                raise
            if any(key.data == "wake" for key, _ in events):
                return None
            try:
                return self.get_request()
            except OSError:
                continue

    def owns(self, connection: socket.socket) -> bool:
        """Whether ``connection`` is the one the accept loop serves itself (see `await_request`)."""
        return connection is self._own

    def await_request(self, handler: _Handler) -> bool:
        """Wait until the accept loop's own connection has a request (or its end) to read: True; False on
        `stop` or after `_IDLE_TIMEOUT` idle. Meanwhile every other connection is accepted and served on a
        shared thread, so a connection that sends nothing holds up no other.
        """
        connection, rfile = handler.connection, handler.rfile
        connection.settimeout(0.0)
        try:
            if isinstance(rfile, io.BufferedReader) and rfile.peek(1):  # here (read now if in the socket)
                return True
        except OSError:
            return True  # reading the request meets the error and ends the connection
        finally:
            connection.settimeout(handler.timeout)
        self._selector.register(connection, selectors.EVENT_READ, "request")
        try:
            deadline = time.monotonic() + _IDLE_TIMEOUT
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                kinds = {key.data for key, _ in self._selector.select(remaining)}
                if "wake" in kinds:
                    return False
                if "request" in kinds:
                    return True
                if "accept" in kinds:
                    with contextlib.suppress(OSError):
                        submit(functools.partial(self.process_request_thread, *self.get_request()))
        finally:
            self._selector.unregister(connection)

    def stop(self) -> None:
        """Stop accepting and close the listening socket (the port is free when this returns), without
        waiting for the accept loop: woken, it returns and closes what it used.
        """
        with self._lock:
            self._stopping = True
            idle = not self._leading
        self._wake.set()  # before the close: a select() that sees the socket go (or its number reused) sees this too
        self.socket.close()
        if idle:
            self._close_wake()

    def _close_wake(self) -> None:
        self._selector.close()
        self._wake.close()

    def server_close(self) -> None:
        """Close everything at once (a failed bind; `stop` is the way out of a running server)."""
        super().server_close()
        self._close_wake()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, ConnectionError | TimeoutError):
            self.crashes.append(error)


class MockServer:
    """A running mock provider for the HTTP interactions of a pact. Use it as a context manager.

    On a clean exit of the ``with`` block it raises, in this order: an exception raised inside the
    server (with the problems in a note), then a `MockViolation` listing every mismatch, unexpected
    request and interaction never exercised. If the block itself raised and the server saw mismatches
    or unexpected requests, the violation is raised with the block's exception as its context (it is
    usually what made the consumer fail); otherwise the block's exception goes on with a note.
    `stop` always closes the socket and is safe to call twice. ``optional``: interactions the consumer
    may leave unused (see `MockProvider`).
    """

    def __init__(
        self, pact: PactDocument, *, host: str = "127.0.0.1", port: int = 0, optional: Collection[Interaction] = ()
    ) -> None:
        require_document(pact, "MockServer(pact)")
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
            raise UsageError(f"port={port!r} must be an integer from 0 to 65535 (0 picks a free port)")
        self.pact = pact
        self.provider = MockProvider(pact, optional=optional)
        self._address = (host, port)
        self._server: _Server | None = None
        self._crashes: list[BaseException] = []
        self.url = ""

    def __repr__(self) -> str:
        return f"MockServer({self.pact.consumer!r} -> {self.pact.provider!r}, url={self.url!r})"

    @property
    def port(self) -> int:
        """The port the server listens on (0 before `start`)."""
        return self._server.server_address[1] if self._server else 0

    def start(self) -> MockServer:
        """Bind the socket and serve in a background thread."""
        if self._server is not None:
            raise UsageError("the mock server is already running")
        try:
            server = _Server(self._address, self.provider)
        except OSError as exc:
            host, port = self._address
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"port={port} is already in use on {host}; pass port=0 to get a free one") from None
            raise UsageError(f"cannot listen on host={host!r} port={port}: {exc.strerror or exc}") from None
        self._server = server
        host = str(server.server_address[0])
        self.url = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_address[1]}"
        self.provider.mock_server_url = self.url
        server.serve_in_background()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and free the port. Does nothing if not running."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        for conn in list(server.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._crashes = list(server.crashes)

    def verify(self) -> None:
        """Raise what went wrong so far (see `MockProvider.failure`), if anything did."""
        crashes = self._crashes if self._server is None else list(self._server.crashes)
        error = self.provider.failure(crashes)
        if error is not None:
            raise error

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        self.provider.end(exc, self._crashes)
