"""Fuzzed verification as pytest items (``Verifier(fuzz=N)``): one ``fuzz:`` item per HTTP interaction.

Each outcome is checked against what ``polycontract verify --fuzz`` reports for the same pacts: the pytest
run fails exactly when the CLI's exit code is not 0.
"""

from __future__ import annotations

import json
import re
from typing import Any

import hypothesis
import pytest

import polycontract.strategies._http
import polycontract.verifier._fuzz
from polycontract.codec import load_pact
from polycontract.verifier import Verifier
from tests.verifier.fuzz_providers import UsersById, get_user_by_id, pact, user_created_message

# Loaded out here, not first inside one of pytester's in-process runs (see test_consumer_plugin.py).
_LOADED = (hypothesis, polycontract.strategies._http, polycontract.verifier._fuzz)

MODULE = """
import json
from polycontract.verifier import Verifier
from polycontract.pytest_plugin._provider import pact_verification

KNOWN = {KNOWN}

def app(environ, start_response):
    tail = environ["PATH_INFO"].rsplit("/", 1)[-1]
    if tail.isdigit() and (KNOWN is None or int(tail) in KNOWN):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"id": int(tail), "name": "alice"}).encode()]
    start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
    return [b"boom"]

verifier = Verifier(provider="users", app=app, fuzz=FUZZ, fuzz_seed=SEED)

@verifier.state("user exists")
def user_exists(params):
    yield

test_users_api = pact_verification(verifier, "pacts")
"""


def _project(pytester: pytest.Pytester, doc: dict[str, Any], *, known: str, fuzz: int = 30, seed: Any = 1) -> None:
    pacts = pytester.mkdir("pacts")
    (pacts / "web-users.json").write_text(json.dumps(doc))
    module = MODULE.replace("{KNOWN}", known).replace("FUZZ", str(fuzz)).replace("SEED", repr(seed))
    pytester.makepyfile(test_provider=module)


def _cli_exit_code(doc: dict[str, Any], *, known: set[int] | None) -> int:
    """The exit code `polycontract verify --fuzz 30 --seed 1` would give (its `Verifier.verify` result)."""
    verifier = Verifier(provider="users", app=UsersById(known=known), fuzz=30, fuzz_seed=1)

    @verifier.state("user exists")
    def exists(params: dict[str, Any]) -> Any:
        yield

    return verifier.verify(load_pact(doc)).exit_code


def test_a_provider_handling_only_the_example_id_passes_the_example_item_and_fails_the_fuzz_item(
    pytester: pytest.Pytester,
) -> None:
    doc = pact(get_user_by_id(7))
    _project(pytester, doc, known="{7}")

    result = pytester.runpytest("-v")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_users_api?web: get user? PASSED*",
            "*test_users_api?fuzz: web: get user? FAILED*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*the provider broke the pact on a fuzzed request:",
            "*web -> users: get user",
            "*example request GET /users/7",
            "*smallest failing request GET /users/*",
            "*seed 1: Verifier(..., fuzz_seed=1) repeats this fuzz run",
        ]
    )
    shown = re.search(r"smallest failing request GET (/users/\d+)", result.stdout.str())
    assert shown is not None and shown.group(1) != "/users/7"
    assert "Traceback" not in result.stdout.str()
    assert _cli_exit_code(doc, known={7}) == 1


def test_a_correct_provider_passes_every_item(pytester: pytest.Pytester) -> None:
    doc = pact(get_user_by_id(7), get_user_by_id(3, description="get another user"))
    _project(pytester, doc, known="None")

    result = pytester.runpytest("-v")

    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*?web: get user? PASSED*",
            "*?web: get another user? PASSED*",
            "*?fuzz: web: get user? PASSED*",
            "*?fuzz: web: get another user? PASSED*",
        ]
    )
    assert _cli_exit_code(doc, known=None) == 0


def test_the_seed_is_shown_and_the_same_seed_shows_the_same_smallest_request(pytester: pytest.Pytester) -> None:
    _project(pytester, pact(get_user_by_id(7)), known="{7}", seed=424242)

    first = pytester.runpytest()
    second = pytester.runpytest()

    for run in (first, second):
        run.assert_outcomes(passed=1, failed=1)
        run.stdout.fnmatch_lines(["*polycontract fuzz: users fuzzed with seed 424242*"])
    smallest = [re.findall(r"smallest failing request .*", run.stdout.str()) for run in (first, second)]
    assert smallest[0] and smallest[0] == smallest[1]


def test_a_random_seed_is_shown(pytester: pytest.Pytester) -> None:
    _project(pytester, pact(get_user_by_id(7)), known="None", seed=None)

    result = pytester.runpytest()

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*polycontract fuzz: users fuzzed with seed * (Verifier(..., fuzz_seed=*) repeats it)"]
    )


def test_only_messages_is_a_failing_fuzz_item_as_the_cli_cannot_verify(pytester: pytest.Pytester) -> None:
    doc = pact(user_created_message(), messages=True)
    _project(pytester, doc, known="None")
    module = (pytester.path / "test_provider.py").read_text()
    producer = '\n@verifier.message("a user created event")\ndef created():\n    return {"id": 7}, {"topic": "users"}\n'
    (pytester.path / "test_provider.py").write_text(module + producer)

    result = pytester.runpytest("-v")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*test_users_api?fuzz: nothing to fuzz? FAILED*", "*could not verify (fuzz*no HTTP interaction*"]
    )
    verifier = Verifier(provider="users", fuzz=30, fuzz_seed=1)
    verifier.add_message("a user created event", lambda: ({"id": 7}, {"topic": "users"}))
    assert verifier.verify(load_pact(doc)).exit_code == 2


def test_an_interaction_without_request_rules_alone_fails_its_fuzz_item(pytester: pytest.Pytester) -> None:
    plain = get_user_by_id(7)
    del plain["request"]["matchingRules"]
    doc = pact(plain)
    _project(pytester, doc, known="None")

    result = pytester.runpytest("-v")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*could not verify (fuzz*no interaction of these pacts can be fuzzed*"])
    assert _cli_exit_code(doc, known=None) == 2


def test_an_interaction_without_request_rules_beside_a_fuzzed_one_is_skipped_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    plain = get_user_by_id(3, description="get plain user")
    del plain["request"]["matchingRules"]
    doc = pact(get_user_by_id(7), plain)
    _project(pytester, doc, known="None")

    result = pytester.runpytest("-v", "-rs")

    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*get plain user: not fuzzed (its request has no matching rules*"])
    assert _cli_exit_code(doc, known=None) == 0


def test_a_fuzz_item_selected_alone_still_checks_the_example_first(pytester: pytest.Pytester) -> None:
    _project(pytester, pact(get_user_by_id(7)), known="{7}")

    result = pytester.runpytest("-k", "fuzz")

    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*smallest failing request GET /users/*"])


def test_a_fuzz_failure_of_a_pending_interaction_is_xfail_as_the_cli_does_not_count_it(
    pytester: pytest.Pytester,
) -> None:
    pending = get_user_by_id(7)
    pending["pending"] = True
    pending["type"] = "Synchronous/HTTP"
    doc = pact(pending, spec="4.0")
    _project(pytester, doc, known="{7}")

    result = pytester.runpytest("-v", "-rx")

    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*fuzz: web: get user*XFAIL*", "*pending interaction failed fuzzing*"])
    assert _cli_exit_code(doc, known={7}) == 0
