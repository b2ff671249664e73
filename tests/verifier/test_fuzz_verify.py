"""Fuzzed verification (`Verifier(fuzz=N)`): requests drawn from the request's rules, against real providers."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from polycontract.codec import load_pact
from polycontract.errors import UsageError
from polycontract.model import PactDocument
from polycontract.verifier import SourcedPact, Verifier
from tests.verifier.fuzz_providers import UsersById, get_user_by_id, pact, user_created_message
from tests.verifier.providers import serve


@pytest.fixture
def users_pact() -> PactDocument:
    return load_pact(pact(get_user_by_id(7)))


def _verifier(app: Any = None, base_url: str | None = None, **fuzz: Any) -> tuple[Verifier, list[tuple[str, Any]]]:
    """A verifier with a "user exists" state handler recording its setups and teardowns."""
    calls: list[tuple[str, Any]] = []
    verifier = Verifier(provider="users", app=app, base_url=base_url, **fuzz)

    @verifier.state("user exists")
    def exists(params: dict[str, Any]) -> Iterator[None]:
        calls.append(("setup", params["id"]))
        yield
        calls.append(("teardown", params["id"]))

    return verifier, calls


def test_a_provider_handling_only_the_example_id_passes_the_examples_and_fails_the_fuzz(
    users_pact: PactDocument,
) -> None:
    app = UsersById(known={7})
    verifier, _ = _verifier(app, fuzz=30, fuzz_seed=1)

    result = verifier.verify(users_pact)

    assert result.example_outcome == "verified"
    assert [r.outcome for r in result.interactions] == ["verified"]
    assert result.outcome == "failed" and result.exit_code == 1
    assert result.fuzz is not None
    (fuzzed,) = result.fuzz.results
    assert fuzzed.outcome == "failed"
    smallest = fuzzed.smallest
    assert smallest is not None
    assert smallest.path != "/users/7"
    assert app.status_for(smallest.path) == 500  # it really breaks the provider
    assert app.paths[-1] == smallest.path  # hypothesis replays the smallest failing request last
    assert smallest.mismatches[0].kind == "status"
    report = result.report()
    assert "Fuzzed requests (seed 1" in report
    assert f"smallest failing request GET {smallest.path}" in report
    assert report.splitlines()[-1].startswith("Failed (fuzz)")


def test_a_fuzz_failure_leaves_the_published_example_result_passed(users_pact: PactDocument) -> None:
    verifier, _ = _verifier(UsersById(known={7}), fuzz=30, fuzz_seed=1, provider_version="1.0")

    result = verifier.verify(users_pact)

    assert result.outcome == "failed"
    (published,) = result.verifications()
    assert published["success"] is True
    assert [t["success"] for t in published["test_results"]] == [True]


def test_a_correct_provider_passes_every_fuzzed_request(users_pact: PactDocument) -> None:
    app = UsersById()
    verifier, _ = _verifier(app, fuzz=25, fuzz_seed=3)

    result = verifier.verify(users_pact)

    assert result.ok and result.exit_code == 0
    assert result.fuzz is not None
    (fuzzed,) = result.fuzz.results
    assert (fuzzed.outcome, fuzzed.sent, fuzzed.smallest) == ("passed", 25, None)
    assert len(set(app.paths)) > 5  # varied requests, not the example again and again
    assert "get user ... ok (25 requests sent)" in result.report()


def test_the_same_seed_sends_the_same_requests_to_a_running_provider(users_pact: PactDocument) -> None:
    def paths(seed: int) -> list[str]:
        app = UsersById()
        with serve(app) as url:
            verifier, _ = _verifier(base_url=url, fuzz=15, fuzz_seed=seed)
            assert verifier.verify(users_pact).ok
        return app.paths

    first, again, other = paths(11), paths(11), paths(12)

    assert first == again
    assert first != other
    assert len(first) == 16  # the example, then 15 fuzzed requests


def test_without_a_seed_the_seed_used_is_reported_and_repeats_the_run(users_pact: PactDocument) -> None:
    app = UsersById()
    verifier, _ = _verifier(app, fuzz=10)
    result = verifier.verify(users_pact)
    assert result.fuzz is not None
    chosen = result.fuzz.seed

    again = UsersById()
    _verifier(again, fuzz=10, fuzz_seed=chosen)[0].verify(users_pact)

    assert again.paths == app.paths
    assert f"seed {chosen}" in result.report()


def test_provider_states_are_set_up_and_torn_down_around_each_fuzzed_request(users_pact: PactDocument) -> None:
    verifier, calls = _verifier(UsersById(), fuzz=12, fuzz_seed=2)

    result = verifier.verify(users_pact)

    assert result.fuzz is not None
    sent = result.fuzz.results[0].sent
    assert sent == 12
    assert calls == [("setup", 7), ("teardown", 7)] * (1 + sent)  # the example, then each fuzzed request


def test_the_deadline_stops_sending_and_says_how_many_requests_were_sent(users_pact: PactDocument) -> None:
    app = UsersById(delay=0.02)
    verifier, _ = _verifier(app, fuzz=1000, fuzz_seed=1, fuzz_deadline=0.3)

    result = verifier.verify(users_pact)

    assert result.fuzz is not None
    (fuzzed,) = result.fuzz.results
    assert fuzzed.deadline_reached and result.fuzz.deadline_reached
    assert 0 < fuzzed.sent < 1000
    assert len(app.paths) == 1 + fuzzed.sent
    report = result.report()
    assert f"{fuzzed.sent} of 1000 requests sent before the deadline" in report
    assert "The fuzz deadline (0.3 s) was reached" in report
    assert result.to_json()["fuzz"]["deadlineReached"] is True


def test_interactions_the_deadline_left_unstarted_are_not_fuzzed() -> None:
    two = load_pact(pact(get_user_by_id(7), get_user_by_id(8, description="get another user")))
    verifier, _ = _verifier(UsersById(delay=0.02), fuzz=1000, fuzz_seed=1, fuzz_deadline=0.2)

    result = verifier.verify(two)

    assert result.fuzz is not None
    first, second = result.fuzz.results
    assert first.deadline_reached and first.outcome == "passed"
    assert second.outcome == "not-fuzzed"
    assert second.reason == "the fuzz deadline was reached before it"


def test_messages_are_listed_as_not_fuzzed_and_not_counted_as_passed(users_pact: PactDocument) -> None:
    messages = load_pact(pact(user_created_message(), messages=True))
    verifier, _ = _verifier(UsersById(), fuzz=5, fuzz_seed=1)
    verifier.add_message("a user created event", lambda: ({"id": 7}, {"topic": "users"}))

    both = verifier.verify(users_pact, messages)
    only_messages = verifier.verify(messages)

    assert both.fuzz is not None and only_messages.fuzz is not None
    assert [(r.description, r.outcome) for r in both.fuzz.results] == [
        ("get user", "passed"),
        ("a user created event", "not-fuzzed"),
    ]
    assert "a user created event ... not fuzzed (messages have no request to vary)" in both.report()
    assert both.exit_code == 0
    assert only_messages.example_outcome == "verified"
    assert only_messages.outcome == "could-not-verify" and only_messages.exit_code == 2
    assert only_messages.report().splitlines()[-1].startswith("Could not verify (fuzz)")


def test_rules_no_request_can_be_drawn_from_are_reported_as_not_fuzzed() -> None:
    interaction = get_user_by_id(7, state=None)
    interaction["request"]["matchingRules"] = {"path": {"matchers": [{"match": "null"}]}}
    verifier, _ = _verifier(UsersById(), fuzz=5, fuzz_seed=1)

    result = verifier.verify(load_pact(pact(interaction)))

    assert result.example_outcome == "verified"
    assert result.fuzz is not None
    (fuzzed,) = result.fuzz.results
    assert fuzzed.outcome == "not-fuzzed"
    assert fuzzed.reason is not None and fuzzed.reason.startswith("no requests can be drawn from its rules")
    assert result.exit_code == 2  # nothing could be fuzzed at all


def test_an_unreachable_provider_is_could_not_verify_and_nothing_is_fuzzed(users_pact: PactDocument) -> None:
    with serve(UsersById()) as url:
        pass  # the server is stopped: its port refuses connections
    verifier, _ = _verifier(base_url=url, fuzz=5, fuzz_seed=1)

    result = verifier.verify(users_pact)

    assert result.exit_code == 2
    assert result.fuzz is not None
    assert result.fuzz.results[0].outcome == "not-fuzzed"
    assert result.fuzz.results[0].reason is not None
    assert result.fuzz.results[0].reason.startswith("its example could not be verified")


def test_junit_has_a_separate_fuzz_test_case_per_interaction(users_pact: PactDocument) -> None:
    verifier, _ = _verifier(UsersById(known={7}), fuzz=20, fuzz_seed=1)

    root = ET.fromstring(verifier.verify(users_pact).to_junit_xml())

    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"get user", "fuzz: get user"}
    assert cases["get user"].find("failure") is None
    failure = cases["fuzz: get user"].find("failure")
    assert failure is not None and (failure.get("message") or "").startswith("fuzz failure: GET /users/")


def test_json_keeps_the_fuzz_apart_from_the_examples(users_pact: PactDocument) -> None:
    verifier, _ = _verifier(UsersById(known={7}), fuzz=20, fuzz_seed=1)

    data = verifier.verify(users_pact).to_json()

    assert (data["outcome"], data["exampleOutcome"]) == ("failed", "verified")
    assert [i["outcome"] for i in data["interactions"]] == ["verified"]
    fuzzed = data["fuzz"]["interactions"][0]
    assert fuzzed["outcome"] == "failed" and fuzzed["seed"] == 1
    assert fuzzed["smallestFailingRequest"]["path"] != "/users/7"
    assert fuzzed["smallestFailingRequest"]["mismatches"][0]["actual"] == 500


def test_without_fuzz_the_result_has_no_fuzz_part(users_pact: PactDocument) -> None:
    result = _verifier(UsersById(known={7}))[0].verify(users_pact)

    assert result.fuzz is None and result.ok
    assert "fuzz" not in result.to_json() and "Fuzzed" not in result.report()


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"fuzz": -1}, "fuzz=-1"),
        ({"fuzz": 5, "fuzz_seed": "x"}, "fuzz_seed='x'"),
        ({"fuzz_deadline": 0}, "fuzz_deadline=0"),
    ],
)
def test_bad_fuzz_arguments_are_refused_naming_them(arguments: dict[str, Any], named: str) -> None:
    with pytest.raises(UsageError, match=named):
        Verifier(provider="users", app=UsersById(), **arguments)


def test_verifying_without_fuzz_imports_no_hypothesis() -> None:
    code = (
        "import sys\n"
        "from polycontract.codec import load_pact\n"
        "from polycontract.verifier import Verifier\n"
        "from tests.verifier.fuzz_providers import UsersById, get_user_by_id, pact\n"
        "users = load_pact(pact(get_user_by_id(7, state=None)))\n"
        "r = Verifier(provider='users', app=UsersById(), fuzz=0).verify(users)\n"
        "assert r.ok, r.report()\n"
        "print(sorted(m for m in sys.modules if m.startswith('hypothesis')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_fuzz_without_hypothesis_is_refused_naming_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['hypothesis'] = None\n"
        "from polycontract.verifier import Verifier\n"
        "try:\n"
        "    Verifier(provider='users', base_url='http://127.0.0.1:9', fuzz=5)\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("UsageError fuzzed verification needs hypothesis, the optional extra 'hypothesis'")


def _names_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """``POST /users`` that breaks on an empty name."""
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
    if not body.get("name"):
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"no name"]
    start_response("201 Created", [("Content-Type", "application/json")])
    return [json.dumps({"id": 1, "name": body["name"]}).encode()]


def test_a_json_body_is_varied_within_its_rules_and_the_smallest_failing_body_reported() -> None:
    create = {
        "description": "create user",
        "request": {
            "method": "POST",
            "path": "/users",
            "headers": {"Content-Type": "application/json"},
            "body": {"name": "alice"},
            "matchingRules": {"body": {"$.name": {"matchers": [{"match": "type"}]}}},
        },
        "response": {
            "status": 201,
            "headers": {"Content-Type": "application/json"},
            "body": {"id": 1, "name": "alice"},
            "matchingRules": {
                "body": {"$.id": {"matchers": [{"match": "integer"}]}, "$.name": {"matchers": [{"match": "type"}]}}
            },
        },
    }

    result = Verifier(provider="users", app=_names_app, fuzz=50, fuzz_seed=1).verify(load_pact(pact(create)))

    assert result.example_outcome == "verified" and result.exit_code == 1
    assert result.fuzz is not None
    smallest = result.fuzz.results[0].smallest
    assert smallest is not None
    assert (smallest.method, smallest.path, smallest.body) == ("POST", "/users", {"name": ""})
    assert "    body {'name': ''}" in result.report()


def test_a_fuzz_failure_of_a_pending_pact_is_reported_and_not_counted() -> None:
    users = load_pact(pact(get_user_by_id(7, state=None)))
    verifier = Verifier(provider="users", app=UsersById(known={7}), fuzz=20, fuzz_seed=1)

    result = verifier.verify(SourcedPact(pact=users, origin="broker", pending=True))

    assert result.fuzz is not None
    assert result.fuzz.results[0].status.startswith("pending, FAILED")
    assert result.exit_code == 0
    report = result.report()
    assert "1 pending failed (not counted)" in report
    assert "fuzz failures of pending pacts are reported above, not counted" in report.splitlines()[-1]


def test_a_provider_failing_at_random_is_a_fuzz_result_not_a_traceback() -> None:
    answers = itertools.count()

    def sometimes(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if next(answers) % 4 == 3:  # every fourth request fails, whatever it is
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"boom"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"id": 1, "name": "alice"}).encode()]

    verifier = Verifier(provider="users", app=sometimes, fuzz=30, fuzz_seed=1)
    result = verifier.verify(load_pact(pact(get_user_by_id(7, state=None))))

    assert result.fuzz is not None
    (fuzzed,) = result.fuzz.results
    assert fuzzed.outcome == "failed" and fuzzed.smallest is not None
    assert fuzzed.note is not None and "did not repeat" in fuzzed.note
    assert result.exit_code == 1


def test_a_request_without_matching_rules_is_not_fuzzed_the_example_being_all_it_allows() -> None:
    fixed = get_user_by_id(7, state=None)
    del fixed["request"]["matchingRules"]
    app = UsersById()

    result = Verifier(provider="users", app=app, fuzz=20, fuzz_seed=1).verify(load_pact(pact(fixed)))

    assert result.fuzz is not None
    (fuzzed,) = result.fuzz.results
    assert (fuzzed.outcome, fuzzed.sent) == ("not-fuzzed", 0)
    assert fuzzed.reason == "its request has no matching rules: the example is the only request the pact allows"
    assert app.paths == ["/users/7"]  # the example only
    assert result.exit_code == 2  # nothing could be fuzzed at all


def test_one_interaction_can_be_fuzzed_in_an_open_session_as_a_test_item_would(users_pact: PactDocument) -> None:
    from polycontract.verifier._fuzz import fuzz_interaction

    verifier, calls = _verifier(UsersById(known={7}))
    (interaction,) = users_pact.interactions
    with verifier.session() as session:
        example = session.run(users_pact, interaction)
        fuzzed = fuzz_interaction(session, users_pact, interaction, examples=20, fuzz_seed=1, example=example)

    assert example.ok
    assert fuzzed.outcome == "failed" and fuzzed.example_request == "GET /users/7"
    assert fuzzed.smallest is not None and fuzzed.smallest.path != "/users/7"
    assert len(calls) == 2 * (1 + fuzzed.sent)
