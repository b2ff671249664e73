"""Webhook secrets stay secret: against a real server on 127.0.0.1, no reader but an admin token sees one.

Seventeen secrets are planted in two webhooks — credential headers under the usual names (``Authorization``,
``X-API_KEY``, ``X-Auth-Key``, ``Ocp-Apim-Subscription-Key``, …) and under a harmless name, ``username`` /
``password`` (basic auth), credentials in the URL, a token as a path segment, ``?token=`` and ``?code=`` in
the query, a token in the body template — and the receiver echoes each request back, so the delivery log
holds them too. Then everything a read token, a write token and an anonymous client can read is searched.

The Pact Broker masks the same kinds of values: ``Authorization`` and token headers and the basic-auth password
(pact_broker ``lib/pact_broker/webhooks/webhook_request_template.rb``, ``redacted_headers`` and
``display_password``), token query parameters (``lib/pact_broker/webhooks/url_redactor.rb``) and the logs of an
execution (``lib/pact_broker/webhooks/redact_logs.rb``).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from polycontract.broker import Broker, connect
from polycontract.broker._api.app import create_app
from polycontract.broker._api.auth import AuthConfig, token_sha256
from polycontract.broker._values.redaction import masked_url, redacted_text
from tests.broker.conftest import PactMaker, ticking_clock
from tests.broker.http_twin import Served

pytest.importorskip("uvicorn")

ADMIN, WRITER, READER = "admin-token-0123456789", "writer-token-0123456789", "reader-token-0123456789"
#: The planted secrets, by where they are written.
HEADERS = {
    "Authorization": "Bearer bearer-secret-01",
    "X-API_KEY": "api key secret two",
    "X-Auth-Key": "auth-key-secret-03",
    "Ocp-Apim-Subscription-Key": "apim-secret-04",
    "X-Hub-Signature": "sha256=signature-secret-05",
    "Cookie": "session=cookie-secret-06",
    "Private-Token": "gitlab-secret-07",
    "X-Trigger": "Token scheme-secret-08",
    "X-Build": "3f9a8b7c6d5e4f3a2b1c09",
}
BASIC = ("basic-user-10", "basic-password-11")
URL_USER, URL_PASSWORD = "url-user-12", "url-password-13"
PATH_TOKEN = "T0A1B2C3D4E5F6G7H8J9K14"
QUERY = {"token": "query-token-15", "code": "query-code-16"}
BODY = {"token": "body-token-17", "pact": "${pactbroker.pactUrl}"}
SECRETS = (
    "bearer-secret-01",
    "api key secret two",
    "auth-key-secret-03",
    "apim-secret-04",
    "signature-secret-05",
    "cookie-secret-06",
    "gitlab-secret-07",
    "scheme-secret-08",
    "3f9a8b7c6d5e4f3a2b1c09",
    *BASIC,
    URL_USER,
    URL_PASSWORD,
    PATH_TOKEN,
    *QUERY.values(),
    "body-token-17",
)


def _forms(secret: str) -> set[str]:
    """A secret as written and as it may be re-encoded on its way into a document or a log."""
    return {secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1]}


def _credentials(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


#: Every form a planted secret could be read in: the secret, encoded, and basic-auth credentials holding it.
LEAKS = {f for s in SECRETS for f in _forms(s)} | {_credentials(*BASIC), _credentials(URL_USER, URL_PASSWORD)}


def _leaked(text: str) -> list[str]:
    return sorted(leak for leak in LEAKS if leak in text)


@pytest.fixture
def echo() -> Iterator[list[dict[str, Any]]]:
    """A receiver on 127.0.0.1 that answers every request with the request itself, as JSON (what it records)."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            request = {"path": self.path, "headers": dict(self.headers), "body": body}
            seen.append(request)
            answer = json.dumps(request).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen.append({"port": server.server_address[1]})
    yield seen
    server.shutdown()
    server.server_close()


def _auth() -> AuthConfig:
    return AuthConfig.from_document(
        [
            {"name": "ops", "token_sha256": token_sha256(ADMIN), "role": "admin"},
            {"name": "ci-web", "token_sha256": token_sha256(WRITER), "role": "write", "pacticipants": ["web"]},
            {"name": "dashboard", "token_sha256": token_sha256(READER), "role": "read"},
        ],
        "test",
    )


@pytest.fixture
def broker(tmp_path: Path, make_pact: PactMaker) -> Iterator[Broker]:
    with connect(f"sqlite:///{tmp_path / 'secrets.db'}", clock=ticking_clock()) as opened:
        opened.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1.0.0", branch="main")
        yield opened


def _documents(port: int) -> list[dict[str, Any]]:
    """The three webhook documents holding the seventeen secrets."""
    query = "&".join(f"{k}={v}" for k, v in QUERY.items()) + "&c=${pactbroker.consumerName}"
    url = f"http://127.0.0.1:{port}/hooks/{PATH_TOKEN}?{query}"
    events = [{"name": "contract_published"}]
    return [
        {"description": "everything", "events": events, "request": {"url": url, "headers": HEADERS, "body": BODY}},
        {
            "description": "basic auth",
            "events": events,
            "request": {"url": f"http://127.0.0.1:{port}/basic", "username": BASIC[0], "password": BASIC[1]},
        },
        {
            "description": "credentials in the URL",
            "events": events,
            "request": {"url": f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{port}/userinfo?c=1"},
        },
    ]


class Client:
    """httpx against the served app; ``token`` is sent as a bearer token (None: anonymous)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture
def served(broker: Broker) -> Iterator[Client]:
    server = Served(create_app(broker, auth=_auth()))
    try:
        yield Client(server.url)
    finally:
        server.stop()


def _plant(api: Client, echo: list[dict[str, Any]], token: str | None) -> list[str]:
    """Create the webhooks, send each once; their ids."""
    ids = []
    for document in _documents(echo[0]["port"]):
        created = api("POST", "/webhooks", token, json=document)
        assert created.status_code == 201, created.text
        ids.append(created.json()["uuid"])
        assert api("POST", f"/webhooks/{ids[-1]}/execute", token, json={}).json()["success"] is True
    return ids


def _readable(api: Client, ids: list[str], token: str | None) -> dict[str, str]:
    """Every answer a token may read that could hold a webhook's secret, by path."""
    paths = ["/", "/openapi.json", "/webhooks", "/webhooks/provider/auth/consumer/web"]
    paths += [p for i in ids for p in (f"/webhooks/{i}", f"/polycontract/webhooks/{i}/deliveries")]
    answers = {path: api("GET", path, token) for path in paths}
    assert {p: a.status_code for p, a in answers.items()} == dict.fromkeys(paths, 200)
    return {path: answer.text for path, answer in answers.items()}


def test_read_and_write_tokens_read_no_planted_webhook_secret_in_any_answer_or_delivery_log(
    served: Client, echo: list[dict[str, Any]]
) -> None:
    ids = _plant(served, echo, ADMIN)
    sent = json.dumps(echo[1:])  # every secret was sent, credentials as Authorization: Basic
    assert all(s in sent for s in SECRETS if s not in (*BASIC, URL_USER, URL_PASSWORD))
    assert _credentials(*BASIC) in sent and _credentials(URL_USER, URL_PASSWORD) in sent
    for token in (READER, WRITER):
        answers = _readable(served, ids, token)
        assert {path: _leaked(text) for path, text in answers.items() if _leaked(text)} == {}
        hook = served("GET", f"/webhooks/{ids[0]}", token).json()["request"]
        assert hook["headers"] == dict.fromkeys(HEADERS, "***")
        port = echo[0]["port"]
        assert hook["url"] == f"http://127.0.0.1:{port}/hooks/***?token=***&code=***&c=" + "${pactbroker.consumerName}"
        userinfo = served("GET", f"/webhooks/{ids[2]}", token).json()["request"]["url"]
        assert userinfo == f"http://***:***@127.0.0.1:{port}/userinfo?c=***"
        assert hook["body"] == {"token": "***", "pact": "${pactbroker.pactUrl}"}
        [attempt] = served("GET", f"/polycontract/webhooks/{ids[0]}/deliveries", token).json()["deliveries"]
        assert attempt["success"] is True and "***" in attempt["response"]


def test_an_admin_token_reads_the_stored_configuration_and_puts_it_back_unchanged(
    served: Client, echo: list[dict[str, Any]]
) -> None:
    """An admin edits a webhook by reading it and writing it back, so it must read what is stored."""
    ids = _plant(served, echo, ADMIN)
    stored = served("GET", f"/webhooks/{ids[0]}", ADMIN).json()
    assert stored["request"]["headers"] == HEADERS and stored["request"]["body"] == BODY
    assert PATH_TOKEN in stored["request"]["url"] and QUERY["token"] in stored["request"]["url"]
    assert f"{URL_USER}:{URL_PASSWORD}@" in served("GET", f"/webhooks/{ids[2]}", ADMIN).json()["request"]["url"]
    [attempt] = served("GET", f"/polycontract/webhooks/{ids[0]}/deliveries", ADMIN).json()["deliveries"]
    assert "auth-key-secret-03" in attempt["response"]  # the receiver's answer as it came
    document = {k: stored[k] for k in ("description", "events", "request")}
    replaced = served("PUT", f"/webhooks/{ids[0]}", ADMIN, json={**document, "description": "renamed"})
    assert replaced.status_code == 200 and replaced.json()["request"]["headers"] == HEADERS
    assert served("POST", f"/webhooks/{ids[0]}/execute", ADMIN, json={}).json()["success"] is True
    assert echo[-1]["headers"]["X-Auth-Key"] == "auth-key-secret-03" and echo[-1]["path"] == echo[1]["path"]


def test_without_auth_every_answer_the_execute_answer_included_hides_the_secrets(
    broker: Broker, echo: list[dict[str, Any]]
) -> None:
    """A server without tokens has no admin: everyone reads the masked view, the answer to ``execute`` too."""
    server = Served(create_app(broker))
    try:
        api = Client(server.url)
        ids = _plant(api, echo, None)
        executed = api("POST", f"/webhooks/{ids[0]}/execute", json={}).text
        answers = {**_readable(api, ids, None), "execute": executed}
    finally:
        server.stop()
    assert {path: _leaked(text) for path, text in answers.items() if _leaked(text)} == {}
    hook = broker.webhook(ids[0])  # the `Broker` method reads the same masked view
    assert hook.headers == dict.fromkeys(HEADERS, "***") and not _leaked(repr(hook))


def test_the_server_log_holds_no_secret_of_a_webhook_or_a_query(
    served: Client, echo: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """The access log masks credential-named query parameters; failed deliveries log no URL or header."""
    caplog.set_level(logging.DEBUG)
    ids = _plant(served, echo, ADMIN)
    _readable(served, ids, READER)
    assert served("GET", "/pacticipants?token=query-token-15&api_key=query-code-16&page=2", READER).status_code
    created = served("POST", "/webhooks", ADMIN, json=_documents(1)[0])  # port 1: nobody listens, it fails
    assert served("POST", f"/webhooks/{created.json()['uuid']}/execute", ADMIN, json={}).json()["success"] is False
    server = [r for r in caplog.records if r.name.startswith(("polycontract", "uvicorn"))]  # what `broker serve` logs
    logged = "\n".join(r.getMessage() for r in server)
    assert '"query":"token=***&api_key=***&page=2"' in logged
    assert _leaked(logged) == []


def test_urls_and_logs_are_masked_however_a_secret_is_written() -> None:
    """The rules behind the answers above, on the shapes the server tests do not reach."""
    assert masked_url("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXX1a") == (
        "https://hooks.slack.com/services/T000/B000/***"
    )
    assert masked_url("http://0[/x?token=a") == "http://0[/x?***"  # unparsable: the query goes whole
    assert masked_url("http://ci@h/run#k") == "http://***@h/run#***"
    answer = '{"X-Api-Key": "k", "auth": "Bearer b"} token=q&n=1 https://u:p@h/ cut at the end: secret-va'
    assert redacted_text(answer, ["secret-value-99"]) == (
        '{"X-Api-Key": "***", "auth": "***"} token=***&n=1 https://***@h/ cut at the end: ***'
    )
