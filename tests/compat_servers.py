"""Small real HTTP servers the compatibility suite's provider scenarios need, each on 127.0.0.1:0.

* `StubProvider` answers each request with the response of the interaction declared for its method and
  path, records the requests it saw, and serves a provider-state callback at ``/_pact/state`` (which
  records each call and can be told to fail) and messages at ``/_pact/messages`` as Pact's message
  proxy does (``POST {"description"}``; the metadata in a base64 JSON ``Pact-Message-Metadata`` header).
* `StubBroker` is the part of the Pact Broker's HAL API a verifier uses, shaped as the Pact Broker
  answers it (pact-foundation/pact_broker ``lib/pact_broker/api/decorators/verifiable_pact_decorator.rb``:
  each pact's ``self`` link is its ``pact-version`` URL; ``pact_decorator.rb``: a pact carries a
  ``pb:publish-verification-results`` link), recording every verification result posted to it. The
  compatibility suite's ``pact-broker_c1.json`` fixture describes the same calls.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

from polycontract.model import Body, Response

__all__ = ["Call", "Received", "StubBroker", "StubProvider"]


@dataclass(frozen=True)
class Received:
    """A request the stub provider saw."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Call:
    """A provider-state callback call: the state, its params and ``setup`` or ``teardown``."""

    state: str
    params: dict[str, Any]
    action: str


def encode_body(body: Any) -> bytes:
    """The bytes of a model body (JSON values as JSON)."""
    if not isinstance(body, Body):
        return b""
    content = body.content
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return json.dumps(content).encode("utf-8")


Handled = tuple[int, list[tuple[str, str]], bytes]


class _Server:
    def __init__(self, handle: Callable[[str, str, dict[str, str], bytes], Handled]):
        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                status, headers, body = handle(self.command, self.path, dict(self.headers.items()), data)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Serving(ABC):
    """``start`` serves ``_handle`` on a `_Server`; ``url`` is where, ``stop`` ends it."""

    _server: _Server | None

    def start(self) -> Self:
        self._server = _Server(self._handle)
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @abstractmethod
    def _handle(self, method: str, target: str, headers: dict[str, str], data: bytes) -> Handled:
        """The answer to one request."""


@dataclass
class StubProvider(_Serving):
    """A provider returning the declared responses; ``state_failure`` makes the state callback answer 500."""

    responses: dict[tuple[str, str], Response]
    state_failure: bool = False
    #: Messages by description: (contents, content type, metadata), served at ``POST /_pact/messages``.
    messages: dict[str, tuple[bytes, str, dict[str, Any]]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    _server: _Server | None = None

    def _handle(
        self, method: str, target: str, headers: dict[str, str], data: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        path = urlsplit(target).path
        if path == "/_pact/state":
            doc = json.loads(data or b"{}")
            self.calls.append(Call(doc.get("state") or "", doc.get("params") or {}, doc.get("action") or "setup"))
            return (
                (500, [], b"state failed")
                if self.state_failure
                else (200, [("Content-Type", "application/json")], b"{}")
            )
        if path == "/_pact/messages":
            description = json.loads(data or b"{}").get("description")
            if description not in self.messages:
                return 404, [], b""
            contents, media, metadata = self.messages[description]
            encoded = base64.b64encode(json.dumps(metadata).encode()).decode()
            return 200, [("Content-Type", media), ("Pact-Message-Metadata", encoded)], contents
        self.received.append(Received(method, path, headers))
        response = self.responses.get((method.upper(), path))
        if response is None:
            return 404, [], b""
        out = [(name, value) for name, values in response.headers.items() for value in values]
        return response.status, out, encode_body(response.body)


@dataclass
class StubBroker(_Serving):
    """Pacts for verification (``POST /pacts/provider/{p}/for-verification``) and results posted back."""

    provider: str
    pacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _server: _Server | None = None

    def add(self, consumer: str, pact: dict[str, Any]) -> None:
        self.pacts[consumer] = pact

    def _digest(self, consumer: str) -> str:
        return hashlib.sha1(json.dumps(self.pacts[consumer], sort_keys=True).encode()).hexdigest()

    def _pact_url(self, consumer: str) -> str:
        return f"{self.url}/pacts/provider/{self.provider}/consumer/{consumer}/pact-version/{self._digest(consumer)}"

    def _handle(
        self, method: str, target: str, headers: dict[str, str], data: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        path = urlsplit(target).path
        base = f"/pacts/provider/{self.provider}"
        doc: Any
        if path == "/":
            href = f"{self.url}/pacts/provider/{{provider}}/for-verification"
            doc = {"_links": {"pb:provider-pacts-for-verification": {"href": href, "templated": True}}}
        elif path == f"{base}/for-verification":
            pacts = [
                {
                    "shortDescription": "latest",
                    "verificationProperties": {"pending": False},
                    "_links": {"self": {"href": self._pact_url(c), "name": f"Pact between {c} and {self.provider}"}},
                }
                for c in self.pacts
            ]
            doc = {"_embedded": {"pacts": pacts}, "_links": {"self": {"href": f"{self.url}{base}/for-verification"}}}
        elif method == "GET" and (consumer := _consumer_of(path, base)) in self.pacts:
            link = {"href": self._pact_url(consumer) + "/verification-results"}
            doc = {**self.pacts[consumer], "_links": {"pb:publish-verification-results": link}}
        elif method == "POST" and path.endswith("/verification-results"):
            consumer = _consumer_of(path, base) or ""
            self.results.append((consumer, json.loads(data or b"{}")))
            doc = {"success": True}
            return 201, [("Content-Type", "application/hal+json")], json.dumps(doc).encode()
        else:
            return 404, [("Content-Type", "application/json")], b'{"error": "not found"}'
        return 200, [("Content-Type", "application/hal+json")], json.dumps(doc).encode()


def _consumer_of(path: str, base: str) -> str | None:
    if not path.startswith(base + "/consumer/"):
        return None
    return path[len(base) + len("/consumer/") :].split("/")[0]
