"""The datetime patterns `match.datetime` infers from ISO 8601 examples mean the same to the Pact reference verifier.

One pact holds an interaction per (example, provider value) case, each with the pattern polycontract
wrote for the example; the official ``pact verifier`` (npm ``@pact-foundation/pact-cli``) replays it
against a provider on 127.0.0.1 that answers each case's value, and its verdicts must equal
polycontract's. Known differences of the reference matcher are left out of the cases: it rejects
offsets of 12 hours or more for ``XXX`` and accepts fewer fraction digits than ``SSS…`` asks for.

Skips only when the ``pact`` binary is missing (``.ci/run`` installs it under ``.ci/node``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from polycontract import match
from polycontract.matching import compare_response

_LOCAL_BIN = Path(__file__).resolve().parents[1] / ".ci" / "node" / "node_modules" / ".bin"
PACT = shutil.which("pact") or shutil.which("pact", path=str(_LOCAL_BIN))

pytestmark = pytest.mark.skipif(PACT is None, reason="the Pact CLI (npm @pact-foundation/pact-cli) is not installed")

#: (example the consumer wrote, value the provider answers)
CASES = [
    ("2024-05-01T10:00:00+00:00", "2024-05-01T10:00:00+00:00"),
    ("2024-05-01T10:00:00+00:00", "2031-12-31T23:59:59Z"),
    ("2024-05-01T10:00:00+00:00", "1999-01-02T03:04:05-05:30"),
    ("2024-05-01T10:00:00+00:00", "2024-05-01T10:00:00"),
    ("2024-05-01T10:00:00+00:00", "2024-05-01T10:00:00+0000"),
    ("2024-05-01T10:00:00+00:00", "2024-05-01T10:00:00.123456+00:00"),
    ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00+02:00"),
    ("2024-05-01T10:00:00.123456+02:00", "2024-06-30T23:59:59.000001Z"),
    ("2024-05-01T10:00:00.123456+02:00", "2024-06-30T23:59:59+02:00"),
    ("2024-05-01T10:00:00.123Z", "2024-06-30T23:59:59.999-03:00"),
    ("2024-05-01T10:00:00+0200", "2024-05-01T10:00:00Z"),
    ("2024-05-01T10:00:00+0200", "2024-05-01T10:00:00-0700"),
    ("2024-05-01T10:00:00+0200", "2024-05-01T10:00:00-07:00"),
    ("2024-05-01T10:00:00", "2024-05-01T10:00:00"),
    ("2024-05-01T10:00:00", "2024-05-01T10:00:00Z"),
    ("2024-05-01 10:00", "2024-12-24 18:30"),
]
ENV = {**os.environ, "PACT_DO_NOT_TRACK": "true"}


def _interaction(index: int, example: str) -> dict[str, object]:
    compiled = match.compile({"at": match.datetime(example)})
    return {
        "type": "Synchronous/HTTP",
        "description": f"case {index}",
        "request": {"method": "GET", "path": f"/cases/{index}"},
        "response": {
            "status": 200,
            "headers": {"Content-Type": ["application/json"]},
            "body": {"contentType": "application/json", "encoded": False, "content": compiled.example},
            "matchingRules": {"body": compiled.rules_json()},
        },
    }


@contextmanager
def _provider() -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = json.dumps({"at": CASES[int(self.path.rsplit("/", 1)[1])][1]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _ours() -> list[bool]:
    verdicts = []
    for example, value in CASES:
        stamp = match.datetime(example)
        expected = {
            "status": 200,
            "body": {"at": example},
            "matchingRules": {"body": match.compile({"at": stamp}).rules_json()},
        }
        verdicts.append(not compare_response(expected, {"status": 200, "body": {"at": value}}, spec="V3"))
    return verdicts


def test_the_pact_verifier_gives_the_same_verdicts_for_inferred_datetime_patterns(tmp_path: Path) -> None:
    assert PACT is not None
    pact = {
        "consumer": {"name": "web"},
        "provider": {"name": "clock"},
        "interactions": [_interaction(i, example) for i, (example, _) in enumerate(CASES)],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    pact_file, report = tmp_path / "web-clock.json", tmp_path / "report.json"
    pact_file.write_text(json.dumps(pact))
    with _provider() as port:
        command = [PACT, "verifier", "-f", str(pact_file), "-h", "127.0.0.1", "-p", str(port), "-j", str(report)]
        subprocess.run([*command, "--no-colour"], capture_output=True, text=True, timeout=120, check=False, env=ENV)
    results = json.loads(report.read_text())["interactionResults"]
    theirs = [False] * len(CASES)
    for result in results:
        theirs[int(result["description"].split()[1])] = result["result"] == "OK"
    assert len(results) == len(CASES)
    ours = _ours()
    assert ours == theirs, [(case, o, t) for case, o, t in zip(CASES, ours, theirs, strict=True) if o != t]
    assert any(ours) and not all(ours)  # both verdicts occur
