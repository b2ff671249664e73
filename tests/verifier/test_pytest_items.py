"""Provider verification as pytest items: one item per interaction, readable failures, ``-k`` selection."""

from __future__ import annotations

import json

import pytest

from tests.verifier.providers import get_user, users_pact

TEST_MODULE = """
import pytest
from polycontract.verifier import Verifier
from polycontract.pytest_plugin._provider import pact_verification

USERS = {}

def app(environ, start_response):
    import json
    user_id = int(environ["PATH_INFO"].rsplit("/", 1)[1])
    if user_id not in USERS:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b"{}"]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"id": USERS[user_id], "name": "alice"}).encode()]

verifier = Verifier(provider="users", app=app)

@verifier.state("user exists")
def user_exists(params):
    USERS[params["id"]] = params["id"] if params["id"] != 2 else "two"
    yield
    USERS.clear()

test_users_api = pact_verification(verifier, "pacts")

@pytest.mark.pact_verification(verifier, "pacts/web-users.json")
def test_with_marker(pact_interaction):
    result = pact_interaction.run()
    assert result.description in ("get user", "get user 2", "get user 3")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pacts = pytester.mkdir("pacts")
    doc = users_pact(get_user(1), get_user(2, description="get user 2"), get_user(3, description="get user 3"))
    (pacts / "web-users.json").write_text(json.dumps(doc))
    pytester.makepyfile(test_provider=TEST_MODULE)
    return pytester


def test_each_interaction_is_its_own_item(project: pytest.Pytester) -> None:
    result = project.runpytest("-v", "-k", "test_users_api")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_users_api?web: get user? PASSED*",
            "*test_users_api?web: get user 2? FAILED*",
            "*test_users_api?web: get user 3? PASSED*",
        ]
    )


def test_a_failure_shows_the_description_and_each_mismatch(project: pytest.Pytester) -> None:
    result = project.runpytest("-k", "test_users_api")

    result.stdout.fnmatch_lines(
        [
            "*web -> users: get user 2",
            "*request GET /users/2",
            "*given 'user exists'",
            '*1) $.body.id: Expected "two" to be an integer',
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_k_selects_interactions_by_description(project: pytest.Pytester) -> None:
    result = project.runpytest("-k", "test_users_api and 3")

    result.assert_outcomes(passed=1)


def test_the_marker_parametrizes_a_custom_test(project: pytest.Pytester) -> None:
    result = project.runpytest("-k", "test_with_marker")

    result.assert_outcomes(passed=3)


def test_an_unreadable_pact_is_one_failing_item(pytester: pytest.Pytester) -> None:
    pytester.mkdir("pacts")
    (pytester.path / "pacts" / "broken.json").write_text("{not json")
    pytester.makepyfile(
        test_provider="""
from polycontract.verifier import Verifier
from polycontract.pytest_plugin._provider import pact_verification

test_api = pact_verification(Verifier(provider="users", base_url="http://127.0.0.1:9"), "pacts")
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unreadable pact*broken.json*", "*not valid JSON*"])


def test_a_failing_pending_interaction_is_xfail(pytester: pytest.Pytester) -> None:
    interaction = {
        "type": "Synchronous/HTTP",
        "description": "future feature",
        "pending": True,
        "request": {"method": "GET", "path": "/new"},
        "response": {"status": 200},
    }
    (pytester.path / "pact.json").write_text(json.dumps(users_pact(interaction, spec="4.0")))
    pytester.makepyfile(
        test_provider="""
from polycontract.verifier import Verifier
from polycontract.pytest_plugin._provider import pact_verification

def app(environ, start_response):
    start_response("404 Not Found", [])
    return [b""]

test_api = pact_verification(Verifier(provider="users", app=app), "pact.json")
"""
    )

    result = pytester.runpytest("-rx")

    result.assert_outcomes(xfailed=1)


BROKER_MODULE = """
from polycontract.broker import BrokerSource, connect
from polycontract.verifier import Verifier
from polycontract.pytest_plugin._provider import pact_verification

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"id": 1, "name": "alice"}']

broker = connect("BROKER_URL")
source = BrokerSource(broker, "users", selectors=[{"deployed": True}, {"latest": True}], include_pending=False)
test_users_api = pact_verification(Verifier(provider="users", app=app), source)
"""


def test_item_ids_name_the_consumer_version_and_where_it_is_deployed(pytester: pytest.Pytester) -> None:
    from polycontract.broker import connect
    from polycontract.codec import load_pact

    url = f"sqlite:///{pytester.path / 'broker.db'}"
    old = users_pact(get_user(1, state=None))
    old["interactions"][0]["response"]["body"]["email"] = "a@example.com"  # 1.4.0 expects a field no longer sent
    with connect(url) as broker:
        broker.publish_pact(load_pact(old), consumer_version="1.4.0", branch="main")
        broker.publish_pact(load_pact(users_pact(get_user(1, state=None))), consumer_version="1.5.0", branch="main")
        broker.create_environment("prod", production=True)
        broker.record_deployment("web", "1.4.0", "prod")
    pytester.makepyfile(test_provider=BROKER_MODULE.replace("BROKER_URL", url))

    result = pytester.runpytest("-v")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_users_api?web 1.4.0 (deployed in prod): get user? FAILED*",
            "*test_users_api?web 1.5.0: get user? PASSED*",
        ]
    )
    result.stdout.fnmatch_lines(["*the provider broke the pact:", "*web 1.4.0 -> users: get user ?deployed in prod?"])


def test_items_with_the_same_id_are_told_apart_by_their_pact_file(pytester: pytest.Pytester) -> None:
    pacts = pytester.mkdir("pacts")
    for name in ("a.json", "b.json"):
        (pacts / name).write_text(json.dumps(users_pact(get_user(1, state=None))))
    pytester.makepyfile(
        test_provider="""
from polycontract.verifier import Verifier
from polycontract.pytest_plugin._provider import pact_verification

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"id": 1, "name": "alice"}']

test_api = pact_verification(Verifier(provider="users", app=app), "pacts")
"""
    )

    result = pytester.runpytest("-v")

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*test_api?web: get user ?a.json?? PASSED*", "*test_api?web: get user ?b.json?? PASSED*"]
    )


def test_an_item_that_could_not_be_verified_fails_saying_so(pytester: pytest.Pytester) -> None:
    (pytester.path / "pact.json").write_text(json.dumps(users_pact(get_user(1))))
    pytester.makepyfile(
        test_provider="""
from polycontract.verifier import Verifier
from polycontract.pytest_plugin._provider import pact_verification

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"id": 1, "name": "alice"}']

test_api = pact_verification(Verifier(provider="users", app=app), "pact.json")
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*could not verify (nothing was checked, so this is no pass):",
            "*no handler for provider state 'user exists'*",
        ]
    )
    assert "the provider broke the pact" not in result.stdout.str()
