"""``polycontract verify`` in three outcomes: verified (0), failed (1), could not verify (2), and what is published.

Each test runs the CLI against a real provider on 127.0.0.1 and a real SQLite broker file.
"""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from polycontract.broker import connect
from polycontract.cli import cli
from polycontract.codec import load_pact
from tests.verifier.providers import UsersApp, get_user, users_pact

EVENT = {
    "type": "Asynchronous/Messages",
    "description": "a user created event",
    "contents": {"content": {"id": 1, "name": "alice"}, "contentType": "application/json", "encoded": False},
    "metadata": {"topic": "users"},
}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args])
    return result.exit_code, result.stdout, result.stderr


def _doc(consumer: str, *interactions: dict[str, Any], spec: str = "4.0") -> dict[str, Any]:
    return {**users_pact(*interactions, spec=spec), "consumer": {"name": consumer}}


def _http(interaction: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Synchronous/HTTP", **interaction}


@pytest.fixture
def broker_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'broker.db'}"


@pytest.fixture
def down_url() -> Iterator[str]:
    """A port that is bound but not listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def _publish(url: str, doc: dict[str, Any], version: str, *, branch: str = "main") -> None:
    with connect(url) as broker:
        broker.publish_pact(load_pact(doc), consumer_version=version, branch=branch)


def _results(url: str, consumer: str) -> list[tuple[str, str | None, bool | None]]:
    with connect(url) as broker:
        return [(r.consumer_version, r.provider_version, r.success) for r in broker.matrix(consumer)]


# ----------------------------------------------------------------------------------------- no pacts


def test_verify_exits_2_when_the_broker_has_no_pacts_for_the_provider(broker_url: str, users_url: str) -> None:
    _publish(broker_url, _doc("web", get_user(1)).copy() | {"provider": {"name": "orders"}}, "1.0")

    code, out, err = _run("--provider", "users", "--provider-url", users_url, "--broker", broker_url)

    assert code == 2, out + err
    assert "No pacts to verify for users" in err
    assert "Could not verify: no pacts for provider users were found" in out


def test_verify_allow_no_pacts_makes_an_empty_broker_a_success(broker_url: str, users_url: str) -> None:
    _publish(broker_url, _doc("web", get_user(1)).copy() | {"provider": {"name": "orders"}}, "1.0")

    code, out, _ = _run(
        "--provider", "users", "--provider-url", users_url, "--broker", broker_url, "--allow-no-pacts",
        "--output", "json",
    )  # fmt: skip

    assert code == 0, out
    assert json.loads(out)["outcome"] == "verified"


def test_verify_exits_2_when_the_pacts_given_hold_none_for_the_provider(tmp_path: Path, users_url: str) -> None:
    (tmp_path / "pacts").mkdir()
    (tmp_path / "pacts" / "web-orders.json").write_text(
        json.dumps(_doc("web", get_user(1)) | {"provider": {"name": "orders"}})
    )

    code, out, _ = _run("--provider", "users", "--provider-url", users_url, str(tmp_path / "pacts"))
    assert code == 2, out
    assert "no pacts for provider users were found" in out and "--allow-no-pacts" in out

    code, out, _ = _run("--provider", "users", "--provider-url", users_url, "--allow-no-pacts", str(tmp_path / "pacts"))
    assert code == 0, out


# ------------------------------------------------------------------------------ could not verify


def test_verify_exits_2_and_publishes_nothing_when_the_state_change_url_is_down(broker_url: str, down_url: str) -> None:
    _publish(broker_url, _doc("web", _http(get_user(1))), "1.0")
    _publish(broker_url, _doc("web", _http(get_user(2))), "1.1")

    code, out, err = _run(
        "--provider", "users", "--provider-url", down_url, "--state-change-url", "/_pact/state",
        "--provider-version", "p1", "--publish", "--broker", broker_url,
        "--consumer-version-selector", '{"latest": false, "branch": "main"}',
    )  # fmt: skip

    assert code == 2, out + err
    assert "COULD NOT VERIFY" in out and "FAILED" not in out
    assert not [line for line in err.splitlines() if line.startswith("published:")]
    assert err.count("not published:") == 2
    assert [success for _, _, success in _results(broker_url, "web")] == [None, None]


def test_a_message_without_a_producer_could_not_be_verified_and_names_both_options(
    tmp_path: Path, users_url: str, users_app: UsersApp
) -> None:
    users_app.users[1] = "alice"
    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(_doc("web", _http(get_user(1, state=None)), EVENT)))

    code, out, _ = _run("--provider", "users", "--provider-url", users_url, str(pact))

    assert code == 2, out
    assert "web -> users: get user ... ok" in out
    assert "web -> users: a user created event ... COULD NOT VERIFY" in out
    assert "--messages MODULE:OBJECT" in out and "--message-url URL" in out


def test_a_mixed_run_exits_2_but_publishes_the_measured_failure(broker_url: str, users_url: str) -> None:
    _publish(broker_url, _doc("web", _http(get_user(1, state=None))), "1.0")  # user 1 is missing: 404, a real failure
    _publish(broker_url, _doc("worker", EVENT), "7.0")  # no producer given: not checked

    code, out, err = _run(
        "--provider", "users", "--provider-url", users_url, "--provider-version", "p1", "--publish",
        "--broker", broker_url, "--consumer-version-selector", '{"latest": true}',
    )  # fmt: skip

    assert code == 2, out + err
    assert "The failures listed are real" in out
    assert "published: web -> users failed for web 1.0" in err
    assert "not published: worker -> users for worker 7.0" in err
    assert _results(broker_url, "web") == [("1.0", "p1", False)]
    assert _results(broker_url, "worker") == [("7.0", None, None)]


# ------------------------------------------------------------------------------------ measured


def test_a_provider_that_accepts_but_does_not_answer_in_time_has_failed(tmp_path: Path, users_url: str) -> None:
    slow = {"description": "slow", "request": {"method": "GET", "path": "/slow"}, "response": {"status": 200}}
    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(users_pact(slow)))

    code, out, _ = _run("--provider", "users", "--provider-url", users_url, "--timeout", "0.2", str(pact))

    assert code == 1, out
    assert "web -> users: slow ... FAILED" in out


def test_json_and_junit_tell_a_failure_from_a_could_not_verify(tmp_path: Path, users_url: str) -> None:
    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(_doc("web", _http(get_user(1, state=None)), EVENT)))
    junit = tmp_path / "junit.xml"

    code, out, _ = _run(
        "--provider", "users", "--provider-url", users_url, "--output", "json", "--junit-xml", str(junit), str(pact)
    )

    data = json.loads(out)
    assert code == 2
    assert data["outcome"] == "could-not-verify" and data["ok"] is False
    assert [i["outcome"] for i in data["interactions"]] == ["failed", "could-not-verify"]
    assert data["pacts"][0]["outcome"] == "failed"
    [suite] = ET.parse(junit).getroot().findall("testsuite")
    assert (suite.get("failures"), suite.get("errors")) == ("1", "1")
    http_case, message_case = suite.findall("testcase")
    assert http_case.find("failure") is not None and message_case.find("error") is not None


# ------------------------------------------------------------------------------ consumer versions


def test_report_lines_name_the_consumer_version_and_where_it_is_deployed(
    broker_url: str, users_url: str, users_app: UsersApp
) -> None:
    old = users_pact(get_user(1, state=None))
    old["interactions"][0]["response"]["body"] = {"id": 1, "name": "alice", "email": "a@example.com"}
    _publish(broker_url, old, "1.4.0")
    _publish(broker_url, users_pact(get_user(1, state=None)), "1.5.0")
    with connect(broker_url) as broker:
        broker.create_environment("prod", production=True)
        broker.record_deployment("web", "1.4.0", "prod")
    users_app.users[1] = "alice"

    code, out, _ = _run(
        "--provider", "users", "--provider-url", users_url, "--broker", broker_url,
        "--consumer-version-selector", '{"deployed": true}', "--consumer-version-selector", '{"latest": true}',
    )  # fmt: skip

    assert code == 1, out
    assert "web 1.4.0 -> users: get user [deployed in prod] ... FAILED" in out
    assert "web 1.5.0 -> users: get user ... ok" in out
