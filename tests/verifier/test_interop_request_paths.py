"""A pact's request path reaches the provider as the pact wrote it, the same as ``pact verifier`` sends it.

The reference verifier joins the pact's path to the provider URL and lets its URL parser encode what a
path may not hold (a space, non-ASCII), keeping escapes such as ``%20`` as written (pact-reference
rust/pact_verifier/src/provider_client.rs, ``create_native_request``); its mock server compares the
undecoded path (rust/pact_mock_server/src/hyper_server.rs, ``hyper_request_to_pact_request``). So a
pact path ``/services/Pricing%20Service`` must arrive as ``%20``, not ``%2520`` (Pricing%20Service after
the provider decodes it).
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
from typing import Any
from urllib.parse import urlsplit

import pytest

from polycontract.verifier import Verifier
from tests.verifier.providers import users_pact

_LOCAL_BIN = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / ".bin"
PACT = shutil.which("pact") or shutil.which("pact", path=str(_LOCAL_BIN))
ENV = {**os.environ, "PACT_DO_NOT_TRACK": "true"}

PATHS = ["/services/Pricing%20Service", "/services/Pricing Service", "/services/caf%C3%A9", "/services/café"]


class _Recorder(BaseHTTPRequestHandler):
    """Answers 200 to every GET and keeps the request target exactly as it came off the socket."""

    targets: list[str]

    def do_GET(self) -> None:
        self.targets.append(self.path)
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _recording_provider() -> Iterator[tuple[str, list[str]]]:
    targets: list[str] = []
    handler = type("Recorder", (_Recorder,), {"targets": targets})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", targets
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _pact_file(tmp_path: Path, path: str) -> Path:
    interaction = {
        "description": "a service by name",
        "request": {"method": "GET", "path": path},
        "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"ok": True}},
    }
    pact_file = tmp_path / "web-users.json"
    pact_file.write_text(json.dumps(users_pact(interaction)), encoding="utf-8")
    return pact_file


@pytest.mark.parametrize("path", PATHS)
def test_the_verifier_sends_the_request_path_as_the_pact_wrote_it(tmp_path: Path, path: str) -> None:
    pact_file = _pact_file(tmp_path, path)
    with _recording_provider() as (url, targets):
        result = Verifier(provider="users", base_url=url).verify(pact_file)
    assert result.exit_code == 0, result.report()
    expected = path.replace(" ", "%20").replace("é", "%C3%A9")
    assert targets == [expected]


@pytest.mark.skipif(PACT is None, reason="the Pact CLI (npm @pact-foundation/pact-cli) is not installed")
@pytest.mark.parametrize("path", PATHS)
def test_the_request_path_goes_out_as_pact_verifier_sends_it(tmp_path: Path, path: str) -> None:
    assert PACT is not None
    pact_file = _pact_file(tmp_path, path)
    with _recording_provider() as (url, targets):
        ours = Verifier(provider="users", base_url=url).verify(pact_file)
        port = str(urlsplit(url).port)
        theirs = subprocess.run(
            [PACT, "verifier", "-f", str(pact_file), "-h", "127.0.0.1", "-p", port, "--no-colour"],
            capture_output=True, text=True, timeout=60, check=False, env=ENV,
        )  # fmt: skip
    assert ours.exit_code == 0, ours.report()
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert len(targets) == 2
    assert targets[0] == targets[1]
