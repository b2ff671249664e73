"""The official Pact CLI against a real broker server: the binary, a ``users`` provider and web's pact for it.

`pact` runs the CLI (``.ci/node`` installs it; `needs_pact_cli` skips a test without it). `open_estate` serves
``create_app(broker)`` on 127.0.0.1 port 0, starts `UsersProvider` beside it and writes `users_pact` into a
folder; the broker conftest's ``estate`` fixture hands that to the ``test_http_pact_cli*`` modules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from polycontract.broker import Broker
from polycontract.codec import dumps_pact
from polycontract.model import HttpInteraction, PactDocument, Request, Response
from tests.broker.http_twin import Served

__all__ = ["PACT_BIN", "Estate", "UsersProvider", "needs_pact_cli", "open_estate", "pact", "users_pact"]

ROOT = Path(__file__).resolve().parents[2]
PACT_BIN = os.environ.get("PACT_CLI") or shutil.which("pact") or str(ROOT / ".ci/node/node_modules/.bin/pact")
needs_pact_cli = pytest.mark.skipif(not Path(PACT_BIN).exists(), reason=f"the Pact CLI is not installed ({PACT_BIN})")


def pact(*args: str) -> tuple[int, str]:
    """Run the Pact CLI; returns the exit code and stdout+stderr."""
    env = {**os.environ, "PACT_DO_NOT_TRACK": "true", "NO_COLOR": "1"}
    done = subprocess.run([PACT_BIN, *args], capture_output=True, text=True, timeout=120, env=env)
    return done.returncode, done.stdout + done.stderr


class UsersProvider:
    """The ``users`` provider of `users_pact`; ``broken`` makes it answer 500."""

    def __init__(self) -> None:
        self.broken = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if outer.broken:
                    self._send(500, b"")
                elif self.path == "/users/7":
                    self._send(200, json.dumps({"id": 7, "name": "Alice"}).encode(), "application/json")
                else:
                    self._send(404, b"")

            def do_POST(self) -> None:  # provider state changes
                self._send(200, b"")

            def _send(self, status: int, body: bytes, content_type: str | None = None) -> None:
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def users_pact() -> PactDocument:
    """web's pact for users: user 7 is found, user 404 is not."""
    found = HttpInteraction(
        description="get user 7",
        request=Request(method="GET", path="/users/7"),
        response=Response(status=200, headers={"Content-Type": ("application/json",)}, body={"id": 7, "name": "Alice"}),
    )
    missing = HttpInteraction(
        description="get a missing user",
        request=Request(method="GET", path="/users/404"),
        response=Response(status=404),
    )
    return PactDocument(consumer="web", provider="users", interactions=(found, missing))


Estate = tuple[Broker, Served, UsersProvider, Path]


@contextmanager
def open_estate(broker: Broker, folder: Path) -> Iterator[Estate]:
    """``broker`` served over HTTP, the provider, and ``folder/pacts`` holding web's pact for users."""
    from polycontract.broker._api.app import create_app

    pacts = folder / "pacts"
    pacts.mkdir()
    (pacts / "web-users.json").write_text(dumps_pact(users_pact()))
    server = Served(create_app(broker))
    provider = UsersProvider()
    try:
        yield broker, server, provider, pacts
    finally:
        provider.stop()
        server.stop()
