"""The broker serves a pact in the specification version it was published in, its bodies unchanged.

A V3 pact written by pact-python 4 (the Pact reference implementation underneath) holds binary bodies
as base64 text under a binary ``Content-Type`` (pact-reference ``rust/pact_models/src/request.rs``,
``Request::to_json``, writes them; ``rust/pact_models/src/json_utils.rs``, ``body_from_json``, reads
them back as bytes). Published with ``pact broker publish`` to ``polycontract broker serve``, it must
come back as that V3 pact, so that ``pact verifier --broker-url`` sends the provider the bytes the
consumer sent, as polycontract's own verifier does.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from polycontract.broker import Broker, connect
from polycontract.broker._api.app import create_app
from polycontract.cli import cli
from polycontract.codec import content_hash, dumps_pact, load_pact
from tests.broker.http_twin import Served
from tests.broker.pact_cli import PACT_BIN, pact

pytest.importorskip("uvicorn")
pytestmark = [
    pytest.mark.skipif(not Path(PACT_BIN).exists(), reason=f"the Pact CLI is not installed ({PACT_BIN})"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),  # pact-python's mock server sockets
]

UPLOAD = b"\x00\x01\x02\xff"
ANSWER = b"\x10\x20\xfe"
PICTURE = b"\x89PNG\r\n\x1a\n\x00\x01\xff"


@pytest.fixture(scope="module")
def v3_pacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the V3 pact img-web -> img-api that pact-python 4 writes: binary and multipart bodies."""
    pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
    os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
    from pact import Pact

    folder = tmp_path_factory.mktemp("v3-pacts")
    picture = folder.parent / "pic.png"
    picture.write_bytes(PICTURE)
    written = Pact("img-web", "img-api").with_specification("V3")
    (
        written.upon_receiving("upload bytes")
        .with_request("POST", "/blobs")
        .with_binary_body(UPLOAD, content_type="application/octet-stream")
        .will_respond_with(200)
        .with_binary_body(ANSWER, content_type="application/octet-stream")
    )
    (
        written.upon_receiving("upload a picture")
        .with_request("POST", "/forms")
        .with_multipart_file("file", picture, "image/png", boundary="XyZ")
        .will_respond_with(201)
    )
    with written.serve() as server:
        base = str(server.url)
        httpx.post(f"{base}/blobs", content=UPLOAD, headers={"Content-Type": "application/octet-stream"})
        httpx.post(f"{base}/forms", content=_form(), headers={"Content-Type": "multipart/form-data; boundary=XyZ"})
    written.write_file(folder, overwrite=True)
    return folder


def _form(picture: bytes = PICTURE) -> bytes:
    head = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="pic.png"\r\n'
    head += b"Content-Type: image/png\r\n\r\n"
    return head + picture + b"\r\n--XyZ--\r\n"


class BlobProvider:
    """img-api: answers the 3 bytes only for the 4 bytes uploaded, 201 only for a form holding the picture.

    ``broken`` answers other bytes and refuses the form; ``received`` keeps each request body.
    """

    def __init__(self) -> None:
        self.broken = False
        self.received: list[bytes] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.received.append(body)
                if self.path == "/blobs" and body == UPLOAD:
                    self._send(200, ANSWER[:2] + b"\xff" if outer.broken else ANSWER)
                elif self.path == "/forms" and PICTURE in body and not outer.broken:
                    self._send(201, b"")
                elif self.path == "/_pact/state":
                    self._send(200, b"")
                else:
                    self._send(400, b"")

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                if body:
                    self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Broker, Served, BlobProvider]]:
    """An empty broker over SQLite served over HTTP, and the img-api provider."""
    with connect(f"sqlite:///{tmp_path / 'broker.db'}") as broker:
        server = Served(create_app(broker))
        provider = BlobProvider()
        try:
            yield broker, server, provider
        finally:
            provider.stop()
            server.stop()


def _interactions(document: dict[str, object]) -> list[object]:
    return sorted(document["interactions"], key=lambda i: i["description"])  # type: ignore[arg-type,index]


def _served(server: Served, version: str) -> dict[str, object]:
    path = f"/pacts/provider/img-api/consumer/img-web/version/{version}"
    document: dict[str, object] = httpx.get(server.url + path).json()
    return document


def test_a_v3_pact_published_with_the_pact_cli_is_served_as_v3_with_its_base64_bodies(
    v3_pacts: Path, served: tuple[Broker, Served, BlobProvider]
) -> None:
    broker, server, _provider = served
    url = ["--broker-base-url", server.url]
    code, out = pact("broker", "publish", str(v3_pacts), "--consumer-app-version", "1", "--branch", "main", *url)
    assert code == 0, out
    published = json.loads((v3_pacts / "img-web-img-api.json").read_text())

    document = _served(server, "1")
    assert document["metadata"]["pactSpecification"] == {"version": "3.0.0"}  # type: ignore[index]
    assert _interactions(document) == _interactions(published)  # bodies, headers and rules as written
    blobs = _interactions(document)[1]
    assert blobs["request"]["body"] == "AAEC/w=="  # type: ignore[index]
    # the embedded broker reads the same pact: V3, its bodies the bytes they encode
    stored = broker.pact("img-web", "1", "img-api")
    assert stored.spec == "V3"
    assert {i.description: i.request.body.content[:4] for i in stored.interactions} == {  # type: ignore[union-attr]
        "upload bytes": UPLOAD,
        "upload a picture": b"--Xy",
    }


def test_the_pact_verifier_passes_a_correct_binary_provider_from_the_broker_and_fails_a_broken_one(
    v3_pacts: Path, served: tuple[Broker, Served, BlobProvider]
) -> None:
    _broker, server, provider = served
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(v3_pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    port = provider.url.rsplit(":", 1)[1]
    verifier = ["verifier", "--broker-url", server.url, "-n", "img-api", "-h", "127.0.0.1", "-p", port]

    code, out = pact(*verifier)
    assert code == 0, out
    assert UPLOAD in provider.received  # the 4 bytes, not the 8 characters of their base64
    assert any(PICTURE in body for body in provider.received)

    provider.broken = True
    code, out = pact(*verifier)
    assert code != 0, out
    assert "upload bytes" in out and "upload a picture" in out


def test_polycontract_verifies_the_published_v3_pact_sending_the_bytes_it_encodes(
    v3_pacts: Path, served: tuple[Broker, Served, BlobProvider]
) -> None:
    _broker, server, provider = served
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(v3_pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    runner = CliRunner()
    verify = ["verify", "--provider", "img-api", "--provider-url", provider.url, "--broker", server.url]

    done = runner.invoke(cli, verify)
    assert done.exit_code == 0, done.output
    assert UPLOAD in provider.received and b"AAEC/w==" not in provider.received
    assert any(_form() == body for body in provider.received)

    provider.broken = True
    done = runner.invoke(cli, verify)
    assert done.exit_code == 1, done.output


def test_the_same_content_published_as_v4_later_is_served_in_the_form_first_published(
    v3_pacts: Path, served: tuple[Broker, Served, BlobProvider]
) -> None:
    """Contents are shared by hash: version 2 (published as V4) is served the V3 form, read the same by every tool."""
    broker, server, provider = served
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(v3_pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    v3_pact = load_pact(v3_pacts / "img-web-img-api.json")
    as_v4 = load_pact(dumps_pact(v3_pact))  # the same pact, read from its V4 form
    assert as_v4.spec == "V4"
    assert broker.publish_pact(as_v4, consumer_version="2", branch="main").content_hash == content_hash(v3_pact)

    first, second = _served(server, "1"), _served(server, "2")
    assert _interactions(second) == _interactions(first)
    assert content_hash(load_pact({k: v for k, v in second.items() if k != "_links"})) == content_hash(v3_pact)
    port = provider.url.rsplit(":", 1)[1]
    code, out = pact("verifier", "--broker-url", server.url, "-n", "img-api", "-h", "127.0.0.1", "-p", port)
    assert code == 0, out
    assert broker.pact("img-web", "2", "img-api").interactions == broker.pact("img-web", "1", "img-api").interactions


def test_polycontract_publishes_a_v3_pact_file_to_a_broker_server_as_v3(
    v3_pacts: Path, served: tuple[Broker, Served, BlobProvider]
) -> None:
    _broker, server, _provider = served
    done = CliRunner().invoke(
        cli, ["publish", str(v3_pacts), "--consumer-version", "1", "--branch", "main", "--broker", server.url]
    )
    assert done.exit_code == 0, done.output
    document = _served(server, "1")
    assert document["metadata"]["pactSpecification"] == {"version": "3.0.0"}  # type: ignore[index]
    published = json.loads((v3_pacts / "img-web-img-api.json").read_text())
    assert _interactions(document) == _interactions(published)


def test_a_v4_pact_is_still_served_as_v4_with_its_binary_bodies_encoded(tmp_path: Path) -> None:
    """Pacts published as V4 (polycontract's default) keep their form: a base64 body stays ``encoded``."""
    v4 = {
        "consumer": {"name": "img-web"},
        "provider": {"name": "img-api"},
        "interactions": [
            {
                "type": "Synchronous/HTTP",
                "description": "upload bytes",
                "request": {
                    "method": "POST",
                    "path": "/blobs",
                    "headers": {"Content-Type": ["application/octet-stream"]},
                    "body": {
                        "contentType": "application/octet-stream",
                        "encoded": "base64",
                        "content": base64.b64encode(UPLOAD).decode(),
                    },
                },
                "response": {"status": 204},
            }
        ],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    with connect(f"sqlite:///{tmp_path / 'broker.db'}") as broker:
        broker.publish_pact(load_pact(v4), consumer_version="1")
        served = broker.pact("img-web", "1", "img-api")
    assert served.spec == "V4"
    assert served.interactions[0].request.body.content == UPLOAD  # type: ignore[attr-defined]
