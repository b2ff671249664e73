"""Peak memory of ``polycontract broker serve`` under hostile request bodies (goal: under 100 MB above idle).

The server runs as a subprocess (SQLite, auth on, 127.0.0.1, ``--port 0``). Its resident memory is read from
``/proc/<pid>/status``: ``VmRSS`` idle (after a pact is published and read, so the code paths are loaded),
then for each scenario the peak ``VmHWM`` (reset before each by writing ``5`` to ``/proc/<pid>/clear_refs``)
and ``VmRSS`` once it is over:

* ``chunked-put``      -- an 800 MB chunked upload (no ``Content-Length``) to ``PUT /pacts/…`` (the route reads it),
* ``chunked-publish``  -- the same to ``POST /contracts/publish`` with a write token (the token check reads it),
* ``chunked-unrouted`` -- the same to a path no route serves, sent whole although the server answers 404 at
  once (it keeps reading the connection and drops what it reads),
* ``alias-bomb``       -- a 449-byte YAML alias bomb as a schema (``PUT …/schemas/{subject}``), then a read
  token fetching that schema.

The client streams 1 MiB chunks over a raw socket until the server answers or closes, and reports how much
it sent, the status and the seconds taken.

Run:
    python benchmarks/bench_broker_hostile_bodies.py [--upload-mb 800]
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ADMIN = "bench-admin-token-0123456789"
WRITER = "bench-writer-token-0123456789"
READER = "bench-reader-token-0123456789"
MIB = 1024 * 1024
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{x}: &{x} [{','.join([f'*{p}'] * 9)}]" for p, x in zip("abcdefgh", "bcdefghi", strict=True)]
)


def status_kib(pid: int, field: str) -> int:
    """One ``Vm*`` field of ``/proc/<pid>/status`` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> None:
    """Reset ``VmHWM`` to the current ``VmRSS`` (Linux ``clear_refs`` value 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def upload(
    url: str, method: str, path: str, token: str, total: int, *, stop_on_answer: bool = True
) -> tuple[str, int, float]:
    """Stream ``total`` bytes chunked until the server closes (or answers, with ``stop_on_answer``).

    Returns the status line, the bytes sent and the seconds taken.
    """
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    sock = socket.create_connection((host, int(port)), timeout=120)
    sock.sendall(
        (
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
    )
    piece = b" " * MIB
    frame = b"%x\r\n%s\r\n" % (len(piece), piece)
    sent = 0
    try:
        while sent < total and not (stop_on_answer and select.select([sock], [], [], 0)[0]):
            sock.sendall(frame)
            sent += len(piece)
        if sent >= total:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    try:
        while b"\r\n" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    return answer.split(b"\r\n", 1)[0].decode("latin-1") or "(closed)", sent, time.monotonic() - started


def main() -> None:
    """Run each scenario against a fresh server and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upload-mb", type=int, default=800, help="size of each chunked upload (default 800)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tokens = Path(tmp) / "tokens.json"
        tokens.write_text(
            json.dumps(
                [
                    {"name": "ops", "token": ADMIN, "role": "admin"},
                    {"name": "ci", "token": WRITER, "role": "write", "pacticipants": ["web"]},
                    {"name": "dev", "token": READER, "role": "read"},
                ]
            )
        )
        command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{tmp}/b.db"]
        command += ["--port", "0", "--auth-file", str(tokens), "--output", "json", "--log-level", "warning"]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert server.stdout is not None
            url = json.loads(server.stdout.readline())["url"]
            run(url, server.pid, args.upload_mb * MIB)
        finally:
            server.terminate()
            server.wait(timeout=60)


def run(url: str, pid: int, total: int) -> None:
    """Warm the server up, then measure each scenario."""
    admin = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=120)
    reader = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {READER}"}, timeout=120)
    pact = {
        "consumer": {"name": "web"},
        "provider": {"name": "api"},
        "interactions": [{"description": "a", "request": {"method": "GET", "path": "/"}, "response": {"status": 200}}],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    admin.put("/pacts/provider/api/consumer/web/version/1", json=pact).raise_for_status()
    reader.get("/pacts/provider/api/consumer/web/version/1").raise_for_status()
    schema = "/polycontract/pacticipants/web/versions/1/schemas/"
    admin.put(schema + "warm", json={"kind": "jsonschema", "schema": "type: object\n"}).raise_for_status()
    time.sleep(0.5)
    idle = status_kib(pid, "VmRSS")

    def bomb() -> tuple[str, int, float]:
        started = time.monotonic()
        answer = admin.put(schema + "bomb", json={"kind": "jsonschema", "schema": ALIAS_BOMB})
        read = reader.get(schema + "bomb")
        return f"{answer.status_code} (read {read.status_code})", len(ALIAS_BOMB), time.monotonic() - started

    scenarios: list[tuple[str, Callable[[], tuple[str, int, float]]]] = [
        ("chunked-put", lambda: upload(url, "PUT", "/pacts/provider/api/consumer/web/version/2", ADMIN, total)),
        ("chunked-publish", lambda: upload(url, "POST", "/contracts/publish", WRITER, total)),
        ("chunked-unrouted", lambda: upload(url, "PUT", "/no/such/route", ADMIN, total, stop_on_answer=False)),
        ("alias-bomb", bomb),
    ]
    print(f"server pid {pid}; idle VmRSS {idle / 1024:.1f} MB; uploads of {total // MIB} MiB")
    print(
        f"{'scenario':18} {'answer':28} {'sent MiB':>9} {'seconds':>8} {'peak MB':>8} {'over idle':>9} {'after MB':>8}"
    )
    for name, scenario in scenarios:
        reset_peak(pid)
        answer, sent, seconds = scenario()
        time.sleep(0.3)
        peak, after = status_kib(pid, "VmHWM"), status_kib(pid, "VmRSS")
        print(
            f"{name:18} {answer[:28]:28} {sent / MIB:9.1f} {seconds:8.2f} {peak / 1024:8.1f}"
            f" {(peak - idle) / 1024:9.1f} {after / 1024:8.1f}"
        )
    print(f"afterwards GET /health: {admin.get('/health').status_code}")


if __name__ == "__main__":
    main()
