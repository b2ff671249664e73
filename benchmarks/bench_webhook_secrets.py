"""Webhook secrets against ``polycontract broker serve``: how many a read token, a write token and the log show.

The server runs as a subprocess over a fresh SQLite file on 127.0.0.1 with admin, write and read tokens,
allowing webhooks to a local receiver that answers each request with the request itself (so the delivery
log holds every secret it was sent). An admin plants 17 secrets in three webhooks — credential headers,
a header holding a bare token, basic auth, URL credentials, a path token, query values, a body field —
sends each once and publishes a pact (event deliveries). Then every answer a read or write token can GET
(index, OpenAPI document, listings, each webhook, each delivery log), plus a request with ``?token=`` in
its query, is searched for each secret (as written, percent-encoded, JSON-escaped, in basic credentials),
and so is the server's log (``--log-level debug``).

Printed: how many of the 17 each reader sees, how many the log holds, and how many the admin sees (all).

Run:
    python benchmarks/bench_webhook_secrets.py
"""

from __future__ import annotations

import base64
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from bench_broker_slow_connections import start_server

TOKENS = {"admin": "admin-token-0123456789", "write": "writer-token-0123456789", "read": "reader-token-0123456789"}
PLANTED = {
    "headers": {
        "Authorization": "Bearer s01-bearer",
        "X-API_KEY": "s02 api key",
        "X-Auth-Key": "s03-auth-key",
        "Ocp-Apim-Subscription-Key": "s04-apim",
        "X-Hub-Signature": "sha256=s05-signature",
        "Cookie": "session=s06-cookie",
        "Private-Token": "s07-gitlab",
        "X-Trigger": "Token s08-scheme",
        "X-Build": "s09a8b7c6d5e4f3a2b1c0",
    },
    "basic": ("s10-basic-user", "s11-basic-password"),
    "userinfo": ("s12-url-user", "s13-url-password"),
    "path": "s14T0A1B2C3D4E5F6G7H8",
    "query": ("s15-query-token", "s16-query-code"),
    "body": "s17-body-token",
}


def secrets() -> list[str]:
    """The 17 planted values, in order."""
    values = [v.split(" ", 1)[-1].split("=", 1)[-1] for v in PLANTED["headers"].values()]
    return [*values, *PLANTED["basic"], *PLANTED["userinfo"], PLANTED["path"], *PLANTED["query"], PLANTED["body"]]


def found_in(text: str) -> set[str]:
    """The planted secrets ``text`` shows in any form."""

    def forms(secret: str) -> set[str]:
        return {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}

    shown = {s for s in secrets() if any(f in text for f in forms(s))}
    for user, password in (PLANTED["basic"], PLANTED["userinfo"]):
        if base64.b64encode(f"{user}:{password}".encode()).decode() in text:
            shown |= {user, password}
    return shown


def echo_receiver() -> int:
    """A local server answering every POST with the request as JSON; its port."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            answer = json.dumps({"path": self.path, "headers": dict(self.headers), "body": body}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


def webhooks(port: int) -> list[dict[str, Any]]:
    """The three webhook documents holding the planted secrets."""
    base, events = f"http://127.0.0.1:{port}", [{"name": "contract_published"}]
    (token, code), (user, password) = PLANTED["query"], PLANTED["userinfo"]
    url = f"{base}/hooks/{PLANTED['path']}?token={token}&code={code}"
    body = {"token": PLANTED["body"], "pact": "${pactbroker.pactUrl}"}
    basic = {"url": base + "/basic", "username": PLANTED["basic"][0], "password": PLANTED["basic"][1]}
    return [
        {"events": events, "request": {"url": url, "headers": PLANTED["headers"], "body": body}},
        {"events": events, "request": basic},
        {"events": events, "request": {"url": f"http://{user}:{password}@127.0.0.1:{port}/userinfo"}},
    ]


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        tokens = Path(folder) / "tokens.json"
        entries = [{"name": role, "token": token, "role": role} for role, token in TOKENS.items()]
        entries[1]["pacticipants"] = ["web"]
        tokens.write_text(json.dumps(entries))
        port = echo_receiver()
        extra = ["--auth-file", str(tokens), "--log-level", "debug"]
        extra += ["--webhook-allow-scheme", "http", "--webhook-allow-host", "127.0.0.1"]
        process, broker_port = start_server(Path(folder), extra)
        try:
            api = httpx.Client(base_url=f"http://127.0.0.1:{broker_port}", timeout=30)
            admin = {"Authorization": f"Bearer {TOKENS['admin']}"}
            api.put("/pacticipants/web", headers=admin, json={"name": "web"})
            ids = [api.post("/webhooks", headers=admin, json=doc).json()["uuid"] for doc in webhooks(port)]
            for hook in ids:
                api.post(f"/webhooks/{hook}/execute", headers=admin, json={})
            pact = {"consumer": {"name": "web"}, "provider": {"name": "auth"}, "interactions": []}
            api.put("/pacts/provider/auth/consumer/web/version/1.0.0", headers=admin, json=pact)
            time.sleep(2)  # the event deliveries
            paths = ["/", "/openapi.json", "/webhooks", "/pacticipants?token=s15-query-token"]
            paths += [p for h in ids for p in (f"/webhooks/{h}", f"/polycontract/webhooks/{h}/deliveries")]
            for role, token in TOKENS.items():
                answers = [api.get(p, headers={"Authorization": f"Bearer {token}"}) for p in paths]
                shown = set().union(*(found_in(a.text) for a in answers))
                statuses = sorted({a.status_code for a in answers})
                print(f"{role} token: {len(shown)} of {len(secrets())} secrets visible (statuses {statuses})")
        finally:
            process.terminate()
            process.wait(timeout=30)
        log = (Path(folder) / "serve.log").read_text()
        print(f"server log ({len(log.splitlines())} lines, debug): {len(found_in(log))} of {len(secrets())} secrets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
