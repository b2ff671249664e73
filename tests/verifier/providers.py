"""Small providers for the verifier tests: one WSGI app, served over a real socket or called in-process."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

StartResponse = Callable[..., Any]


class UsersApp:
    """A users API: ``GET /users/<id>``, ``POST /users``, ``GET /slow``, ``GET /text``, ``POST /_pact/state``."""

    def __init__(self) -> None:
        self.users: dict[int, str] = {}
        self.state_calls: list[dict[str, Any]] = []
        self.seen_headers: list[dict[str, str]] = []
        self.broken = False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        self.seen_headers.append(
            {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        )
        status, payload, content_type = self.route(method, path, body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]

    def route(self, method: str, path: str, body: bytes) -> tuple[str, Any, str]:
        if path.startswith("/api/"):
            path = path[4:]
        if method == "POST" and path == "/_pact/state":
            call = json.loads(body)
            self.state_calls.append(call)
            if call["action"] == "setup" and call["state"] == "user exists":
                user_id = int(call["params"].get("id", 1))
                self.users[user_id] = "alice"
                return "200 OK", {"id": user_id}, "application/json"
            if call["action"] == "teardown":
                self.users.clear()
            return "200 OK", {}, "application/json"
        if method == "GET" and path.startswith("/users/"):
            user_id = int(path.rsplit("/", 1)[1])
            if user_id not in self.users:
                return "404 Not Found", {"error": "no such user"}, "application/json"
            ident: Any = str(user_id) if self.broken else user_id
            return "200 OK", {"id": ident, "name": self.users[user_id]}, "application/json"
        if method == "POST" and path == "/users":
            data = json.loads(body)
            return "201 Created", {"id": 99, "name": data["name"]}, "application/json"
        if path == "/slow":
            time.sleep(2)
            return "200 OK", {}, "application/json"
        if path == "/text":
            return "200 OK", b"<html>oops</html>", "text/html"
        return "404 Not Found", {"error": "no route"}, "application/json"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self._handle, args=(request, client_address), daemon=True)
        thread.start()

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1, port 0; yields the base URL and stops the server afterwards."""
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_Quiet)
    with _running(server) as url:
        yield url


def users_pact(*interactions: dict[str, Any], spec: str = "3.0.0") -> dict[str, Any]:
    """A pact document web -> users with the given interactions."""
    return {
        "consumer": {"name": "web"},
        "provider": {"name": "users"},
        "interactions": list(interactions),
        "metadata": {"pactSpecification": {"version": spec}},
    }


def get_user(user_id: int = 1, *, description: str = "get user", state: str | None = "user exists") -> dict[str, Any]:
    """A V3 interaction: GET /users/<id> answers an integer id and a string name."""
    interaction: dict[str, Any] = {
        "description": description,
        "request": {"method": "GET", "path": f"/users/{user_id}"},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": {"id": user_id, "name": "alice"},
            "matchingRules": {"body": {"$.id": {"matchers": [{"match": "integer"}]}}},
        },
    }
    if state:
        interaction["providerStates"] = [{"name": state, "params": {"id": user_id}}]
    return interaction


class MessageProxy(BaseHTTPRequestHandler):
    """Makes messages like Pact's message proxy: it receives ``POST {description, providerStates}`` and
    answers the message as the body, its metadata in ``Pact-Message-Metadata`` (base64 JSON)."""

    received: list[dict[str, Any]] = []
    name = "alice"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(body)
        if body["description"] != "a user created event":
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps({"id": body["providerStates"][0]["params"]["id"], "name": self.name}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Pact-Message-Metadata", base64.b64encode(json.dumps({"topic": "users"}).encode()).decode())
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_messages() -> Iterator[str]:
    """Serve `MessageProxy` on 127.0.0.1, port 0; yields the base URL."""
    with _running(ThreadingHTTPServer(("127.0.0.1", 0), MessageProxy)) as url:
        yield url


@contextmanager
def _running(server: ThreadingHTTPServer | WSGIServer) -> Iterator[str]:
    """``server`` serving in a thread; yields its base URL and stops it afterwards."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
