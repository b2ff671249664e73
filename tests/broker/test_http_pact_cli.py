"""Interop: the official Pact CLI (``pact broker …``, ``pact verifier``) against a real uvicorn server.

The server runs in a thread on 127.0.0.1 port 0 over an embedded SQLite file and over PostgreSQL
(when ``POLYCONTRACT_TEST_POSTGRES_URL`` is set); a tiny provider runs beside it. Tests skip only
when the ``pact`` binary is missing (``.ci/node`` installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from polycontract.broker import Broker, connect
from polycontract.codec import dumps_pact
from polycontract.model import HttpInteraction, Pact, Request, Response

uvicorn = pytest.importorskip("uvicorn")

ROOT = Path(__file__).resolve().parents[2]
PACT_BIN = os.environ.get("PACT_CLI") or shutil.which("pact") or str(ROOT / ".ci/node/node_modules/.bin/pact")
pytestmark = pytest.mark.skipif(not Path(PACT_BIN).exists(), reason=f"the Pact CLI is not installed ({PACT_BIN})")


class BrokerServer:
    """``create_app(broker)`` served by uvicorn in a thread; ``url`` is where it listens."""

    def __init__(self, broker: Broker) -> None:
        from polycontract.broker._http_app import create_app

        config = uvicorn.Config(create_app(broker), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="broker-server", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the broker server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


class UsersProvider:
    """The ``users`` provider of the pact below; ``broken`` makes it answer 500."""

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


def _pact() -> Pact:
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
    return Pact(consumer="web", provider="users", interactions=(found, missing))


@pytest.fixture
def estate(broker_url: str, tmp_path: Path) -> Iterator[tuple[Broker, BrokerServer, UsersProvider, Path]]:
    """An empty broker served over HTTP, the provider, and a folder holding web's pact for users."""
    pacts = tmp_path / "pacts"
    pacts.mkdir()
    (pacts / "web-users.json").write_text(dumps_pact(_pact()))
    with connect(broker_url) as broker:
        server = BrokerServer(broker)
        provider = UsersProvider()
        try:
            yield broker, server, provider, pacts
        finally:
            provider.stop()
            server.stop()


def pact(*args: str) -> tuple[int, str]:
    """Run the Pact CLI; returns the exit code and stdout+stderr."""
    env = {**os.environ, "PACT_DO_NOT_TRACK": "true", "NO_COLOR": "1"}
    done = subprocess.run([PACT_BIN, *args], capture_output=True, text=True, timeout=120, env=env)
    return done.returncode, done.stdout + done.stderr


def test_the_pact_cli_runs_publish_verify_deploy_and_can_i_deploy_against_the_server(
    estate: tuple[Broker, BrokerServer, UsersProvider, Path],
) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]

    code, out = pact("broker", "create-environment", "--name", "prod", "--production", *url)
    assert code == 0, out
    assert [(e.name, e.production) for e in broker.environments()] == [("prod", True)]

    code, out = pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)
    assert code == 0 and "Pact published" in out, out
    assert {i.description for i in broker.pact("web", "1", "users").interactions} == {
        "get user 7",
        "get a missing user",
    }

    code, out = pact(
        "broker", "can-i-deploy", "--pacticipant", "web", "--version", "1", "--to-environment", "prod", *url
    )
    assert code == 1 and "Computer says no" in out and "none is currently deployed" in out, out

    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--publish", "--provider-version", "1", "--provider-branch", "main")
    assert code == 0, out
    code, out = pact("broker", "record-deployment", "--pacticipant", "users", "--version", "1", "--environment", "prod",
                     *url)  # fmt: skip
    assert code == 0 and "Recorded deployment" in out, out

    code, out = pact(
        "broker", "can-i-deploy", "--pacticipant", "web", "--version", "1", "--to-environment", "prod", *url
    )
    assert code == 0 and "Computer says yes" in out, out
    assert broker.can_i_deploy("web", "1", to_environment="prod").ok is True

    code, out = pact("broker", "describe-version", "--pacticipant", "users", "--version", "1", *url)
    assert code == 0 and "1" in out, out


def test_a_failing_verification_through_the_pact_verifier_makes_can_i_deploy_say_no(
    estate: tuple[Broker, BrokerServer, UsersProvider, Path],
) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", "--production", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    code, out = pact("broker", "record-deployment", "--pacticipant", "web", "--version", "1", "--environment", "prod",
                     "--application-instance", "eu", *url)  # fmt: skip
    assert code == 0, out
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    selectors = ["--consumer-version-selectors", '{"deployedOrReleased": true}', "--enable-pending"]
    code, out = pact(*verifier, *selectors, "--publish", "--provider-version", "1", "--provider-branch", "main")
    assert code == 0, out

    provider.broken = True
    code, out = pact(*verifier, *selectors, "--publish", "--provider-version", "2", "--provider-branch", "main")
    assert code != 0, out  # no longer pending: verified by main, so the failure fails the build

    check = ["broker", "can-i-deploy", "--pacticipant", "users", "--to-environment", "prod", *url]
    code, out = pact(*check[:4], "--version", "2", *check[4:])
    assert code == 1 and "Computer says no" in out, out
    code, out = pact(*check[:4], "--version", "1", *check[4:])
    assert code == 0 and "Computer says yes" in out, out
    assert broker.can_i_deploy("users", "2", to_environment="prod").ok is False


def test_the_pact_verifier_selects_pacts_by_consumer_version_tags(
    estate: tuple[Broker, BrokerServer, UsersProvider, Path],
) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    code, out = pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--tag", "prod", *url)
    assert code == 0, out
    assert broker.pacts_for_verification("users", selectors=[{"tag": "prod", "latest": True}])[0].consumer_versions == (
        "1",
    )
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--consumer-version-tags", "prod", "--publish", "--provider-version", "1")
    assert code == 0, out
    assert "get user 7" in out
    assert [(r.provider_version, r.success) for r in broker.matrix("web", version="1")] == [("1", True)]
    code, out = pact(*verifier, "--consumer-version-tags", "qa")
    assert "get user 7" not in out  # nothing tagged qa


def test_the_pact_cli_asks_can_i_deploy_to_a_tag(estate: tuple[Broker, BrokerServer, UsersProvider, Path]) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)[0] == 0
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--publish", "--provider-version", "7", "--provider-tags", "prod")
    assert code == 0, out
    ask = ["broker", "can-i-deploy", "--pacticipant", "web", "--version", "1", *url]
    code, out = pact(*ask, "--to", "prod")
    assert code == 0 and "Computer says yes" in out, out
    broker.create_version("users", "8", tags=["prod"])  # newer, never verified web's pact
    code, out = pact(*ask, "--to", "prod")
    assert code == 1 and "Computer says no" in out, out
    assert broker.can_i_deploy("web", "1", to_tag="prod").ok is None


def test_the_pact_cli_records_releases_undeployments_and_support_ended(
    estate: tuple[Broker, BrokerServer, UsersProvider, Path],
) -> None:
    broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", "--production", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    who = ["--pacticipant", "web", "--environment", "prod", *url]

    code, out = pact("broker", "record-release", "--version", "1", *who)
    assert code == 0 and "Recorded release" in out, out
    code, out = pact("broker", "record-deployment", "--version", "1", *who)
    assert code == 0, out
    assert sorted(lv.kind for lv in broker.live("prod")) == ["deployed", "released"]

    code, out = pact("broker", "record-undeployment", *who)
    assert code == 0 and "Undeployed" in out, out
    code, out = pact("broker", "record-support-ended", "--version", "1", *who)
    assert code == 0, out
    assert broker.live("prod") == ()


def test_pact_pythons_verifier_fetches_pacts_for_verification_and_publishes_results(
    estate: tuple[Broker, BrokerServer, UsersProvider, Path],
) -> None:
    pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
    from pact import Verifier

    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", "--production", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    assert pact("broker", "record-deployment", "--pacticipant", "web", "--version", "1", "--environment", "prod",
                *url)[0] == 0  # fmt: skip

    verifier = (
        Verifier("users", host="127.0.0.1")
        .add_transport(url=f"http://127.0.0.1:{provider.port}")
        .broker_source(server.url, selector=True, use_env=False)
        .consumer_version(deployed_or_released=True)
        .consumer_version(main_branch=True)
        .include_pending()
        .provider_branch("main")
        .build()
        .set_publish_options(version="3", branch="main")
    )
    verifier.verify()
    results = verifier.results["interactionResults"]
    assert {r["description"] for r in results} == {"get user 7", "get a missing user"}
    assert broker.can_i_deploy("users", "3", to_environment="prod").ok is True
    code, out = pact("broker", "can-i-deploy", "--pacticipant", "users", "--version", "3", "--to-environment", "prod",
                     *url)  # fmt: skip
    assert code == 0 and "Computer says yes" in out, out


def test_the_pact_cli_prints_the_problem_detail_of_a_refused_request(
    estate: tuple[Broker, BrokerServer, UsersProvider, Path],
) -> None:
    """Errors are RFC 9457 problems that keep ``error.message``, which the Pact CLI shows the user."""
    _broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", "--production", *url)[0] == 0
    code, out = pact("broker", "create-environment", "--name", "prod", "--production", *url)
    assert code != 0 and "an environment named prod already exists" in out, out
    code, out = pact("broker", "create-environment", "--name", "pre prod", *url)
    assert code != 0 and "name must not contain whitespace" in out, out
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)[0] == 0
    changed = _pact()
    (pacts / "web-users.json").write_text(dumps_pact(replace(changed, interactions=changed.interactions[:1])))
    code, out = pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)
    assert code != 0 and "already published different pact content" in out, out
