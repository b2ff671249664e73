"""Interop with the official Pact CLI (npm ``@pact-foundation/pact-cli``, the Rust reference tools).

* A pact written by the CLI's mock server is verified by polycontract and by ``pact verifier`` against
  the same provider on 127.0.0.1: both pass it, and both fail the same interactions when it is broken.
* A pact written by polycontract is verified by ``pact verifier`` with the same verdicts.

The CLI's mock server records response bodies as base64 with ``contentType: "*/*"``, which its own
verifier then compares byte for byte; polycontract trusts the recorded ``Content-Type`` header and
applies the JSON matching rules instead. The provider here answers compact JSON, so both agree; a
provider that only changes JSON whitespace would pass polycontract and fail ``pact verifier``.

Skips only when the ``pact`` binary is missing (``.ci/run`` installs it under ``.ci/node``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from polycontract.codec import dumps_pact, load_pact
from polycontract.verifier import Verifier
from tests.verifier.providers import UsersApp, get_user, serve, users_pact

_LOCAL_BIN = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / ".bin"
PACT = shutil.which("pact") or shutil.which("pact", path=str(_LOCAL_BIN))

pytestmark = pytest.mark.skipif(PACT is None, reason="the Pact CLI (npm @pact-foundation/pact-cli) is not installed")

SEED = users_pact(
    get_user(1),
    {"description": "missing user", "request": {"method": "GET", "path": "/users/404"}, "response": {"status": 404}},
)


#: The CLI reports usage to the Pact Foundation unless told not to.
ENV = {**os.environ, "PACT_DO_NOT_TRACK": "true"}


def _pact(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    assert PACT is not None
    return subprocess.run([PACT, *args], capture_output=True, text=True, timeout=timeout, check=False, env=ENV)


@pytest.fixture(scope="module")
def cli_pact(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A pact written by the Pact CLI's mock server after the consumer exercised every interaction."""
    assert PACT is not None
    work = tmp_path_factory.mktemp("pact-cli")
    seed = work / "seed.json"
    seed.write_text(json.dumps({**SEED, "consumer": {"name": "cli-web"}}))
    out = work / "out"
    master = subprocess.Popen(
        [PACT, "mock", "start", "-p", "0", "-h", "127.0.0.1", "-o", str(out), "--no-file-log", "--no-term-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
    )
    try:
        port = key = None
        deadline = time.monotonic() + 30
        assert master.stdout is not None
        while (port is None or key is None) and time.monotonic() < deadline:
            line = master.stdout.readline()
            port = port or (m.group(1) if (m := re.search(r"started on port (\d+)", line)) else None)
            key = key or (m.group(1) if (m := re.search(r"Server key: '([^']+)'", line)) else None)
        assert port and key, "the Pact CLI mock server did not start"
        created = _pact("mock", "create", "-f", str(seed), "-p", port, "-h", "127.0.0.1")
        mock_port = re.search(r"started on port (\d+)", created.stdout + created.stderr)
        assert mock_port, created.stdout + created.stderr
        base = f"http://127.0.0.1:{mock_port.group(1)}"
        assert httpx.get(f"{base}/users/1").json() == {"id": 1, "name": "alice"}
        assert httpx.get(f"{base}/users/404").status_code == 404
        verified = _pact("mock", "verify", "-m", mock_port.group(1), "-p", port, "-h", "127.0.0.1")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        _pact("mock", "shutdown-master", "-p", port, "-h", "127.0.0.1", "-k", key)
        yield out / "cli-web-users.json"
    finally:
        master.terminate()
        master.wait(10)
        if master.stdout is not None:
            master.stdout.close()


def _cli_failures(pact_file: Path, url: str, report: Path) -> set[str]:
    port = urlsplit(url).port
    result = _pact(
        "verifier", "-f", str(pact_file), "-h", "127.0.0.1", "-p", str(port), "--state-change-url",
        f"{url}/_pact/state", "--state-change-teardown", "-j", str(report), "--no-colour",
    )  # fmt: skip
    data: dict[str, Any] = json.loads(report.read_text())
    failures = {r["description"] for r in data["interactionResults"] if r["result"] != "OK"}
    assert (result.returncode == 0) == (not failures), result.stdout
    return failures


def _polycontract_failures(pact_file: Path, url: str) -> set[str]:
    result = Verifier(provider="users", base_url=url, state_change_url="/_pact/state").verify(pact_file)
    assert not result.source_errors, result.report()
    return {r.description for r in result if not r.ok}


@pytest.mark.parametrize("broken", [False, True], ids=["correct provider", "broken provider"])
def test_a_pact_written_by_the_pact_cli_gets_the_same_verdicts(cli_pact: Path, tmp_path: Path, broken: bool) -> None:
    app = UsersApp()
    app.broken = broken
    assert load_pact(cli_pact).consumer == "cli-web"
    with serve(app) as url:
        ours = _polycontract_failures(cli_pact, url)
        theirs = _cli_failures(cli_pact, url, tmp_path / "report.json")

    assert ours == theirs == ({"get user"} if broken else set())


@pytest.mark.parametrize("spec", ["V3", "V4"])
@pytest.mark.parametrize("broken", [False, True], ids=["correct provider", "broken provider"])
def test_a_pact_written_by_polycontract_is_verified_alike_by_the_pact_cli(
    tmp_path: Path, spec: str, broken: bool
) -> None:
    pact_file = tmp_path / "web-users.json"
    pact_file.write_text(dumps_pact(load_pact(SEED), spec=spec))
    app = UsersApp()
    app.broken = broken
    with serve(app) as url:
        ours = _polycontract_failures(pact_file, url)
        theirs = _cli_failures(pact_file, url, tmp_path / "report.json")

    assert ours == theirs == ({"get user"} if broken else set())


def test_the_cli_is_on_path_for_ci() -> None:
    assert PACT is not None and os.access(PACT, os.X_OK)
