"""``polycontract verify`` shows a V4 interaction's test name and text comments, as the Pact verifier does.

The Pact verifier prints, under each V4 interaction, ``Test Name: <comments.testname>`` and then
``Comments:`` with one line per entry of ``comments.text`` (a list, or one string)
(pact-foundation/pact-reference ``rust/pact_verifier/src/lib.rs``, ``process_comments``); the
compatibility suite checks both (``features/V4/http_provider.feature``, "Verifying a HTTP interaction
with comments").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from polycontract.cli import cli
from tests.verifier.providers import MessageProxy, serve_messages, users_pact

EVENT: dict[str, Any] = {
    "type": "Asynchronous/Messages",
    "description": "a user created event",
    "providerStates": [{"name": "user exists", "params": {"id": 1}}],
    "contents": {"content": {"id": 1, "name": "alice"}, "contentType": "application/json", "encoded": False},
    "metadata": {"topic": "users"},
    "comments": {"testname": "test_user_created_event", "text": ["sent once per sign-up", "see ADR 12"]},
}


def _verify(tmp_path: Path, interaction: dict[str, Any], name: str = "alice") -> tuple[int, str]:
    path = tmp_path / "pact.json"
    path.write_text(json.dumps(users_pact(interaction, spec="4.0")))
    MessageProxy.received = []
    MessageProxy.name = name
    with serve_messages() as url:
        result = CliRunner().invoke(cli, ["verify", str(path), "--provider", "users", "--message-url", url])
    return result.exit_code, result.stdout


def test_verify_shows_the_test_name_and_each_text_comment_under_the_interaction(tmp_path: Path) -> None:
    code, out = _verify(tmp_path, EVENT)
    assert code == 0, out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "a user created event ... ok" in line)
    assert [line.strip() for line in lines[at + 1 : at + 5]] == [
        "Test Name: test_user_created_event",
        "Comments:",
        "sent once per sign-up",
        "see ADR 12",
    ]


def test_verify_shows_a_single_string_comment_and_lists_them_in_json_output(tmp_path: Path) -> None:
    event = {**EVENT, "comments": {"text": "one comment as a string"}}
    path = tmp_path / "pact.json"
    path.write_text(json.dumps(users_pact(event, spec="4.0")))
    MessageProxy.received = []
    MessageProxy.name = "alice"
    with serve_messages() as url:
        runner = CliRunner()
        text = runner.invoke(cli, ["verify", str(path), "--provider", "users", "--message-url", url]).stdout
        data = json.loads(
            runner.invoke(
                cli, ["verify", str(path), "--provider", "users", "--message-url", url, "--output", "json"]
            ).stdout
        )
    assert "one comment as a string" in text and "Test Name" not in text
    [entry] = data["interactions"]
    assert entry["comments"] == ["one comment as a string"] and entry["testName"] is None


def test_a_failed_message_verification_lists_its_mismatch_lines_after_the_comments(tmp_path: Path) -> None:
    code, out = _verify(tmp_path, EVENT, name="bob")
    assert code == 1, out
    assert "Test Name: test_user_created_event" in out
    failures = out[out.index("Failures:") :]
    assert '1) $.contents.name: Expected "bob" to be equal to "alice"' in failures, out
