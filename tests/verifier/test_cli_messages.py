"""``polycontract verify`` verifies message interactions: ``--messages MODULE:OBJECT`` and ``--message-url URL``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from polycontract.broker import connect
from polycontract.cli import cli
from polycontract.codec import load_pact
from tests.verifier.providers import MessageProxy, UsersApp, get_user, serve_messages, users_pact

EVENT = {
    "type": "Asynchronous/Messages",
    "description": "a user created event",
    "providerStates": [{"name": "user exists", "params": {"id": 1}}],
    "contents": {"content": {"id": 1, "name": "alice"}, "contentType": "application/json", "encoded": False},
    "metadata": {"topic": "users"},
    "matchingRules": {"body": {"$.id": {"combine": "AND", "matchers": [{"match": "integer"}]}}},
}

PRODUCERS = """
from polycontract.verifier import MessageRegistry, Verifier

def any_message(description, provider_states):
    assert description == "a user created event", description
    user_id = provider_states[0]["params"]["id"]
    return {"id": user_id, "name": "alice"}, {"topic": "users"}

def wrong_message(description, provider_states):
    return {"id": "one", "name": "alice"}, {"topic": "users"}

registry = MessageRegistry()

@registry.message("a user created event")
def user_created():
    return {"id": 1, "name": "alice"}, {"topic": "users"}

verifier = Verifier(provider="users")

@verifier.state("user exists")
def user_exists(params):
    pass

verifier.add_message("a user created event", user_created)
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args])
    return result.exit_code, result.stdout, result.stderr


def _mixed(tmp_path: Path) -> Path:
    """A V4 pact holding one HTTP interaction and one message."""
    doc = users_pact({"type": "Synchronous/HTTP", **get_user(1, state=None)}, EVENT, spec="4.0")
    path = tmp_path / "web-users.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def producers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A module ``user_messages`` in the current directory, as a provider's repository would have it."""
    (tmp_path / "user_messages.py").write_text(PRODUCERS)
    monkeypatch.chdir(tmp_path)
    yield
    import sys

    sys.modules.pop("user_messages", None)


@pytest.mark.usefixtures("producers")
@pytest.mark.parametrize("spec", ["user_messages:any_message", "user_messages:verifier"])
def test_a_pact_mixing_http_and_messages_is_verified_and_published(
    tmp_path: Path, users_url: str, users_app: UsersApp, spec: str
) -> None:
    users_app.users[1] = "alice"
    pact = _mixed(tmp_path)
    broker = f"sqlite:///{tmp_path / 'broker.db'}"
    with connect(broker) as b:
        b.publish_pact(load_pact(pact), consumer_version="1.0")

    code, out, err = _run(
        "--provider", "users", "--provider-url", users_url, "--messages", spec, "--provider-version", "p1",
        "--publish", "--broker", broker, str(pact),
    )  # fmt: skip

    assert code == 0, out + err
    assert "web -> users: a user created event ... ok" in out
    assert "published: web -> users verified" in err
    with connect(broker) as b:
        assert [r.success for r in b.matrix("web")] == [True]


@pytest.mark.usefixtures("producers")
def test_a_message_registry_verifies_messages_without_a_provider_url(tmp_path: Path) -> None:
    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(users_pact({**EVENT, "providerStates": []}, spec="4.0")))

    code, out, _ = _run("--provider", "users", "--messages", "user_messages:registry", str(pact))

    assert code == 0, out
    assert "web -> users: a user created event ... ok" in out


@pytest.mark.usefixtures("producers")
def test_a_wrong_message_from_messages_fails_with_exit_1(tmp_path: Path, users_url: str, users_app: UsersApp) -> None:
    users_app.users[1] = "alice"

    code, out, _ = _run(
        "--provider", "users", "--provider-url", users_url, "--messages", "user_messages:wrong_message",
        str(_mixed(tmp_path)),
    )  # fmt: skip

    assert code == 1, out
    assert "a user created event ... FAILED" in out and "$.contents.id" in out


@pytest.mark.usefixtures("producers")
def test_messages_that_cannot_be_imported_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = _run("--provider", "users", "--messages", "no_such_module:x", str(_mixed(tmp_path)))
    assert code == 2 and "cannot import 'no_such_module'" in err

    code, _, err = _run("--provider", "users", "--messages", "user_messages:nothing", str(_mixed(tmp_path)))
    assert code == 2 and "has no 'nothing'" in err

    code, _, err = _run("--provider", "users", "--messages", "user_messages", str(_mixed(tmp_path)))
    assert code == 2 and "is not MODULE:OBJECT" in err


@pytest.fixture
def message_url() -> Iterator[str]:
    MessageProxy.received = []
    MessageProxy.name = "alice"
    with serve_messages() as url:
        yield f"{url}/messages"


def test_message_url_verifies_messages_from_an_endpoint_without_a_provider_url(
    tmp_path: Path, message_url: str
) -> None:
    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(users_pact(EVENT, spec="4.0")))

    code, out, _ = _run("--provider", "users", "--message-url", message_url, str(pact))

    assert code == 0, out
    assert "web -> users: a user created event ... ok" in out
    assert MessageProxy.received == [
        {"description": "a user created event", "providerStates": [{"name": "user exists", "params": {"id": 1}}]}
    ]


def test_message_url_reports_a_wrong_message_as_failed(tmp_path: Path, message_url: str) -> None:
    MessageProxy.name = "bob"
    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(users_pact(EVENT, spec="4.0")))

    code, out, _ = _run("--provider", "users", "--message-url", message_url, str(pact))

    assert code == 1, out
    assert '$.contents.name: Expected "bob" to be equal to "alice"' in out


def test_message_url_that_cannot_make_the_message_could_not_verify(tmp_path: Path, message_url: str) -> None:
    other = {**EVENT, "description": "an order placed event"}
    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(users_pact(other, spec="4.0")))

    code, out, _ = _run("--provider", "users", "--message-url", message_url, str(pact))

    assert code == 2, out
    assert "answered 404" in out and "COULD NOT VERIFY" in out


def test_message_url_that_is_down_could_not_verify(tmp_path: Path) -> None:
    import socket

    pact = tmp_path / "web-users.json"
    pact.write_text(json.dumps(users_pact(EVENT, spec="4.0")))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        code, out, _ = _run(
            "--provider", "users", "--message-url", f"http://127.0.0.1:{sock.getsockname()[1]}/", str(pact)
        )

    assert code == 2, out
    assert "cannot connect to the message endpoint" in out
