"""Interop: one message endpoint in the shape of Pact's message proxy, verified by ``pact verifier`` (the
Rust reference, from npm ``@pact-foundation/pact-cli``) and by ``polycontract verify --message-url``.

Both POST ``{"description", "providerStates"}`` to the endpoint and read the message from the answer
(metadata in ``Pact-Message-Metadata``); both pass it, and both fail it when the message is wrong.
Skips only when the ``pact`` binary is missing (``.ci/run`` installs it under ``.ci/node``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from polycontract.cli import cli
from tests.verifier.providers import MessageProxy, serve_messages, users_pact

_LOCAL_BIN = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / ".bin"
PACT = shutil.which("pact") or shutil.which("pact", path=str(_LOCAL_BIN))

pytestmark = pytest.mark.skipif(PACT is None, reason="the Pact CLI (npm @pact-foundation/pact-cli) is not installed")

EVENT = {
    "type": "Asynchronous/Messages",
    "description": "a user created event",
    "providerStates": [{"name": "user exists", "params": {"id": 1}}],
    "contents": {"content": {"id": 1, "name": "alice"}, "contentType": "application/json", "encoded": False},
    "metadata": {"topic": "users"},
    "matchingRules": {"body": {"$.id": {"combine": "AND", "matchers": [{"match": "integer"}]}}},
}


@pytest.mark.parametrize("name", ["alice", "bob"], ids=["right message", "wrong message"])
def test_pact_verifier_and_polycontract_agree_on_a_message_endpoint(tmp_path: Path, name: str) -> None:
    assert PACT is not None
    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(users_pact(EVENT, spec="4.0")))
    MessageProxy.received = []
    MessageProxy.name = name
    with serve_messages() as url:
        theirs = subprocess.run(
            [PACT, "verifier", "-f", str(pact), "-h", "127.0.0.1", "-p", str(urlsplit(url).port),
             "--base-path", "/messages", "--no-colour"],
            capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "PACT_DO_NOT_TRACK": "true"},
        )  # fmt: skip
        ours = CliRunner().invoke(cli, ["verify", "--provider", "users", "--message-url", f"{url}/messages", str(pact)])

    expected = 0 if name == "alice" else 1
    assert theirs.returncode == expected, theirs.stdout + theirs.stderr
    assert ours.exit_code == expected, ours.stdout
    assert MessageProxy.received[0] == MessageProxy.received[1]  # the same request from both verifiers
