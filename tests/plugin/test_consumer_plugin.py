"""The consumer side of the pytest plugin, run with pytester: fixture, marker, options and pact files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract.mock import MockTransport

# Loaded out here, not first inside one of pytester's in-process runs: a module first imported in a run
# is dropped when the run ends, and a later run would then mix two copies of httpx (client and transport).
_LOADED = (httpx, MockTransport)

HEADER = """
import httpx
import pytest
from polycontract import match

pytestmark = pytest.mark.pact(consumer="web", provider="users")

def exercise(pact):
    # Send each declared request to a mock provider of the pact, as the code under test would.
    with httpx.Client(transport=pact.transport(), base_url="http://provider") as client:
        for interaction in pact.interactions:
            client.request(interaction.request.method, interaction.request.path)
"""

EXERCISE = """
def exercise(pact):
    import httpx
    with httpx.Client(transport=pact.transport(), base_url="http://provider") as client:
        for interaction in pact.interactions:
            client.request(interaction.request.method, interaction.request.path)
"""

GET_USER = """
def test_get_user(pact):
    (pact.given("user 7 exists", id=7)
         .upon_receiving("a request for user 7")
         .with_request("GET", "/users/7", headers={"Accept": "application/json"})
         .will_respond_with(200, body={"id": match.integer(7), "name": match.string("Ann")}))
    with pact.serve() as server:
        user = httpx.get(f"{server.url}/users/7", headers={"Accept": "application/json"}).json()
    assert user["name"] == "Ann"
"""

FAILING = """
def test_create_user_fails(pact):
    pact.upon_receiving("a request to create a user").with_request("POST", "/users").will_respond_with(201)
    with pact.serve() as server:
        httpx.post(f"{server.url}/users")
    assert False, "the consumer is broken"
"""


def _pact(pytester: pytest.Pytester, name: str = "web-users.json", folder: str = "pacts") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / folder / name).read_text())
    return data


def _descriptions(pytester: pytest.Pytester, name: str = "web-users.json") -> list[str]:
    return [i["description"] for i in _pact(pytester, name)["interactions"]]


def test_a_passing_consumer_test_writes_a_v4_pact_file_with_its_interaction(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + GET_USER)

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    pact = _pact(pytester)
    assert pact["metadata"]["pactSpecification"]["version"] == "4.0"
    [interaction] = pact["interactions"]
    assert interaction["providerStates"] == [{"name": "user 7 exists", "params": {"id": 7}}]
    assert interaction["response"]["matchingRules"]["body"]["$.id"]["matchers"] == [{"match": "integer"}]


def test_the_summary_says_where_each_pact_was_written_and_how_many_interactions(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + GET_USER
        + """
@pytest.mark.pact(provider="orders")
def test_orders(pact):
    pact.upon_receiving("a list of orders").with_request("GET", "/orders").will_respond_with(200, body=[])
    pact.upon_receiving("an order").with_request("GET", "/orders/1").will_respond_with(200, body={})
    exercise(pact)
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*= pact files =*",
            "wrote pacts/web-orders.json (2 interactions)",
            "wrote pacts/web-users.json (1 interaction)",
        ]
    )


def test_a_failing_test_writes_nothing_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + FAILING)

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    assert not (pytester.path / "pacts").exists()
    result.stdout.no_fnmatch_line("*pact files*")


def test_only_the_passing_tests_interactions_are_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + GET_USER + FAILING)

    pytester.runpytest().assert_outcomes(passed=1, failed=1)

    assert _descriptions(pytester) == ["a request for user 7"]


@pytest.mark.parametrize("how", ["option", "ini"])
def test_write_on_failure_writes_the_interactions_of_failing_tests_too(pytester: pytest.Pytester, how: str) -> None:
    pytester.makepyfile(HEADER + GET_USER + FAILING)
    args = ["--pact-write-on-failure"] if how == "option" else []
    if how == "ini":
        pytester.makeini("[pytest]\npact_write_on_failure = true\n")

    pytester.runpytest(*args).assert_outcomes(passed=1, failed=1)

    assert _descriptions(pytester) == ["a request for user 7", "a request to create a user"]


def test_interactions_of_all_tests_are_merged_and_sorted_in_one_file_per_pair(pytester: pytest.Pytester) -> None:
    tests = "".join(
        f"""
def test_{n}(pact):
    pact.upon_receiving("interaction {n:02d}").with_request("GET", "/items/{n}").will_respond_with(200)
    exercise(pact)
"""
        for n in (3, 1, 2)
    )
    pytester.makepyfile(test_one=HEADER + tests, test_two=HEADER + GET_USER)

    pytester.runpytest().assert_outcomes(passed=4)

    assert _descriptions(pytester) == ["a request for user 7", "interaction 01", "interaction 02", "interaction 03"]


def test_two_tests_declaring_the_same_interaction_differently_fail_naming_both(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_first(pact):
    pact.upon_receiving("a user").with_request("GET", "/users/1").will_respond_with(200, body={"id": 1})
    exercise(pact)

def test_second(pact):
    pact.upon_receiving("a user").with_request("GET", "/users/1").will_respond_with(200, body={"id": "1"})
    exercise(pact)
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*web -> users: interaction 'a user' with no provider state is declared with different content by "
            "test_two_tests_declaring_the_same_interaction_differently_fail_naming_both.py::test_first and by "
            "test_two_tests_declaring_the_same_interaction_differently_fail_naming_both.py::test_second*"
        ]
    )
    assert _pact(pytester)["interactions"][0]["response"]["body"]["content"] == {"id": 1}


def test_the_same_interaction_declared_identically_by_two_tests_is_written_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.parametrize("n", [1, 2])
def test_ping(pact, n):
    pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)
    exercise(pact)
"""
    )

    pytester.runpytest().assert_outcomes(passed=2)

    assert _descriptions(pytester) == ["a ping"]


def test_ini_settings_name_the_consumer_provider_spec_and_directory(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npact_consumer = shop\npact_provider = stock\npact_spec = v3\npact_dir = out/pacts\n")
    pytester.makepyfile(
        EXERCISE
        + """
def test_stock(pact):
    pact.upon_receiving("stock of item 1").with_request("GET", "/stock/1").will_respond_with(200, body={"n": 3})
    exercise(pact)
"""
    )

    pytester.runpytest().assert_outcomes(passed=1)

    assert _pact(pytester, "shop-stock.json", "out/pacts")["metadata"]["pactSpecification"]["version"] == "3.0.0"


def test_command_line_options_win_over_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npact_consumer = shop\npact_provider = stock\npact_dir = ini-pacts\n")
    pytester.makepyfile(
        EXERCISE
        + "def test_stock(pact):\n    pact.upon_receiving('s').with_request('GET', '/s').will_respond_with(200)\n"
        "    exercise(pact)\n"
    )

    result = pytester.runpytest("--pact-consumer=till", "--pact-dir=cli-pacts", "--pact-spec=V2")

    result.assert_outcomes(passed=1)
    assert _pact(pytester, "till-stock.json", "cli-pacts")["metadata"]["pactSpecification"]["version"] == "2.0.0"


def test_overwrite_mode_drops_interactions_a_previous_run_wrote(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + GET_USER)
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.makepyfile(
        HEADER + "def test_ping(pact):\n    pact.upon_receiving('a ping')"
        ".with_request('GET', '/ping').will_respond_with(204)\n    exercise(pact)\n"
    )

    pytester.runpytest().assert_outcomes(passed=1)
    assert _descriptions(pytester) == ["a ping", "a request for user 7"]  # merge mode keeps the old one

    pytester.runpytest("--pact-write-mode=overwrite").assert_outcomes(passed=1)
    assert _descriptions(pytester) == ["a ping"]


def test_a_test_without_a_provider_name_fails_saying_how_to_give_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(pact):\n    pass\n")

    result = pytester.runpytest()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the pact fixture needs a consumer name: use @pytest.mark.pact(consumer=...)*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_an_unfinished_declaration_fails_the_test_and_is_not_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + "def test_x(pact):\n    pact.upon_receiving('half').with_request('GET', '/x')\n")

    result = pytester.runpytest()

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*interaction 'half' is not finished: it still needs will_respond_with(...)*"])
    assert not (pytester.path / "pacts").exists()


def test_a_message_the_handler_cannot_process_fails_the_test_and_is_not_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def handle(event):
    return event["total"] * 2

def test_order_event(pact):
    pact.expects_to_receive("an order event").with_content({"id": match.integer(7)})
    pact.verify_message(handle)
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*MessageViolation: the consumer's handler failed 1 of 1 messages of web -> users:*",
            "*message 'an order event': KeyError: 'total'*",
        ]
    )
    assert not (pytester.path / "pacts").exists()


def test_an_unknown_spec_is_a_usage_error_not_a_traceback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + GET_USER)

    result = pytester.runpytest("--pact-spec=V9")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --pact-spec / pact_spec: spec='V9' is not a pact version polycontract*"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_a_pact_dir_that_cannot_be_created_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + GET_USER)
    (pytester.path / "taken").write_text("a file, not a directory")

    result = pytester.runpytest("--pact-dir=taken/pacts")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --pact-dir / pact_dir: pact directory=*taken/pacts* is not a directory"])


def test_an_existing_file_that_is_not_a_pact_is_kept_and_the_run_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + GET_USER)
    (pytester.path / "pacts").mkdir()
    (pytester.path / "pacts" / "web-users.json").write_text("{not json")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["ERROR pact files not written: refusing to overwrite *web-users.json*"])
    assert (pytester.path / "pacts" / "web-users.json").read_text() == "{not json"


def test_a_bad_marker_argument_fails_the_test_with_what_the_marker_takes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n@pytest.mark.pact(consumer='a', provider='b', version=2)\ndef test_x(pact):\n    pass\n"
    )

    result = pytester.runpytest()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*takes only the keywords consumer=, provider= and spec= *['version']*"])


def test_under_xdist_two_workers_produce_one_merged_file(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    for module in range(4):
        tests = "".join(
            f"""
def test_{n}(pact):
    pact.given("item exists", id={module * 10 + n}).upon_receiving("item {module}-{n}").with_request(
        "GET", "/items/{module * 10 + n}").will_respond_with(200, body={{"id": match.integer({n})}})
    with pact.serve() as server:
        httpx.get(server.url + "/items/{module * 10 + n}")
"""
            for n in range(5)
        )
        pytester.makepyfile(**{f"test_m{module}": HEADER + tests})

    result = pytester.runpytest_subprocess("-n", "2")

    result.assert_outcomes(passed=20)
    result.stdout.fnmatch_lines(["wrote pacts/web-users.json (20 interactions)"])
    expected = sorted(f"item {m}-{n}" for m in range(4) for n in range(5))
    assert _descriptions(pytester) == expected
    assert not list(Path(pytester.path, "pacts").glob(".*"))  # no temporary or lock files left


def test_under_xdist_a_conflict_between_tests_fails_the_run_naming_both(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    for name, body in (("test_a", '{"id": 1}'), ("test_b", '{"id": "1"}')):
        pytester.makepyfile(
            **{
                name: HEADER
                + f"""
def test_user(pact):
    pact.upon_receiving("a user").with_request("GET", "/users/1").will_respond_with(200, body={body})
    exercise(pact)
"""
            }
        )

    result = pytester.runpytest_subprocess("-n", "2", "--dist", "loadfile")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # On two workers the controller finds the conflict; on one worker the second test fails: same message.
    both = r"by test_[ab]\.py::test_user and by test_[ab]\.py::test_user"
    result.stdout.re_match_lines([rf".*interaction 'a user' with no provider state is declared .* {both}.*"])
    assert not (pytester.path / "pacts" / "web-users.json").exists() or _descriptions(pytester) == ["a user"]


def test_the_consumer_example_passes_and_writes_both_pacts(pytester: pytest.Pytester) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "test_consumer.py"
    pytester.makepyfile(test_consumer=example.read_text())

    result = pytester.runpytest()

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["wrote pacts/web-orders.json (1 interaction)", "wrote pacts/web-users.json (1 interaction)"]
    )
    assert _pact(pytester, "web-orders.json")["interactions"][0]["type"] == "Asynchronous/Messages"


def test_a_default_pact_dir_that_cannot_be_created_fails_the_run_at_the_end_with_a_clean_message(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(HEADER + GET_USER)
    (pytester.path / "pacts").write_text("a file where the pact directory should be")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["ERROR pact files not written: pact directory=*pacts* cannot be created*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_project_without_consumer_tests_runs_whatever_the_default_pact_dir_is(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    (pytester.path / "pacts").write_text("not a directory, and nobody needs one")

    pytester.runpytest().assert_outcomes(passed=1)
