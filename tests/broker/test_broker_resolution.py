"""Which broker `connect()` opens, with which credentials, and how it fails closed at the broker's edges.

Each user-side check runs ``connect()`` in a fresh interpreter with the environment a CI job would
set, against a real server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from polycontract.broker import Broker, connect
from polycontract.broker._api.auth import AuthConfig, token_sha256
from polycontract.errors import BrokerError
from tests.broker.http_twin import serving

READER = "reader-secret-0123456789"
ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter in ``cwd`` with no broker settings but ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("POLYCONTRACT_BROKER")}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[str]:
    """The URL of a broker server that needs a token, where web 1 was published."""
    auth = AuthConfig.from_document([{"name": "dashboard", "token_sha256": token_sha256(READER), "role": "read"}], "t")
    with connect(f"sqlite:///{tmp_path / 'server.db'}") as broker:
        broker.create_version("web", "1")
        with serving(broker, auth=auth) as url:
            yield url


def test_connect_without_a_url_opens_the_broker_and_token_named_in_the_environment(
    secured: str, tmp_path: Path
) -> None:
    work = tmp_path / "ci"
    work.mkdir()
    code = "from polycontract.broker import connect\nb = connect()\nprint(b.url, b.latest_version('web'))"
    done = _python(code, work, POLYCONTRACT_BROKER=secured, POLYCONTRACT_BROKER_TOKEN=READER)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [secured, "1"]
    assert not (work / ".polycontract").exists()


def test_the_missing_token_error_names_the_variable_connect_reads(secured: str, tmp_path: Path) -> None:
    code = "from polycontract.broker import connect\nconnect().latest_version('web')"
    done = _python(code, tmp_path, POLYCONTRACT_BROKER=secured)
    assert done.returncode != 0
    assert "needs credentials" in done.stderr and "POLYCONTRACT_BROKER_TOKEN" in done.stderr
    assert "polycontract.broker.connect()" in done.stderr


class _Recorder(BaseHTTPRequestHandler):
    """Answers every GET with the server's ``body`` and records the Authorization header."""

    def do_GET(self) -> None:
        self.server.seen.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        payload = json.dumps(self.server.body).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []  # type: ignore[attr-defined]
    server.body = {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(10)


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_connect_sends_basic_auth_from_the_username_and_password_variables(
    recorder: ThreadingHTTPServer, tmp_path: Path
) -> None:
    recorder.body = {"_embedded": {"pacticipants": [{"name": "web"}]}}  # type: ignore[attr-defined]
    code = "from polycontract.broker import connect\nprint(connect().pacticipants())"
    env = {"POLYCONTRACT_BROKER_USERNAME": "ci", "POLYCONTRACT_BROKER_PASSWORD": "pw"}
    done = _python(code, tmp_path, POLYCONTRACT_BROKER=_url(recorder), **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "('web',)"
    assert recorder.seen == ["Basic " + base64.b64encode(b"ci:pw").decode()]  # type: ignore[attr-defined]


def test_an_empty_broker_variable_is_an_error_not_the_embedded_default(tmp_path: Path) -> None:
    code = "from polycontract.broker import connect\nconnect()"
    done = _python(code, tmp_path, POLYCONTRACT_BROKER="")
    assert done.returncode != 0
    assert "BrokerError: POLYCONTRACT_BROKER is set but empty" in done.stderr
    assert not (tmp_path / ".polycontract").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("broker.example.com", "is not a broker URL"),
        ("ftp://broker.example.com", "unsupported backend 'ftp'"),
        ("http://", "names no host"),
        ("https:///path", "names no host"),
        ("sqlite:broker.db", "is not a broker URL"),
        ("sqlite://host/broker.db", "is not an SQLite URL"),
        ("sqlite:///", "names no file"),
        ("  ", "is empty"),
    ],
)
def test_a_malformed_broker_url_is_an_error_naming_it_and_the_expected_forms(url: str, message: str) -> None:
    with pytest.raises(BrokerError, match=message) as caught:
        connect(url)
    assert "sqlite:///" in str(caught.value) or "http" in str(caught.value)


def test_a_password_in_a_malformed_url_is_not_shown(tmp_path: Path) -> None:
    with pytest.raises(BrokerError) as caught:
        connect("mysql://user:s3cret@db.example/pacts")
    assert "s3cret" not in str(caught.value) and "user:***@" in str(caught.value)


def test_a_sqlite_url_never_creates_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(BrokerError, match="does not exist") as caught:
        connect(f"sqlite:///{tmp_path / 'shraed' / 'broker.db'}")
    assert "shraed" in str(caught.value)
    assert not (tmp_path / "shraed").exists()


def test_a_reader_never_creates_an_empty_broker_file(tmp_path: Path) -> None:
    missing = tmp_path / "broker.db"
    with pytest.raises(BrokerError, match=r"there is no broker at .*no such file"):
        connect(f"sqlite:///{missing}", create=False)
    assert not missing.exists()
    with connect(f"sqlite:///{missing}") as broker:  # a writer may start one
        broker.create_version("web", "1")
    with connect(f"sqlite:///{missing}", create=False) as broker:
        assert broker.latest_version("web") == "1"


def test_a_malformed_server_answer_is_an_error_naming_the_url_not_an_empty_result(
    recorder: ThreadingHTTPServer,
) -> None:
    recorder.body = {"unexpected": True}  # type: ignore[attr-defined]
    url = _url(recorder)
    with connect(url) as broker:
        with pytest.raises(BrokerError, match=re.escape(f"the broker at {url}/matrix answered without a matrix list")):
            broker.matrix("web")
        with pytest.raises(BrokerError, match=re.escape(f"{url}/webhooks answered without a list of webhooks")):
            broker.webhooks()
        with pytest.raises(BrokerError, match=r"without a list of objects at _embedded\.pacts"):
            broker.pacts_for_verification("users")
        with pytest.raises(BrokerError, match=re.escape(f"{url}/pacticipants answered without")):
            broker.pacticipants()


def test_a_writer_lock_file_that_cannot_be_made_is_reported_once(tmp_path: Path) -> None:
    database = tmp_path / "broker.db"
    (tmp_path / "broker.db-writer.lock").mkdir()  # something that cannot be opened as the lock file
    code = (
        "from polycontract.broker import connect\n"
        f"with connect({f'sqlite:///{database}'!r}) as b:\n"
        "    b.create_version('web', '1')\n"
        "    b.create_version('web', '2')\n"
        "    print(b.latest_version('web'))\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"  # the writes still happen: SQLite's own lock keeps them correct
    assert done.stderr.count("cannot queue on the lock file") == 1, done.stderr
    assert "broker.db-writer.lock" in done.stderr


def test_flush_webhooks_over_http_does_not_claim_deliveries_it_cannot_see(tmp_path: Path) -> None:
    with connect(f"sqlite:///{tmp_path / 'server.db'}") as embedded, serving(embedded) as url, connect(url) as client:
        assert isinstance(embedded, Broker)
        with pytest.raises(BrokerError, match="webhook_deliveries"):
            client.flush_webhooks(1)
