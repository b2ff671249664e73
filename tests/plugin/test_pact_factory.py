"""The ``pact_factory`` fixture, run with pytester: one test, several providers, one pact file per pair."""

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

pytestmark = pytest.mark.pact(consumer="web")

def exercise(*pacts):
    # Send each declared request to a mock provider of its pact, as the code under test would.
    for pact in pacts:
        with httpx.Client(transport=pact.transport(), base_url="http://provider") as client:
            for interaction in pact.interactions:
                client.request(interaction.request.method, interaction.request.path)
"""

CHECKOUT = """
def test_checkout(pact_factory):
    orders = pact_factory(provider="orders")
    users = pact_factory(provider="users")
    orders.upon_receiving("an order").with_request("GET", "/orders/1").will_respond_with(
        200, body={"id": match.integer(1)})
    users.given("user 7 exists", id=7).upon_receiving("a user").with_request("GET", "/users/7").will_respond_with(
        200, body={"name": match.string("Ann")})
    with orders.serve() as order_server, httpx.Client(transport=users.transport(), base_url="http://users") as client:
        assert httpx.get(f"{order_server.url}/orders/1").json()["id"] == 1
        assert client.get("/users/7").json()["name"] == "Ann"
"""


def _interactions(pytester: pytest.Pytester, name: str) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(Path(pytester.path, "pacts", name).read_text())
    return list(data["interactions"])


def test_one_test_writes_a_pact_file_for_each_provider_it_asked_for(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + CHECKOUT)

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    assert [i["description"] for i in _interactions(pytester, "web-orders.json")] == ["an order"]
    [user] = _interactions(pytester, "web-users.json")
    assert user["providerStates"] == [{"name": "user 7 exists", "params": {"id": 7}}]
    result.stdout.fnmatch_lines(
        ["wrote pacts/web-orders.json (1 interaction)", "wrote pacts/web-users.json (1 interaction)"]
    )


def test_asking_twice_for_a_provider_gives_the_same_pact_and_its_interactions_merge_with_other_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        HEADER
        + CHECKOUT
        + """
def test_same_pact(pact_factory):
    first = pact_factory(provider="orders")
    assert pact_factory(provider="orders") is first
    assert (first.consumer, first.provider, first.spec) == ("web", "orders", "V4")
    first.upon_receiving("no orders").with_request("GET", "/orders").will_respond_with(200, body=[])
    exercise(first)

@pytest.mark.pact(provider="orders")
def test_with_the_plain_fixture(pact):
    pact.upon_receiving("an order list").with_request("GET", "/orders/list").will_respond_with(200, body=[])
    exercise(pact)
"""
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=3)
    descriptions = [i["description"] for i in _interactions(pytester, "web-orders.json")]
    assert descriptions == ["an order", "an order list", "no orders"]


def test_consumer_and_spec_may_be_given_per_pact(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_two_consumers(pact_factory):
    pact_factory(provider="orders", consumer="admin", spec="V3").upon_receiving("an order").with_request(
        "GET", "/orders/1").will_respond_with(200)
    exercise(*pact_factory.pacts)
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    data = json.loads(Path(pytester.path, "pacts", "admin-orders.json").read_text())
    assert data["metadata"]["pactSpecification"]["version"] == "3.0.0"


def test_the_consumer_name_comes_from_the_ini_file_when_no_marker_names_it(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npact_consumer = mobile\n")
    pytester.makepyfile(
        HEADER.replace('pytestmark = pytest.mark.pact(consumer="web")', "")
        + """
def test_orders(pact_factory):
    pact_factory(provider="orders").upon_receiving("ping").with_request("GET", "/ping").will_respond_with(204)
    exercise(*pact_factory.pacts)
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    assert Path(pytester.path, "pacts", "mobile-orders.json").is_file()


def test_without_a_consumer_name_the_test_fails_saying_how_to_give_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
def test_orders(pact_factory):
    pact_factory(provider="orders")
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*needs a consumer name*pass consumer= to pact_factory(...)*"])
    assert not Path(pytester.path, "pacts").exists()


def test_a_bad_provider_name_fails_the_test_quoting_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + "\ndef test_bad(pact_factory):\n    pact_factory(provider='')\n")

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*pact_factory: provider='' must be a non-empty string*"])


def test_asking_again_with_another_spec_fails_naming_the_pact(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER + "\ndef test_specs(pact_factory):\n    pact_factory(provider='orders')\n"
        "    pact_factory(provider='orders', spec='V3')\n"
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*already has the pact web -> orders in spec 'V4'*"])


def test_a_failing_test_writes_none_of_its_pacts(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HEADER + CHECKOUT.replace('["name"] == "Ann"', '["name"] == "Bob"'))

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    assert not Path(pytester.path, "pacts").exists()


def test_an_unfinished_declaration_fails_the_test_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER + "\ndef test_unfinished(pact_factory):\n"
        "    pact_factory(provider='orders').upon_receiving('an order').with_request('GET', '/orders/1')\n"
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*interaction 'an order' is not finished*"])


def test_a_conflict_with_another_test_fails_naming_both(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_first(pact_factory):
    pact_factory(provider="orders").upon_receiving("ping").with_request("GET", "/ping").will_respond_with(204)
    exercise(*pact_factory.pacts)

def test_second(pact_factory):
    pact_factory(provider="orders").upon_receiving("ping").with_request("GET", "/ping").will_respond_with(200)
    exercise(*pact_factory.pacts)
"""
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*declared with different content by *test_first* and by *test_second*"])


def test_under_xdist_the_factory_pacts_of_both_workers_are_merged(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    tests = "".join(
        f"""
def test_{n}(pact_factory):
    orders, users = pact_factory(provider="orders"), pact_factory(provider="users")
    orders.upon_receiving("order {n}").with_request("GET", "/orders/{n}").will_respond_with(200)
    users.upon_receiving("user {n}").with_request("GET", "/users/{n}").will_respond_with(200)
    exercise(orders, users)
"""
        for n in range(6)
    )
    pytester.makepyfile(HEADER + tests)

    result = pytester.runpytest_subprocess("-n", "2")

    result.assert_outcomes(passed=6)
    assert len(_interactions(pytester, "web-orders.json")) == 6
    assert len(_interactions(pytester, "web-users.json")) == 6
