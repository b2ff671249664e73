"""Replaying HTTP interactions against a real provider on 127.0.0.1: passes, mismatches and bad input."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from polycontract.codec import load_pact
from polycontract.errors import ContractViolation, UsageError
from polycontract.verifier import Verifier
from tests.verifier.providers import UsersApp, get_user, users_pact


def _verifier(url: str, **kwargs: object) -> Verifier:
    verifier = Verifier(provider="users", base_url=url, **kwargs)  # type: ignore[arg-type]

    @verifier.state("user exists")
    def user_exists(params: dict[str, object]) -> None:
        pass

    return verifier


def test_a_provider_that_honours_the_pact_passes(users_url: str, users_app: UsersApp) -> None:
    verifier = Verifier(provider="users", base_url=users_url, provider_version="1.0.0", branch="main")

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> None:
        users_app.users[params["id"]] = "alice"

    result = verifier.verify(load_pact(users_pact(get_user(1), get_user(2, description="get user 2"))))

    assert result.ok, result.report()
    assert [(r.description, r.consumer, r.ok, r.pending) for r in result] == [
        ("get user", "web", True, False),
        ("get user 2", "web", True, False),
    ]
    assert all(r.duration > 0 for r in result)
    assert result.provider_version == "1.0.0" and result.branch == "main"


def test_a_wrong_response_lists_each_mismatch_with_its_path(users_url: str, users_app: UsersApp) -> None:
    users_app.broken = True
    verifier = Verifier(provider="users", base_url=users_url)
    verifier.add_state("user exists", lambda params: users_app.users.update({1: "alice"}))

    result = verifier.verify(load_pact(users_pact(get_user(1))))

    assert not result.ok
    [entry] = result.failures
    assert [(m.path, m.message) for m in entry.mismatches] == [("$.body.id", 'Expected "1" to be an integer')]
    assert "web -> users: get user" in result.report()
    assert "$.body.id" in entry.explain()
    with pytest.raises(ContractViolation, match="get user"):
        result.raise_for_failures()


def test_a_state_without_handler_fails_naming_the_state(users_url: str) -> None:
    result = Verifier(provider="users", base_url=users_url).verify(load_pact(users_pact(get_user(1))))

    [entry] = result
    assert not entry.ok
    assert entry.error is not None
    assert "no handler for provider state 'user exists'" in entry.error
    assert '@verifier.state("user exists")' in entry.error


def test_a_raising_state_handler_fails_only_its_interaction(users_url: str, users_app: UsersApp) -> None:
    verifier = Verifier(provider="users", base_url=users_url)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> None:
        if params["id"] == 2:
            raise RuntimeError("database is down")
        users_app.users[params["id"]] = "alice"

    result = verifier.verify(load_pact(users_pact(get_user(1), get_user(2, description="second"))))

    assert [r.ok for r in result] == [True, False]
    assert result.interactions[1].error == "state handler for 'user exists' raised RuntimeError: database is down"


def test_a_generator_handler_tears_down_after_the_interaction(users_url: str, users_app: UsersApp) -> None:
    verifier = Verifier(provider="users", base_url=users_url)
    events: list[str] = []

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]):  # type: ignore[no-untyped-def]
        users_app.users[params["id"]] = "alice"
        events.append("setup")
        yield
        users_app.users.clear()
        events.append("teardown")

    result = verifier.verify(load_pact(users_pact(get_user(1))))

    assert result.ok, result.report()
    assert events == ["setup", "teardown"]
    assert users_app.users == {}


def test_a_returned_callable_is_the_teardown(users_url: str, users_app: UsersApp) -> None:
    verifier = Verifier(provider="users", base_url=users_url, state_timeout=None)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> object:
        users_app.users[params["id"]] = "alice"
        return users_app.users.clear

    assert verifier.verify(load_pact(users_pact(get_user(1)))).ok
    assert users_app.users == {}


def test_state_values_feed_provider_state_generators(users_url: str, users_app: UsersApp) -> None:
    interaction = get_user(5)
    interaction["request"]["generators"] = {
        "path": {"type": "ProviderState", "expression": "/users/${userId}", "dataType": "STRING"}
    }
    interaction["response"]["matchingRules"]["body"]["$.name"] = {"matchers": [{"match": "type"}]}
    verifier = Verifier(provider="users", base_url=users_url)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> dict[str, int]:
        users_app.users[42] = "bob"
        return {"userId": 42}

    result = verifier.verify(load_pact(users_pact(interaction)))

    # The generated path asked for user 42; the body id 42 is still an integer, so the pact holds.
    assert result.ok, result.report()


def test_a_state_change_url_receives_setup_and_teardown(users_url: str, users_app: UsersApp) -> None:
    verifier = Verifier(provider="users", base_url=users_url, state_change_url=f"{users_url}/_pact/state")

    result = verifier.verify(load_pact(users_pact(get_user(3))))

    assert result.ok, result.report()
    assert users_app.state_calls == [
        {"state": "user exists", "params": {"id": 3}, "action": "setup"},
        {"state": "user exists", "params": {"id": 3}, "action": "teardown"},
    ]


def test_a_relative_state_change_url_goes_to_the_provider(users_url: str, users_app: UsersApp) -> None:
    verifier = Verifier(provider="users", base_url=users_url, state_change_url="/_pact/state")

    assert verifier.verify(load_pact(users_pact(get_user(3)))).ok
    assert [c["action"] for c in users_app.state_calls] == ["setup", "teardown"]


def test_a_request_hook_can_add_an_auth_header(users_url: str, users_app: UsersApp) -> None:
    def authorise(request: httpx.Request) -> httpx.Request:
        request.headers["Authorization"] = "Bearer t0ken"
        return request

    verifier = _verifier(users_url, request_hook=authorise, headers={"X-Trace": "1"})
    users_app.users[1] = "alice"

    assert verifier.verify(load_pact(users_pact(get_user(1)))).ok
    assert users_app.seen_headers[-1]["authorization"] == "Bearer t0ken"
    assert users_app.seen_headers[-1]["x-trace"] == "1"


def test_a_base_path_prefixes_every_request(users_url: str, users_app: UsersApp) -> None:
    users_app.users[1] = "alice"

    result = _verifier(users_url, base_path="/api").verify(load_pact(users_pact(get_user(1))))

    assert result.ok, result.report()


def test_a_hanging_provider_times_out_with_advice(users_url: str) -> None:
    slow = {"description": "slow", "request": {"method": "GET", "path": "/slow"}, "response": {"status": 200}}

    result = _verifier(users_url, timeout=0.2).verify(load_pact(users_pact(slow)))

    [entry] = result
    assert entry.error is not None
    assert "no response within 0.2 s" in entry.error and "timeout" in entry.error


def test_an_unreachable_provider_fails_every_interaction_with_advice() -> None:
    with socket.socket() as sock:  # a port that is bound but not listening refuses connections
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        result = _verifier(url).verify(load_pact(users_pact(get_user(1), get_user(2, description="two"))))

    assert [r.ok for r in result] == [False, False]
    assert all("cannot connect to the provider" in (r.error or "") for r in result)
    assert "start it or check the provider URL" in (result.interactions[0].error or "")


def test_an_html_answer_where_json_was_expected_is_a_body_mismatch(users_url: str) -> None:
    text = {
        "description": "text",
        "request": {"method": "GET", "path": "/text"},
        "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"ok": True}},
    }

    [entry] = _verifier(users_url).verify(load_pact(users_pact(text)))

    assert not entry.ok
    assert any(m.kind in ("header", "body") for m in entry.mismatches)
    assert "text/html" in entry.explain() or "JSON" in entry.explain()


def test_a_hanging_state_handler_times_out_and_the_run_goes_on(users_url: str, users_app: UsersApp) -> None:
    import threading

    release = threading.Event()
    verifier = Verifier(provider="users", base_url=users_url, state_timeout=0.2)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]) -> None:
        if params["id"] == 1:
            release.wait(10)
        users_app.users[params["id"]] = "alice"

    try:
        result = verifier.verify(load_pact(users_pact(get_user(1), get_user(2, description="second"))))
    finally:
        release.set()

    assert [r.ok for r in result] == [False, True]
    assert "did not finish within 0.2 s" in (result.interactions[0].error or "")


def test_pending_failures_are_reported_but_do_not_fail(users_url: str) -> None:
    interaction = get_user(1, state=None)
    interaction["pending"] = True
    interaction["type"] = "Synchronous/HTTP"
    interaction["request"] = {"method": "GET", "path": "/users/1"}
    interaction["response"] = {"status": 200}
    doc = users_pact(interaction, spec="4.0")

    result = _verifier(users_url).verify(load_pact(doc))

    [entry] = result
    assert entry.pending and not entry.ok
    assert result.ok
    assert "pending" in result.report()


def test_missing_and_malformed_pacts_are_source_errors(tmp_path: Path, users_url: str, users_app: UsersApp) -> None:
    users_app.users[1] = "alice"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(users_pact(get_user(1))))
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps(users_pact(get_user(1)))[:40])
    not_a_pact = tmp_path / "not-a-pact.json"
    not_a_pact.write_text(json.dumps({**users_pact(), "interactions": {"a": 1}}))
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(users_pact()))

    result = _verifier(users_url).verify(good, truncated, not_a_pact, empty, tmp_path / "missing.json")

    assert [r.description for r in result] == ["get user"] and result.interactions[0].ok
    assert not result.ok
    messages = {Path(e.origin).name: e.message for e in result.source_errors}
    assert "not valid JSON" in messages["truncated.json"]
    assert "interactions must be a list" in messages["not-a-pact.json"]
    assert "no interactions" in messages["empty.json"]
    assert "does not exist" in messages["missing.json"]


def test_a_directory_verifies_the_pacts_for_this_provider_only(tmp_path: Path, users_url: str) -> None:
    (tmp_path / "web-users.json").write_text(json.dumps(users_pact(get_user(1, state=None))))
    other = {**users_pact(get_user(1, state=None)), "provider": {"name": "orders"}}
    (tmp_path / "web-orders.json").write_text(json.dumps(other))

    result = _verifier(users_url).verify(tmp_path)

    assert [(r.provider, r.description) for r in result] == [("users", "get user")]
    assert result.source_errors == ()


def test_a_pact_for_another_provider_given_explicitly_is_an_error(users_url: str) -> None:
    other = load_pact({**users_pact(get_user(1)), "provider": {"name": "orders"}})

    result = _verifier(users_url).verify(other)

    assert "is for provider 'orders', not 'users'" in result.source_errors[0].message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # Neither base_url nor app is fine now: pacts that hold only messages need no provider URL.
        ({"base_url": "http://h", "app": object()}, "one of base_url=.*not both"),
        ({"base_url": "localhost:80"}, "must start with http://"),
        ({"base_url": "http://h", "timeout": 0}, "timeout=0"),
        ({"base_url": "http://h", "base_path": "api"}, "base_path='api'"),
        ({"base_url": "http://h", "state_timeout": -1}, "state_timeout=-1"),
    ],
)
def test_wrong_arguments_are_usage_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Verifier(provider="users", **kwargs)  # type: ignore[arg-type]


def test_verify_without_sources_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="at least one pact source"):
        Verifier(provider="users", base_url="http://h").verify()


def test_a_hanging_state_handler_off_the_main_thread_times_out_too(users_url: str, users_app: UsersApp) -> None:
    import threading

    release = threading.Event()
    verifier = Verifier(provider="users", base_url=users_url, state_timeout=0.2)
    verifier.add_state("user exists", lambda params: release.wait(10) if params["id"] == 1 else None)
    results = []
    worker = threading.Thread(target=lambda: results.append(verifier.verify(load_pact(users_pact(get_user(1))))))
    try:
        worker.start()
        worker.join(5)
    finally:
        release.set()

    [entry] = results[0]
    assert "did not finish within 0.2 s" in (entry.error or "")


def test_several_states_are_set_up_in_order_and_torn_down_in_reverse(users_url: str, users_app: UsersApp) -> None:
    events: list[str] = []
    verifier = Verifier(provider="users", base_url=users_url)

    @verifier.state("user exists")
    def user_exists(params: dict[str, int]):  # type: ignore[no-untyped-def]
        users_app.users[params["id"]] = "alice"
        events.append("user up")
        yield
        events.append("user down")

    @verifier.state("audit is on")
    def audit():  # type: ignore[no-untyped-def]
        events.append("audit up")
        yield
        events.append("audit down")

    interaction = get_user(1)
    interaction["providerStates"].append({"name": "audit is on"})

    assert verifier.verify(load_pact(users_pact(interaction))).ok
    assert events == ["user up", "audit up", "audit down", "user down"]


def test_a_raising_request_hook_fails_the_interaction_naming_the_hook(users_url: str) -> None:
    def hook(request: httpx.Request) -> httpx.Request:
        raise KeyError("token")

    [entry] = _verifier(users_url, request_hook=hook).verify(load_pact(users_pact(get_user(1))))

    assert entry.error == "request_hook raised KeyError: 'token'"


def test_verify_leaves_the_sigalrm_handler_as_it_found_it(users_url: str) -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    _verifier(users_url).verify(load_pact(users_pact(get_user(1))))

    assert signal.getsignal(signal.SIGALRM) == before
