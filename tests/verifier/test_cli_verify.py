"""``polycontract verify``: human and JSON output, JUnit XML, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from polycontract.cli import cli
from tests.verifier.providers import UsersApp, get_user, users_pact


def _pact_file(tmp_path: Path, *interactions: dict[str, object]) -> Path:
    path = tmp_path / "web-users.json"
    path.write_text(json.dumps(users_pact(*interactions)))
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args])
    return result.exit_code, result.stdout, result.stderr


def test_verify_passes_with_exit_0_and_a_summary(tmp_path: Path, users_url: str, users_app: UsersApp) -> None:
    users_app.users[1] = "alice"
    pact = _pact_file(tmp_path, get_user(1, state=None))

    code, out, _ = _run("--provider", "users", "--provider-url", users_url, str(pact))

    assert code == 0, out
    assert "web -> users: get user ... ok" in out
    assert "1 interactions, 1 passed, 0 failed" in out


def test_verify_fails_with_exit_1_and_writes_junit(tmp_path: Path, users_url: str) -> None:
    pact = _pact_file(tmp_path, get_user(1, state=None))
    junit = tmp_path / "reports" / "pact.xml"

    code, out, _ = _run("--provider", "users", "--provider-url", users_url, "--junit-xml", str(junit), str(pact))

    assert code == 1
    assert "$.status: Expected status 200 but was 404" in out or "$.status" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "web -> users" and suite.get("failures") == "1"
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "get user" and case.find("failure") is not None


def test_verify_json_output_and_state_change_url(tmp_path: Path, users_url: str, users_app: UsersApp) -> None:
    pact = _pact_file(tmp_path, get_user(1))

    code, out, _ = _run(
        "--provider", "users", "--provider-url", users_url, "--state-change-url", "/_pact/state",
        "--provider-version", "1.2.3", "--branch", "main", "--output", "json", str(pact),
    )  # fmt: skip

    data = json.loads(out)
    assert code == 0, out
    assert data["ok"] is True and data["providerVersion"] == "1.2.3" and data["branch"] == "main"
    assert [i["description"] for i in data["interactions"]] == ["get user"]
    assert [c["action"] for c in users_app.state_calls] == ["setup", "teardown"]


def test_verify_sends_extra_headers(tmp_path: Path, users_url: str, users_app: UsersApp) -> None:
    users_app.users[1] = "alice"
    pact = _pact_file(tmp_path, get_user(1, state=None))

    code, out, _ = _run(
        "--provider", "users", "--provider-url", users_url, "--header", "Authorization: Bearer x", str(pact)
    )

    assert code == 0, out
    assert users_app.seen_headers[-1]["authorization"] == "Bearer x"


def test_verify_exits_2_for_a_missing_pact(tmp_path: Path, users_url: str) -> None:
    code, out, _ = _run("--provider", "users", "--provider-url", users_url, str(tmp_path / "nope.json"))

    assert code == 2
    assert "does not exist" in out


def test_verify_exits_2_when_the_provider_is_not_running(tmp_path: Path) -> None:
    pact = _pact_file(tmp_path, get_user(1, state=None))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        code, out, err = _run("--provider", "users", "--provider-url", url, str(pact))

    assert code == 2
    assert "cannot connect to the provider" in out
    assert f"not reachable at {url}" in err


def test_verify_exits_2_for_usage_errors(tmp_path: Path) -> None:
    pact = _pact_file(tmp_path, get_user(1, state=None))

    code, _, err = _run("--provider", "users", "--provider-url", "localhost:1", str(pact))
    assert code == 2 and "must start with http://" in err

    code, _, err = _run("--provider", "users", "--provider-url", "http://h", "--header", "nocolon", str(pact))
    assert code == 2 and "'Name: value'" in err

    # Without --provider-url the run goes on (pacts of messages only need none), and each HTTP
    # interaction could not be verified: exit 2, naming the option.
    code, out, _ = _run("--provider", "users", str(pact))
    assert code == 2 and "pass --provider-url" in out


def test_verify_publish_records_each_pact_in_the_broker(tmp_path: Path, users_url: str, users_app: UsersApp) -> None:
    from polycontract.broker import connect
    from polycontract.codec import load_pact

    users_app.users[1] = "alice"
    pact = _pact_file(tmp_path, get_user(1, state=None))
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    with connect(url) as broker:
        broker.publish_pact(load_pact(pact), consumer_version="c1")

    code, out, err = _run(
        "--provider", "users", "--provider-url", users_url, "--provider-version", "p1", "--publish",
        "--broker", url, str(pact),
    )  # fmt: skip

    assert code == 0, out + err
    assert "published: web -> users verified" in err
    with connect(url) as broker:
        [row] = broker.matrix("web")
    assert (row.consumer_version, row.provider_version, row.success) == ("c1", "p1", True)


def test_verify_publish_without_provider_version_is_a_usage_error(tmp_path: Path, users_url: str) -> None:
    pact = _pact_file(tmp_path, get_user(1, state=None))

    code, _, err = _run("--provider", "users", "--provider-url", users_url, "--publish", str(pact))

    assert code == 2 and "--publish needs --provider-version" in err
