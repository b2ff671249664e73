"""Webhook targets on a real ``polycontract broker serve`` process: refused inside addresses, no redirects followed,
one deadline per attempt, a capped reply, a slow target that holds one worker only, and test sends on a pool of
their own.

The targets are small HTTP servers in this process on 127.0.0.1; the server allows them with
``--webhook-allow-host 127.0.0.1`` (and http), as a team would allow its CI server.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("uvicorn")

JSON = {"Content-Type": "application/json", "Accept": "application/problem+json, application/hal+json"}


@dataclass
class Targets:
    """Local webhook targets: ``hits`` lists each path as requested, ``peak`` the most ``/pause`` requests at once."""

    url: str
    hits: list[str] = field(default_factory=list)
    pausing: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _targets() -> Iterator[Targets]:
    found = Targets(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            found.hits.append(self.path)
            with contextlib.suppress(OSError):  # the broker hung up, as it should
                self._answer()

        def _answer(self) -> None:
            if self.path.startswith("/slow"):
                time.sleep(3)
            if self.path == "/pause":
                with found.lock:
                    found.pausing += 1
                    found.peak = max(found.peak, found.pausing)
                time.sleep(1)
                with found.lock:
                    found.pausing -= 1
            if self.path == "/redirect":
                self._head(302, 0, [("Location", found.url + "/inside")])
            elif self.path == "/trickle":
                self._head(200, 60)
                for _ in range(60):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif self.path == "/huge":
                self._head(200, 64 * 1024 * 1024)
                for _ in range(64):
                    self.wfile.write(b"y" * 1024 * 1024)
            else:
                self._head(200, 2)
                self.wfile.write(b"ok")

        def _head(self, status: int, length: int, extra: list[tuple[str, str]] | None = None) -> None:
            self.send_response(status)
            for name, value in [("Content-Length", str(length)), *(extra or [])]:
                self.send_header(name, value)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield found
    server.shutdown()


@pytest.fixture(scope="module")
def targets() -> Iterator[Targets]:
    yield from _targets()


@pytest.fixture(scope="module")
def other_targets() -> Iterator[Targets]:
    """Another target server: another host and port, so not the one a slow webhook keeps busy."""
    yield from _targets()


def _serve(tmp_path: Path, *args: str) -> Iterator[str]:
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--output", "json", "--log-level", "warning", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("{"), f"the server did not start: {line!r}"
        yield json.loads(line)["url"]
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with the defaults: https only, no inside addresses."""
    yield from _serve(tmp_path_factory.mktemp("strict"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server that allows webhooks to http://127.0.0.1 (the local targets) and nothing else inside."""
    allow = ["--webhook-allow-scheme", "http", "--webhook-allow-host", "127.0.0.1"]
    yield from _serve(tmp_path_factory.mktemp("allowing"), *allow)


def _hook(
    url: str, *, timeout: float = 5.0, events: tuple[str, ...] = ("provider_verification_published",)
) -> dict[str, Any]:
    return {"events": [{"name": e} for e in events], "request": {"method": "POST", "url": url, "timeout": timeout}}


def _create(server: str, target: str, **options: Any) -> str:
    made = httpx.post(f"{server}/webhooks", json=_hook(target, **options), headers=JSON, timeout=30)
    assert made.status_code == 201, made.text
    return str(made.json()["uuid"])


def _execute(server: str, hook: str) -> httpx.Response:
    return httpx.post(f"{server}/webhooks/{hook}/execute", json={}, headers=JSON, timeout=60)


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://127.0.0.1:5432/",
        "https://2130706433/",
        "https://0x7f000001/",
        "https://[::ffff:127.0.0.1]/",
        "https://localhost/",
        "http://ci.example.com/",
    ],
)
def test_a_default_server_refuses_an_inside_target_at_creation_with_a_problem_naming_the_rule(
    strict_server: str, url: str
) -> None:
    made = httpx.post(f"{strict_server}/webhooks", json=_hook(url), headers=JSON, timeout=30)
    assert made.status_code == 400, made.text
    problem = made.json()
    assert made.headers["content-type"].startswith("application/problem+json")
    assert problem["detail"].startswith("url refused: ")
    assert "--webhook-allow-" in problem["detail"] or "metadata name" in problem["detail"]
    assert [e.get("pointer") for e in problem["errors"]] == ["/request/url"]
    assert httpx.get(f"{strict_server}/webhooks", timeout=30).json()["_links"]["pb:webhooks"] == []


def test_an_allow_list_admits_its_host_and_refuses_the_rest(server: str, targets: Targets) -> None:
    assert _create(server, targets.url + "/ok")
    refused = httpx.post(f"{server}/webhooks", json=_hook("http://10.0.0.1/"), headers=JSON, timeout=30)
    assert refused.status_code == 400 and "not in the allow-list" in refused.json()["detail"]


def test_a_redirect_is_not_followed(server: str, targets: Targets) -> None:
    """The Pact Broker sends one ``Net::HTTP`` request and follows no redirect
    (pact_broker ``lib/pact_broker/domain/webhook_request.rb``, ``do_request``)."""
    hook = _create(server, targets.url + "/redirect")
    answer = _execute(server, hook).json()
    assert (answer["success"], answer["statusCode"]) == (False, 302)
    assert answer["error"] == "HTTP 302: redirects are not followed"
    assert "/inside" not in targets.hits


def test_a_trickling_target_is_cut_at_the_attempts_deadline(server: str, targets: Targets) -> None:
    hook = _create(server, targets.url + "/trickle", timeout=1.0)
    started = time.monotonic()
    answer = _execute(server, hook).json()
    assert time.monotonic() - started < 3.0  # the target would take 6 s, 0.1 s per byte
    assert (answer["success"], answer["error"]) == (False, "timed out after 1 s")


def test_a_huge_reply_is_read_only_up_to_the_cap(server: str, targets: Targets) -> None:
    hook = _create(server, targets.url + "/huge")
    started = time.monotonic()
    answer = _execute(server, hook).json()
    assert time.monotonic() - started < 3.0
    assert (answer["success"], answer["statusCode"]) == (True, 200)
    assert answer["response"] == "y" * 500


def _publish(server: str, version: int) -> None:
    pact = {
        "consumer": {"name": "web"},
        "provider": {"name": "auth"},
        "interactions": [],
        "metadata": {"pactSpecification": {"version": "3.0.0"}, "n": version},
    }
    path = f"/pacts/provider/auth/consumer/web/version/{version}"
    assert httpx.put(server + path, json=pact, headers=JSON, timeout=30).status_code in (200, 201)


def test_a_slow_target_does_not_delay_a_healthy_one(server: str, targets: Targets, other_targets: Targets) -> None:
    fired = ("contract_published",)
    slow = _create(server, targets.url + "/slow-hook", events=fired)
    healthy = _create(server, other_targets.url + "/healthy-hook", events=fired)
    try:
        for version in range(6):
            _publish(server, version)
        deadline = time.monotonic() + 2.5  # a slow target answers in 3 s: these arrive while it still holds one
        while other_targets.hits.count("/healthy-hook") < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert other_targets.hits.count("/healthy-hook") == 6
        assert targets.hits.count("/slow-hook") == 1
    finally:
        for hook in (slow, healthy):
            httpx.delete(f"{server}/webhooks/{hook}", timeout=30)


def test_test_sends_run_on_their_own_pool_and_never_starve_other_requests(server: str, targets: Targets) -> None:
    hook = _create(server, targets.url + "/pause")
    with ThreadPoolExecutor(45) as pool:
        sends = [pool.submit(_execute, server, hook) for _ in range(45)]
        time.sleep(0.3)
        timings = []
        for _ in range(10):
            started = time.monotonic()
            assert httpx.get(f"{server}/pacticipants", timeout=30).status_code == 200
            timings.append(time.monotonic() - started)
        statuses = [s.result().status_code for s in sends]
    assert max(timings) < 1.0, timings
    assert set(statuses) == {200, 503}
    assert targets.peak <= 4  # the execute pool's threads


def test_the_http_client_gets_the_refusal_as_a_usage_error_naming_the_rule(strict_server: str) -> None:
    from polycontract.broker import HttpBroker
    from polycontract.errors import UsageError

    with pytest.raises(UsageError, match=r"url refused: host 10\.0\.0\.1 is a private address"):
        HttpBroker(strict_server).create_webhook(url="https://10.0.0.1/", events=["contract_published"])
