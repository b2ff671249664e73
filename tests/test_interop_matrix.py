"""The interop matrix: {V3, V4} x {JSON, XML, form, binary, multipart, async message, sync message} x
{pact-python writes / polycontract writes}, each against a correct and a deliberately broken provider.

* Direction ``pact-python``: pact-python 4 (the Pact FFI) writes the pact after its mock server was
  exercised; polycontract's verifier judges it, and ``pact verifier`` (the reference) judges it too, so a
  "correct" provider here is correct by the reference's own reading.
* Direction ``polycontract``: `polycontract.Pact` declares the pact and its mock server is exercised; the
  file is verified by pact-python's verifier and by ``pact verifier``.

One provider on 127.0.0.1 (port 0) answers every HTTP interaction and, as Pact's message proxy, every
message (``POST /messages`` with ``{"description", "providerStates"}``, metadata in
``Pact-Message-Metadata``); its ``broken`` twin breaks each interaction on its own. Every pact is written
once per module and each tool runs once per pact file and provider; a case reads its interaction's verdict.
Cells where the tools genuinely disagree are listed in `DISAGREE` and run as strict xfails.

Skips only when pact-python or the ``pact`` binary (npm ``@pact-foundation/pact-cli``) is missing.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from polycontract import Pact, match
from polycontract.codec import dumps_pact
from polycontract.verifier import Verifier
from tests.verifier.providers import StartResponse, serve

pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
_LOCAL_BIN = Path(__file__).resolve().parents[1] / ".ci" / "node" / "node_modules" / ".bin"
PACT = shutil.which("pact") or shutil.which("pact", path=str(_LOCAL_BIN))
pytestmark = [
    pytest.mark.skipif(PACT is None, reason="the Pact CLI (npm @pact-foundation/pact-cli) is not installed"),
    # pact-python's own callback servers for messages leave sockets unclosed.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
ENV = {**os.environ, "PACT_DO_NOT_TRACK": "true", "NO_COLOR": "1"}

UPLOAD = b"\x00\x01\x02\xff"
ANSWER = b"\x10\x20\xfe"
PICTURE = b"\x89PNG\r\n\x1a\n\x00\x01\xff"
FORM = "name=bob&qty=2"
XML = '<?xml version="1.0" encoding="UTF-8"?><item id="7"><qty>5</qty></item>'
MULTIPART = "multipart/form-data; boundary=XyZ"

HTTP_KINDS = ("json", "xml", "form", "binary", "multipart")
MESSAGE_KINDS = ("async", "sync")
#: Each body kind's interaction description, the same in every pact.
DESCRIPTION = {
    "json": "a json user",
    "xml": "an xml item",
    "form": "a form post",
    "binary": "a binary upload",
    "multipart": "a multipart upload",
    "async": "a user event",
    "sync": "a price request",
}

#: Cells (test ids) where the tools genuinely disagree, each with the reason from the reference's source.
DISAGREE: dict[str, str] = {}


def _multipart(picture: bytes = PICTURE) -> bytes:
    head = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="pic.png"\r\n'
    head += b"Content-Type: image/png\r\n\r\n"
    return head + picture + b"\r\n--XyZ--\r\n"


class ShopApp:
    """Answers every interaction of the matrix, with other values than the examples where the pacts
    have type rules; ``broken`` breaks each one (a wrong type, a wrong byte, a refused body)."""

    def __init__(self, *, broken: bool) -> None:
        self.broken = broken

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        status, headers, data = self.route(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"), body)
        start_response(status, [*headers, ("Content-Length", str(len(data)))])
        return [data]

    def route(self, method: str, path: str, body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
        as_json = [("Content-Type", "application/json")]
        if (method, path) == ("GET", "/json"):
            # Other values than the examples: the pacts' type rules decide, not equality.
            return "200 OK", as_json, json.dumps({"id": "8" if self.broken else 8, "name": "carol"}).encode()
        if (method, path) == ("GET", "/xml"):
            answer = XML.replace('id="7"', 'id="x7"') if self.broken else XML
            return "200 OK", [("Content-Type", "application/xml")], answer.encode()
        if (method, path) == ("POST", "/form"):
            fields = parse_qs(body.decode())
            if self.broken or fields != {"name": ["bob"], "qty": ["2"]}:
                return "400 Bad Request", as_json, b"{}"
            return "201 Created", as_json, json.dumps({"name": fields["name"][0]}).encode()
        if (method, path) == ("POST", "/blob"):
            if body != UPLOAD:
                return "400 Bad Request", as_json, b"{}"
            return "200 OK", [("Content-Type", "application/octet-stream")], ANSWER[::-1] if self.broken else ANSWER
        if (method, path) == ("POST", "/upload"):
            if self.broken or PICTURE not in body:
                return "400 Bad Request", as_json, b"{}"
            return "201 Created", as_json, json.dumps({"size": len(PICTURE)}).encode()
        if (method, path) == ("POST", "/messages"):
            return self.message(json.loads(body)["description"])
        return "404 Not Found", as_json, b"{}"

    def message(self, description: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """Pact's message proxy: the message as the body, its metadata base64 JSON in a header."""
        if description == DESCRIPTION["async"]:
            contents: dict[str, Any] = {"id": "2" if self.broken else 2, "name": "bob"}
        elif description == DESCRIPTION["sync"]:
            contents = {"sku": "A1", "price": "12" if self.broken else 12}
        else:
            return "404 Not Found", [], b""
        metadata = base64.b64encode(json.dumps({"topic": "users"}).encode()).decode()
        headers = [("Content-Type", "application/json"), ("Pact-Message-Metadata", metadata)]
        return "200 OK", headers, json.dumps(contents).encode()


# --------------------------------------------------------------------------------------- writers


def _pact_python_http(directory: Path, spec: str) -> Path:
    """pact-python writes py-web -> shop-api with every HTTP body kind, its mock server exercised."""
    from pact import Pact as PactPython
    from pact import match as m
    from pact import xml

    picture = directory.parent / f"pic-{spec}.png"
    picture.write_bytes(PICTURE)
    pact = PactPython("py-web", "shop-api").with_specification(spec)
    pact.upon_receiving(DESCRIPTION["json"]).with_request("GET", "/json").will_respond_with(200).with_body(
        {"id": m.int(7), "name": m.str("alice")}, content_type="application/json"
    )
    xml_body = xml.body(xml.element("item", xml.element("qty", m.int(5)), attrs={"id": m.int(7)}))
    pact.upon_receiving(DESCRIPTION["xml"]).with_request("GET", "/xml").will_respond_with(200).with_body(
        xml_body, content_type="application/xml"
    )
    (
        pact.upon_receiving(DESCRIPTION["form"])
        .with_request("POST", "/form")
        .with_body(FORM, content_type="application/x-www-form-urlencoded")
        .will_respond_with(201)
        .with_body({"name": m.str("bob")}, content_type="application/json")
    )
    (
        pact.upon_receiving(DESCRIPTION["binary"])
        .with_request("POST", "/blob")
        .with_binary_body(UPLOAD, content_type="application/octet-stream")
        .will_respond_with(200)
        .with_binary_body(ANSWER, content_type="application/octet-stream")
    )
    (
        pact.upon_receiving(DESCRIPTION["multipart"])
        .with_request("POST", "/upload")
        .with_multipart_file("file", picture, "image/png", boundary="XyZ")
        .will_respond_with(201)
        .with_body({"size": m.int(len(PICTURE))}, content_type="application/json")
    )
    with pact.serve() as server:
        _exercise(str(server.url).rstrip("/"))
    pact.write_file(directory, overwrite=True)
    return directory / "py-web-shop-api.json"


def _pact_python_messages(directory: Path, spec: str) -> Path:
    """pact-python writes py-web -> shop-events: an asynchronous message (and, in V4, a synchronous one)."""
    from pact import Pact as PactPython
    from pact import match as m

    pact = PactPython("py-web", "shop-events").with_specification(spec)
    (
        pact.upon_receiving(DESCRIPTION["async"], "Async")
        .with_body({"id": m.int(1), "name": m.str("alice")}, content_type="application/json")
        .with_metadata({"topic": "users"})
    )
    pact.verify(lambda body, metadata: None, "Async")
    if spec == "V4":
        (
            pact.upon_receiving(DESCRIPTION["sync"], "Sync")
            .with_body({"sku": "A1"}, content_type="application/json", part="Request")
            .with_body({"sku": m.str("A1"), "price": m.int(10)}, content_type="application/json", part="Response")
        )
        pact.verify(lambda body, metadata: None, "Sync")
    pact.write_file(directory, overwrite=True)
    return directory / "py-web-shop-events.json"


def _polycontract_http(directory: Path, spec: str) -> Path:
    """polycontract writes pc-web -> shop-api with every HTTP body kind, its mock server exercised."""
    pact = Pact(consumer="pc-web", provider="shop-api", spec=spec)
    as_json = {"Content-Type": "application/json"}
    octets = {"Content-Type": "application/octet-stream"}
    pact.upon_receiving(DESCRIPTION["json"]).with_request("GET", "/json").will_respond_with(
        200, headers=as_json, body={"id": match.integer(7), "name": match.string("alice")}
    )
    pact.upon_receiving(DESCRIPTION["xml"]).with_request("GET", "/xml").will_respond_with(
        200, headers={"Content-Type": "application/xml"}, body=XML
    )
    pact.upon_receiving(DESCRIPTION["form"]).with_request(
        "POST", "/form", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=FORM
    ).will_respond_with(201, headers=as_json, body={"name": match.string("bob")})
    pact.upon_receiving(DESCRIPTION["binary"]).with_request(
        "POST", "/blob", headers=octets, body=UPLOAD
    ).will_respond_with(200, headers=octets, body=ANSWER)
    pact.upon_receiving(DESCRIPTION["multipart"]).with_request(
        "POST", "/upload", headers={"Content-Type": MULTIPART}, body=_multipart()
    ).will_respond_with(201, headers=as_json, body={"size": match.integer(len(PICTURE))})
    with pact.serve() as server:
        _exercise(server.url.rstrip("/"))
    path = directory / "pc-web-shop-api.json"
    path.write_text(dumps_pact(pact.to_model(), spec=spec), encoding="utf-8")
    return path


def _polycontract_messages(directory: Path, spec: str) -> Path:
    """polycontract writes pc-web -> shop-events: an asynchronous message (and, in V4, a synchronous one)."""
    pact = Pact(consumer="pc-web", provider="shop-events", spec=spec)
    pact.expects_to_receive(DESCRIPTION["async"]).with_content(
        {"id": match.integer(1), "name": match.string("alice")}, metadata={"topic": "users"}
    )
    if spec == "V4":
        pact.upon_receiving(DESCRIPTION["sync"]).with_request_message({"sku": "A1"}).will_respond_with_message(
            {"sku": match.string("A1"), "price": match.integer(10)}
        )
    pact.verify_message(lambda contents, metadata=None: {"sku": "A1", "price": 10} if "sku" in contents else None)
    path = directory / "pc-web-shop-events.json"
    path.write_text(dumps_pact(pact.to_model(), spec=spec), encoding="utf-8")
    return path


def _exercise(base: str) -> None:
    """The consumer's side of every HTTP interaction, against a mock server."""
    assert httpx.get(f"{base}/json").json() == {"id": 7, "name": "alice"}
    assert httpx.get(f"{base}/xml").status_code == 200
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert httpx.post(f"{base}/form", content=FORM, headers=form).status_code == 201
    blob = httpx.post(f"{base}/blob", content=UPLOAD, headers={"Content-Type": "application/octet-stream"})
    assert blob.content == ANSWER
    assert httpx.post(f"{base}/upload", content=_multipart(), headers={"Content-Type": MULTIPART}).status_code == 201


WRITERS: dict[tuple[str, str], Callable[[Path, str], Path]] = {
    ("pact-python", "http"): _pact_python_http,
    ("pact-python", "messages"): _pact_python_messages,
    ("polycontract", "http"): _polycontract_http,
    ("polycontract", "messages"): _polycontract_messages,
}

# -------------------------------------------------------------------------------------- verifiers

Verdicts = dict[str, bool]


def _polycontract(pact_file: Path, url: str, group: str) -> Verdicts:
    if group == "http":
        verifier = Verifier(provider="shop-api", base_url=url)
    else:
        verifier = Verifier(provider="shop-events", message_url=f"{url}/messages")
    result = verifier.verify(pact_file)
    assert not result.source_errors, result.report()
    return {r.description: r.ok for r in result}


def _pact_verifier(pact_file: Path, url: str, group: str, report: Path) -> Verdicts:
    assert PACT is not None
    command = [PACT, "verifier", "-f", str(pact_file), "-h", "127.0.0.1", "-p", str(urlsplit(url).port)]
    if group == "messages":
        command += ["--base-path", "/messages"]
    run = subprocess.run(
        [*command, "-j", str(report), "--no-colour"], capture_output=True, text=True, timeout=60, check=False, env=ENV
    )
    assert run.returncode in (0, 1), run.stdout + run.stderr
    results = json.loads(report.read_text())["interactionResults"]
    return {r["description"]: r["result"] == "OK" for r in results}


def _pact_python(pact_file: Path, url: str, group: str) -> Verdicts:
    from pact import Verifier as PactPythonVerifier

    if group == "http":
        verifier = PactPythonVerifier("shop-api", host="127.0.0.1").add_transport(url=url)
    else:
        port = urlsplit(url).port
        verifier = PactPythonVerifier("shop-events", host="127.0.0.1").add_transport(
            protocol="message", port=port, path="/messages", scheme="http"
        )
    verifier.add_source(str(pact_file))
    with contextlib.suppress(RuntimeError):  # raised on any failure; the results say which interactions
        verifier.verify()
    return {r["description"]: r["result"] == "OK" for r in verifier.results["interactionResults"]}


class Matrix:
    """Writes each pact once and runs each tool once per pact file and provider, on demand."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.pacts: dict[tuple[str, str, str], Path] = {}
        self.verdicts: dict[tuple[str, str, str, str, bool], Verdicts] = {}

    def pact(self, writer: str, spec: str, group: str) -> Path:
        key = (writer, spec, group)
        if key not in self.pacts:
            directory = self.work / f"{writer}-{spec}-{group}"
            directory.mkdir()
            self.pacts[key] = WRITERS[(writer, group)](directory, spec)
        return self.pacts[key]

    def verdict(self, tool: str, writer: str, spec: str, group: str, broken: bool) -> Verdicts:
        key = (tool, writer, spec, group, broken)
        if key not in self.verdicts:
            pact_file = self.pact(writer, spec, group)
            with serve(ShopApp(broken=broken)) as url:
                if tool == "polycontract":
                    self.verdicts[key] = _polycontract(pact_file, url, group)
                elif tool == "pact-python":
                    self.verdicts[key] = _pact_python(pact_file, url, group)
                else:
                    report = self.work / f"report-{'-'.join(map(str, key))}.json"
                    self.verdicts[key] = _pact_verifier(pact_file, url, group, report)
        return self.verdicts[key]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    yield Matrix(tmp_path_factory.mktemp("interop-matrix"))


#: The tools that judge each writer's pacts: the other side, and the reference alongside.
JUDGES = {"pact-python": ("polycontract", "pact verifier"), "polycontract": ("pact-python", "pact verifier")}


def _cells() -> Iterator[Any]:
    for writer in JUDGES:
        for spec in ("V3", "V4"):
            for kind in (*HTTP_KINDS, *MESSAGE_KINDS):
                if kind == "sync" and spec == "V3":
                    continue  # synchronous messages exist from V4 on
                for provider in ("correct", "broken"):
                    cell = f"{writer}-{spec}-{kind}-{provider}"
                    marks = [pytest.mark.xfail(reason=DISAGREE[cell], strict=True)] if cell in DISAGREE else []
                    yield pytest.param(writer, spec, kind, provider == "broken", id=cell, marks=marks)


@pytest.mark.parametrize(("writer", "spec", "kind", "broken"), list(_cells()))
def test_every_tool_gives_the_expected_verdict_on_the_other_tools_pact(
    matrix: Matrix, writer: str, spec: str, kind: str, broken: bool
) -> None:
    group = "http" if kind in HTTP_KINDS else "messages"
    description = DESCRIPTION[kind]
    verdicts = {tool: matrix.verdict(tool, writer, spec, group, broken).get(description) for tool in JUDGES[writer]}
    assert verdicts == dict.fromkeys(JUDGES[writer], not broken), verdicts
