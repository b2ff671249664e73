"""A consumer test passes only for what it checked, and the pact file holds only what passing tests exercised.

pact-python reports a declared interaction the consumer never called as a "missing request" mismatch when
its mock server is verified (``pact.error.MissingRequest``), and Pact JS fails the test with "Missing
requests"; the plugin does the same at the end of every test, whether or not the test entered a ``with``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract.mock import MockTransport

# Loaded out here, not first inside one of pytester's in-process runs (see test_consumer_plugin.py).
_LOADED = (httpx, MockTransport)

HEADER = """
import httpx
import pytest

pytestmark = pytest.mark.pact(consumer="web", provider="users")

def ask(pact, *paths):
    # A client as an application builds one: never entered with ``with``, never closed.
    client = httpx.Client(transport=pact.transport(), base_url="http://users")
    for path in paths:
        assert client.get(path).status_code == 200
"""


def _descriptions(pytester: pytest.Pytester, name: str = "web-users.json") -> list[str]:
    data: dict[str, Any] = json.loads(Path(pytester.path, "pacts", name).read_text())
    return [i["description"] for i in data["interactions"]]


def _user_tests(count: int, *, skip: tuple[int, ...] = ()) -> str:
    """``count`` tests, each declaring and exercising ``user <n>``; those in ``skip`` carry a skip marker."""
    return "".join(
        ("\n@pytest.mark.skip(reason='flaky')" if n in skip else "")
        + f"""
def test_user_{n}(pact):
    pact.upon_receiving("user {n}").with_request("GET", "/users/{n}").will_respond_with(200)
    ask(pact, "/users/{n}")
"""
        for n in range(count)
    )


def test_a_test_that_exercises_one_of_two_declared_interactions_fails_naming_the_other(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_users(pact):
    pact.upon_receiving("user 7").with_request("GET", "/users/7").will_respond_with(200)
    pact.given("user 8 exists").upon_receiving("user 8").with_request("GET", "/users/8").will_respond_with(200)
    ask(pact, "/users/7")
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*web -> users: 1 declared interaction was never exercised:",
            "*- 'user 8' (given 'user 8 exists') (GET /users/8)",
            "*declare it with upon_receiving(..., optional=True)*",
        ]
    )
    result.stdout.no_fnmatch_line("*- 'user 7'*")
    assert not Path(pytester.path, "pacts").exists()


def test_a_test_that_declares_interactions_and_starts_no_mock_provider_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_users(pact):
    pact.upon_receiving("user 7").with_request("GET", "/users/7").will_respond_with(200)
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*'user 7' (GET /users/7)", "*no mock provider was started*pact.serve()*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_transport_that_received_no_requests_fails_the_test_saying_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_users(pact):
    pact.upon_receiving("user 7").with_request("GET", "/users/7").will_respond_with(200)
    client = httpx.Client(transport=pact.transport(), base_url="http://users")  # never used, never closed
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*the mock provider received no requests: did the code under test use server.url / the transport?*"]
    )


def test_a_served_mock_provider_that_received_no_requests_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_users(pact):
    pact.upon_receiving("user 7").with_request("GET", "/users/7").will_respond_with(200)
    with pact.serve():
        pass  # the code under test talks to the real provider instead
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*web -> users: the mock provider received no requests: did the code under test use server.url*",
            "*Interaction 'user 7' (GET /users/7) was never exercised.*",
        ]
    )


def test_a_mismatch_seen_by_a_transport_used_without_with_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_users(pact):
    pact.upon_receiving("user 7").with_request("GET", "/users/7").will_respond_with(200)
    client = httpx.Client(transport=pact.transport(), base_url="http://users")
    client.get("/users/7")
    client.get("/users/9")  # the consumer swallows the 500
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Unexpected request GET /users/9: no interaction declares it.*"])
    assert not Path(pytester.path, "pacts").exists()


def test_an_optional_interaction_left_unused_passes_and_is_not_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_users(pact):
    pact.upon_receiving("user 7").with_request("GET", "/users/7").will_respond_with(200)
    pact.upon_receiving("a retry of user 7", optional=True).with_request(
        "GET", "/users/7", query={"retry": "1"}).will_respond_with(200)
    with pact.serve() as server:
        assert httpx.get(f"{server.url}/users/7").status_code == 200
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["wrote pacts/web-users.json (1 interaction)"])
    assert _descriptions(pytester) == ["user 7"]


def test_an_optional_interaction_that_was_exercised_is_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_users(pact):
    pact.upon_receiving("user 7", optional=True).with_request("GET", "/users/7").will_respond_with(200)
    ask(pact, "/users/7")
"""
    )

    pytester.runpytest().assert_outcomes(passed=1)

    assert _descriptions(pytester) == ["user 7"]


def test_a_declared_message_never_handed_to_the_consumer_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_events(pact):
    pact.expects_to_receive("an order event").with_content({"id": 7})
    pact.expects_to_receive("an order cancelled event").with_content({"id": 7})
    pact.verify_message(lambda contents: None, description="an order event")
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- 'an order cancelled event' (a message)",
            "*messages reach the consumer through pact.verify_message(handler)*",
        ]
    )
    result.stdout.no_fnmatch_line("*- 'an order event'*")


def test_a_test_skipped_after_declaring_writes_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + _user_tests(1)
        + """
def test_later(pact):
    pact.upon_receiving("user 9").with_request("GET", "/users/9").will_respond_with(200)
    ask(pact, "/users/9")
    pytest.skip("the feature is switched off")
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["wrote pacts/web-users.json (1 interaction)"])
    assert _descriptions(pytester) == ["user 0"]


def test_in_merge_mode_the_interactions_of_a_test_now_skipped_do_not_survive(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users=HEADER + _user_tests(6))
    pytester.runpytest().assert_outcomes(passed=6)
    pytester.makepyfile(test_users=HEADER + _user_tests(6, skip=(2,)))

    result = pytester.runpytest()

    result.assert_outcomes(passed=5, skipped=1)
    result.stdout.fnmatch_lines(["wrote pacts/web-users.json (5 interactions)"])
    assert "user 2" not in _descriptions(pytester)


def test_in_merge_mode_the_interactions_of_a_test_that_now_fails_do_not_survive(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users=HEADER + _user_tests(2))
    pytester.runpytest().assert_outcomes(passed=2)
    pytester.makepyfile(test_users=HEADER + _user_tests(2).replace('ask(pact, "/users/1")', "assert False"))

    pytester.runpytest().assert_outcomes(passed=1, failed=1)

    assert _descriptions(pytester) == ["user 0"]


def test_in_merge_mode_an_interaction_a_test_no_longer_declares_does_not_survive(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users=HEADER + _user_tests(1))
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.makepyfile(test_users=HEADER + _user_tests(1).replace("user 0", "the first user"))

    pytester.runpytest().assert_outcomes(passed=1)

    assert _descriptions(pytester) == ["the first user"]


def test_in_merge_mode_the_interactions_of_tests_not_selected_stay(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users=HEADER + _user_tests(3))
    pytester.runpytest().assert_outcomes(passed=3)

    result = pytester.runpytest("-k", "test_user_1")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["wrote pacts/web-users.json (3 interactions)"])
    assert _descriptions(pytester) == ["user 0", "user 1", "user 2"]


def test_a_pact_file_whose_only_test_is_now_skipped_is_removed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users=HEADER + _user_tests(1))
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.makepyfile(test_users=HEADER + _user_tests(1, skip=(0,)))

    result = pytester.runpytest()

    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["removed pacts/web-users.json (no passing test declares its interactions)"])
    assert not Path(pytester.path, "pacts", "web-users.json").exists()


def test_under_xdist_a_skipped_tests_interactions_from_an_earlier_run_do_not_survive(
    pytester: pytest.Pytester,
) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_users=HEADER + _user_tests(4))
    pytester.runpytest_subprocess("-n", "2").assert_outcomes(passed=4)
    pytester.makepyfile(test_users=HEADER + _user_tests(4, skip=(1,)))

    result = pytester.runpytest_subprocess("-n", "2")

    result.assert_outcomes(passed=3, skipped=1)
    assert _descriptions(pytester) == ["user 0", "user 2", "user 3"]
