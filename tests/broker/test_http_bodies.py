"""Hostile and careless request bodies against a real ``broker serve`` process, from the outside.

Oversized chunked uploads are refused while read (413, connection closed), JSON is strict (no NaN or
infinity, at most 50 deep), YAML aliases cannot expand a schema without bound, and every write must be
typed as JSON (415 otherwise, so a browser holding basic-auth credentials cannot be made to write).
A refused write stores nothing. Peak memory under these bodies is measured by
``benchmarks/bench_broker_hostile_bodies.py``, not here.
"""

from __future__ import annotations

import base64
import json
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ADMIN = "admin-token-0123456789"
WRITER = "writer-token-0123456789"  # may write for the consumer "web"
READER = "reader-token-0123456789"
MIB = 1024 * 1024
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{x}: &{x} [{','.join([f'*{p}'] * 9)}]" for p, x in zip("abcdefgh", "bcdefghi", strict=True)]
)


@dataclass
class Server:
    """A ``broker serve`` process: its ``url`` and the ``process``."""

    url: str
    process: subprocess.Popen[str]

    def client(self, token: str = ADMIN) -> httpx.Client:
        """An httpx client sending ``token``."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server with auth for the module (the tests use distinct pacticipant names)."""
    tmp = tmp_path_factory.mktemp("bodies")
    tokens = tmp / "tokens.json"
    tokens.write_text(
        json.dumps(
            [
                {"name": "ops", "token": ADMIN, "role": "admin"},
                {"name": "ci-web", "token": WRITER, "role": "write", "pacticipants": ["web"]},
                {"name": "dev", "token": READER, "role": "read"},
            ]
        )
    )
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{tmp / 'b.db'}"]
    command += ["--port", "0", "--auth-file", str(tokens), "--output", "json", "--log-level", "warning"]
    with (tmp / "server.log").open("w") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, (tmp / "server.log").read_text()
        yield Server(json.loads(line)["url"], process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def pact(consumer: str, provider: str, body: Any = None) -> dict[str, Any]:
    """A one-interaction V3 pact whose response body is ``body``."""
    response: dict[str, Any] = {"status": 200} if body is None else {"status": 200, "body": body}
    return {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": [{"description": "a call", "request": {"method": "GET", "path": "/"}, "response": response}],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


def nested(depth: int) -> Any:
    """A value ``depth`` arrays deep."""
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def with_nested(document: dict[str, Any], depth: int) -> str:
    """``document`` as JSON text with its ``"NESTED"`` string replaced by a value ``depth`` arrays deep."""
    return json.dumps(document).replace('"NESTED"', "[" * depth + "1" + "]" * depth)


def publish_body(consumer: str, provider: str, content: bytes) -> dict[str, Any]:
    """A ``POST /contracts/publish`` body carrying ``content`` as the pact."""
    return {
        "pacticipantName": consumer,
        "pacticipantVersionNumber": "1",
        "contracts": [
            {
                "consumerName": consumer,
                "providerName": provider,
                "specification": "pact",
                "contentType": "application/json",
                "content": base64.b64encode(content).decode(),
            }
        ],
    }


def pact_path(consumer: str, provider: str, version: str = "1") -> str:
    """The Pact Broker path of one consumer version's pact."""
    return f"/pacts/provider/{provider}/consumer/{consumer}/version/{version}"


def send_json_text(server: Server, method: str, path: str, text: str, token: str = ADMIN) -> httpx.Response:
    """``text`` sent as it is (it may not be valid JSON) as an ``application/json`` body."""
    headers = {"Content-Type": "application/json"}
    with server.client(token) as client:
        return client.request(method, path, content=text.encode(), headers=headers)


def chunked_upload(server: Server, method: str, path: str, token: str, total: int) -> tuple[int, dict[str, str], bytes]:
    """Send ``total`` bytes chunked over a raw socket, stopping when the server answers; its status, headers, body.

    After the answer the server must close the connection (it reads no more of the upload).
    """
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    piece = b" " * MIB
    frame = b"%x\r\n%s\r\n" % (len(piece), piece)
    sock.sendall(head.encode())
    sent = 0
    try:
        while sent < total and not select.select([sock], [], [], 0)[0]:
            sock.sendall(frame)
            sent += len(piece)
        if sent >= total:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed while we were still sending
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    ("method", "path", "token"),
    [("PUT", "/pacts/provider/api/consumer/web/version/big", ADMIN), ("POST", "/contracts/publish", WRITER)],
    ids=["route-reads-body", "token-check-reads-body"],
)
def test_a_chunked_body_over_16_mib_is_refused_while_read_and_the_connection_closed(
    server: Server, method: str, path: str, token: str
) -> None:
    """20 MiB chunked (no Content-Length): 413 once 16 MiB are passed, then the server closes the connection.

    The write token's publish is read by the token check (it names the pacticipants in its body), the
    admin's PUT by the route: both stop at the limit.
    """
    status, headers, body = chunked_upload(server, method, path, token, total=20 * MIB)
    assert status == 413
    assert headers.get("connection") == "close"
    assert "larger than 16777216 bytes" in json.loads(body)["detail"]
    with server.client() as client:
        assert client.get("/health").status_code == 200
        assert client.get(pact_path("web", "api", "big")).status_code == 404


def test_a_declared_content_length_over_the_limit_is_refused_before_the_body_is_sent(server: Server) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            (
                f"PUT {pact_path('web', 'api', 'declared')} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {800 * MIB}\r\n\r\n"
            ).encode()
        )
        answer = sock.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413")


@pytest.mark.parametrize(
    ("literal", "column"), [("NaN", 20), ("Infinity", 20), ("-Infinity", 20), ("1e400", 20)], ids=str
)
def test_nan_and_infinity_in_a_pact_are_refused_as_400_naming_the_place_and_nothing_is_stored(
    server: Server, literal: str, column: int
) -> None:
    """RFC 8259 has no NaN or infinity; the Pact Broker's parser (Ruby ``JSON.parse``, ``allow_nan`` false by
    default) refuses them too. Before, the pact was saved and every read of it answered 500."""
    consumer = f"nan-{literal.strip('-')}{len(literal)}"
    text = json.dumps(pact(consumer, "api", {"x": 1})).replace('"body": {"x": 1}', f'"body": {{"x": {literal}}}')
    answer = send_json_text(server, "PUT", pact_path(consumer, "api"), text)
    assert answer.status_code == 400
    problem = answer.json()
    assert f"{literal} is not a JSON number" in problem["detail"]
    assert problem["errors"][0]["pointer"] == ""
    assert "line 1 column" in problem["detail"]

    published = send_json_text(
        server, "POST", "/contracts/publish", json.dumps(publish_body(consumer, "api", text.encode()))
    )
    assert published.status_code == 400
    assert published.json()["errors"][0]["pointer"] == "/contracts/0/content"
    with server.client(READER) as client:
        assert client.get(pact_path(consumer, "api")).status_code == 404
        assert client.get(f"/pacticipants/{consumer}").status_code == 404


def test_nan_in_a_publish_body_answers_400_to_a_write_token_whose_scope_is_read_from_that_body(
    server: Server,
) -> None:
    """The token check parses the publish body to find its pacticipants: it refuses as the route would."""
    text = json.dumps(publish_body("web", "api", b"{}")).replace('"1"', "NaN")
    answer = send_json_text(server, "POST", "/contracts/publish", text, token=WRITER)
    assert answer.status_code == 400
    assert "NaN is not a JSON number" in answer.json()["detail"]


@pytest.mark.parametrize("depth", [51, 600, 5000])
def test_a_pact_nested_deeper_than_50_is_refused_as_400_on_every_write_and_for_every_token(
    server: Server, depth: int
) -> None:
    """The Pact Broker parses every body with ``max_nesting: 50`` (pact_broker ``lib/pact_broker/json.rb``
    ``PACT_PARSING_OPTIONS``); the deepest pact among the Pact specification's cases is 11 deep."""
    consumer = f"deep{depth}"
    text = with_nested(pact(consumer, "api", "NESTED"), depth - 4)  # the pact adds 4 levels above its body
    answer = send_json_text(server, "PUT", pact_path(consumer, "api"), text)
    assert answer.status_code == 400
    assert "nested too deeply: more than 50 arrays or objects" in answer.json()["detail"]
    published = send_json_text(
        server, "POST", "/contracts/publish", json.dumps(publish_body(consumer, "api", text.encode()))
    )
    assert published.status_code == 400
    assert published.json()["errors"][0]["pointer"] == "/contracts/0/content"
    as_writer = with_nested({"pacticipantName": "web", "tags": "NESTED"}, depth)
    for token in (WRITER, ADMIN):
        refused = send_json_text(server, "POST", "/contracts/publish", as_writer, token=token)
        assert (refused.status_code, refused.json()["errors"][0]["pointer"]) == (400, "")
    with server.client(READER) as client:
        assert client.get(pact_path(consumer, "api")).status_code == 404


def test_a_pact_exactly_50_deep_is_accepted_and_read_back(server: Server) -> None:
    document = pact("deep50", "api", nested(46))
    with server.client() as client:
        assert client.put(pact_path("deep50", "api"), json=document).status_code == 201
        read = client.get(pact_path("deep50", "api"))
    assert read.status_code == 200
    assert read.json()["interactions"][0]["response"]["body"] == nested(46)


def test_verification_results_environments_and_webhooks_with_nan_are_refused_and_store_nothing(
    server: Server,
) -> None:
    with server.client() as client:
        stored = client.put(pact_path("verified", "api"), json=pact("verified", "api", {"a": 1}))
        results = stored.json()["_links"]["pb:publish-verification-results"]["href"]
        result = '{"success": true, "providerApplicationVersion": "1", "testResults": [{"t": NaN}]}'
        assert send_json_text(server, "POST", results, result).status_code == 400
        assert client.get(results + "/latest").status_code == 404
        environment = '{"name": "nan-env", "production": false, "displayName": "x", "extra": Infinity}'
        assert send_json_text(server, "POST", "/environments", environment).status_code == 400
        assert client.get("/environments", params={"name": "nan-env"}).json()["_embedded"]["environments"] == []
        webhooks_before = client.get("/webhooks").json()
        webhook = (
            '{"events": [{"name": "contract_published"}], "request": {"method": "POST",'
            ' "url": "https://ci.example.com/hook", "body": {"n": -Infinity}}}'
        )
        assert send_json_text(server, "POST", "/webhooks", webhook).status_code == 400
        assert client.get("/webhooks").json() == webhooks_before


def schema_path(pacticipant: str, subject: str = "orders") -> str:
    """Where a pacticipant version's schema for ``subject`` is published."""
    return f"/polycontract/pacticipants/{pacticipant}/versions/1/schemas/{subject}"


def test_a_449_byte_yaml_alias_bomb_schema_is_refused_at_once_and_not_stored(server: Server) -> None:
    """Nine levels of nine aliases would expand to 9**9 strings (a 571 MB row before); refused before expansion."""
    assert len(ALIAS_BOMB) < 500
    started = time.monotonic()
    with server.client() as client:
        answer = client.put(schema_path("bomber"), json={"kind": "jsonschema", "schema": ALIAS_BOMB})
        elapsed = time.monotonic() - started
        assert answer.status_code == 400
        assert "expands to more than" in answer.json()["detail"]
        assert answer.json()["errors"][0]["pointer"] == "/schema"
        assert client.get(schema_path("bomber")).status_code == 404
    assert elapsed < 2


@pytest.mark.parametrize(
    ("yaml_text", "problem"),
    [
        ("type: object\nmaximum: .nan\n", ".nan is not a JSON number"),
        ("type: object\nmaximum: -.inf\n", "-.inf is not a JSON number"),
        ("type: object\nitems: &a [*a]\n", "refers to a node that contains it"),
        ("type: object\ndefault: !!binary aGVsbG8=\n", "has no JSON equivalent"),
    ],
    ids=["nan", "infinity", "cyclic-alias", "binary"],
)
def test_a_yaml_schema_json_cannot_hold_is_refused_as_400(server: Server, yaml_text: str, problem: str) -> None:
    with server.client() as client:
        answer = client.put(
            schema_path("yamlish", problem[:5].strip(" .-")), json={"kind": "jsonschema", "schema": yaml_text}
        )
    assert answer.status_code == 400
    assert problem in answer.json()["detail"]


def test_a_yaml_schema_with_a_merge_key_is_stored_as_json(server: Server) -> None:
    """Aliases within the bound are fine: a merge key repeats a mapping once."""
    text = "base: &base {type: string}\ntype: object\nproperties:\n  when:\n    <<: *base\n    minLength: 1\n"
    with server.client() as client:
        stored = client.put(schema_path("merged"), json={"kind": "jsonschema", "schema": text})
        assert stored.status_code == 201, stored.text
        schema = client.get(schema_path("merged")).json()["schema"]
    assert schema["properties"]["when"] == {"type": "string", "minLength": 1}


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
    ids=str,
)
def test_a_write_not_typed_as_json_is_refused_as_415_and_stores_nothing(
    server: Server, content_type: str | None
) -> None:
    """What a page on another site can make a browser send without a preflight (text/plain, a form, no type) is
    refused, so cached basic-auth credentials cannot be used to write (CSRF). The Pact Broker's resources accept
    only ``application/json`` (``content_types_accepted``; Webmachine answers 415 to the rest)."""
    consumer = f"csrf{abs(hash(content_type)) % 10000}"
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = json.dumps(pact(consumer, "api")).encode()
    with server.client() as client:
        for method, path, content in [
            ("PUT", pact_path(consumer, "api"), body),
            ("POST", "/contracts/publish", json.dumps(publish_body(consumer, "api", body)).encode()),
            ("POST", "/environments", b'{"name": "csrf-env", "production": false}'),
            ("PUT", f"/pacticipants/{consumer}", b'{"mainBranch": "main"}'),
            ("POST", "/webhooks/anything/execute", b""),
        ]:
            answer = client.request(method, path, content=content, headers=headers)
            assert answer.status_code == 415, (method, path, answer.text)
            assert "must be JSON" in answer.json()["detail"]
        assert client.get(f"/pacticipants/{consumer}").status_code == 404
        assert client.get("/environments", params={"name": "csrf-env"}).json()["_embedded"]["environments"] == []


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/hal+json", "APPLICATION/JSON"],
)
def test_writes_typed_as_json_or_hal_are_accepted(server: Server, content_type: str) -> None:
    consumer = f"typed{abs(hash(content_type)) % 10000}"
    with server.client() as client:
        answer = client.put(
            pact_path(consumer, "api"),
            content=json.dumps(pact(consumer, "api")),
            headers={"Content-Type": content_type},
        )
    assert answer.status_code == 201


def test_a_deployment_is_ended_with_merge_patch_json_as_the_pact_cli_sends_it(server: Server) -> None:
    """pact_broker ``lib/pact_broker/api/resources/deployed_version.rb`` accepts ``application/merge-patch+json``."""
    with server.client() as client:
        client.put(pact_path("patched", "api"), json=pact("patched", "api")).raise_for_status()
        env = client.post("/environments", json={"name": "patch-env", "production": False}).json()
        href = f"/pacticipants/patched/versions/1/deployed-versions/environment/{env['uuid']}"
        deployed = client.post(href, json={}).json()
        ended = client.patch(
            deployed["_links"]["self"]["href"],
            content=b'{"currentlyDeployed": false}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
    assert ended.status_code == 200, ended.text
    assert ended.json()["currentlyDeployed"] is False


def test_the_token_file_may_be_yaml_but_not_an_alias_bomb(tmp_path: Path) -> None:
    """The same bounded YAML loader reads the token file: a bomb there is a one-line usage error."""
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(ALIAS_BOMB + "\ntokens: []\n")
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    done = subprocess.run(
        [*command, "--port", "0", "--auth-file", str(tokens)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "expands to more than" in done.stderr
    assert "Traceback" not in done.stderr
