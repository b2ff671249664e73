"""The ``vary=N`` marker option and ``pact_vary`` ini setting, run with pytester: consumer tests under hypothesis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest

import polycontract.mock._vary
import polycontract.strategies._http
from polycontract.mock import MockTransport

# Loaded out here, not first inside one of pytester's in-process runs (see test_consumer_plugin.py).
_LOADED = (httpx, MockTransport, hypothesis, polycontract.mock._vary, polycontract.strategies._http)

HEADER = """
import datetime
import httpx
import pytest
from polycontract import match

pytestmark = pytest.mark.pact(consumer="web", provider="users")
CLIENT = httpx.Client()  # shared by every run of a test: making a client costs more than a run
"""

# Each consumer reads a response the way a client library would; the buggy ones only work with the example.
ITEMS = """
def first_item_id(client):
    items = client.get("/items").json()["items"]
    return {pick}

@pytest.mark.pact({vary})
def test_items(pact):
    pact.upon_receiving("a list of items").with_request("GET", "/items").will_respond_with(
        200, body={{"items": match.each_like({{"id": match.integer(7)}}, min=0)}})
    with httpx.Client(transport=pact.transport(), base_url="http://users") as client:
        first_item_id(client)
"""
ITEMS_BUGGY = 'items[0]["id"]'
ITEMS_FIXED = 'items[0]["id"] if items else None'

DATES = """
def created(url):
    text = CLIENT.get(f"{{url}}/order").json()["created"]
    return {parse}

@pytest.mark.pact({vary})
def test_dates(pact):
    pact.upon_receiving("an order").with_request("GET", "/order").will_respond_with(
        200, body={{"created": match.datetime("2024-05-01T10:00:00+00:00")}})
    with pact.serve() as server:
        assert created(server.url).year >= 1
"""
DATES_BUGGY = 'datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S+00:00")'
DATES_FIXED = "datetime.datetime.fromisoformat(text)"

IDS = """
NAMES = {{7: "Ann"}}

def greeting(client):
    user = client.get("/me").json()
    return "Hello " + {name}

@pytest.mark.pact({vary})
def test_greeting(pact):
    pact.upon_receiving("the current user").with_request("GET", "/me").will_respond_with(
        200, body={{"id": match.integer(7), "name": match.string("Ann")}})
    with httpx.Client(transport=pact.transport(), base_url="http://users") as client:
        assert greeting(client).startswith("Hello ")
"""
IDS_BUGGY = 'NAMES[user["id"]]'
IDS_FIXED = 'user["name"]'

BUGGY = {
    "items": ITEMS.replace("{pick}", ITEMS_BUGGY),
    "dates": DATES.replace("{parse}", DATES_BUGGY),
    "ids": IDS.replace("{name}", IDS_BUGGY),
}
CORRECT = (
    ITEMS.replace("{pick}", ITEMS_FIXED) + DATES.replace("{parse}", DATES_FIXED) + IDS.replace("{name}", IDS_FIXED)
)

#: What the report shows for each buggy consumer: its error, and the smallest response that broke it.
SHOWN = {
    "items": ["*IndexError*", "*to the interaction 'a list of items'*", '*body: {"items": []}*'],
    "dates": ["*ValueError*", "*to the interaction 'an order'*", '*body: {"created": "*"}*'],
    "ids": ["*KeyError*", "*to the interaction 'the current user'*", '*body: {"id": *, "name": "Ann"}*'],
}


def source(template: str, vary: str = "") -> str:
    return HEADER + template.replace("{vary}", vary).replace("{{", "{").replace("}}", "}")


def _pact(pytester: pytest.Pytester, name: str = "web-users.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(pytester.path, "pacts", name).read_text())
    return data


@pytest.mark.parametrize("bug", sorted(BUGGY))
def test_a_consumer_that_only_works_with_the_example_passes_without_vary(pytester: pytest.Pytester, bug: str) -> None:
    pytester.makepyfile(source(BUGGY[bug]))

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize("bug", sorted(BUGGY))
def test_under_vary_it_fails_showing_the_smallest_response_that_broke_it(pytester: pytest.Pytester, bug: str) -> None:
    pytester.makepyfile(source(BUGGY[bug], "vary=50"))

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the varied responses served in this run:*"])
    result.stdout.fnmatch_lines(SHOWN[bug], consecutive=False)
    result.stdout.fnmatch_lines(["*status: 200*"])
    assert not Path(pytester.path, "pacts", "web-users.json").exists()
    if bug == "dates":  # the smallest date shown is in a shape other than the example's: Z or another offset
        shown = [line for line in result.stdout.lines if 'body: {"created"' in line]
        assert shown
        assert all("+00:00" not in line for line in shown)


def test_correct_consumers_pass_with_vary_50(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(source(CORRECT, "vary=50"))

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_the_ini_setting_varies_every_consumer_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npact_vary = 30\n")
    pytester.makepyfile(source(BUGGY["items"]))

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(SHOWN["items"], consecutive=False)


def test_the_marker_overrides_the_ini_setting(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npact_vary = 30\n")
    pytester.makepyfile(source(BUGGY["items"], "vary=0"))

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_pact_file_written_with_vary_equals_the_one_written_without(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(source(CORRECT, "vary=20"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
    varied = _pact(pytester)
    Path(pytester.path, "pacts", "web-users.json").unlink()

    pytester.makepyfile(source(CORRECT))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)

    assert varied == _pact(pytester)
    assert len(varied["interactions"]) == 3


def test_every_run_declares_afresh_and_must_exercise_what_it_declares(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.pact(vary=10)
def test_declares_twice(pact):
    pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)
    with httpx.Client(transport=pact.transport(), base_url="http://users") as client:
        client.get("/ping")
    assert len(pact.interactions) == 1
"""
    )

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert [i["description"] for i in _pact(pytester)["interactions"]] == ["a ping"]


def test_a_bad_vary_value_fails_the_test_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(source(BUGGY["items"], 'vary="many"'))

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*vary='many' must be a whole number of runs*"])


def test_without_vary_hypothesis_is_never_imported(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(
        source(CORRECT)
        + """
def test_zz_no_hypothesis():
    import sys
    assert "hypothesis" not in sys.modules
"""
    )

    # Only polycontract's plugin: other installed plugins (schemathesis) load hypothesis themselves.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "polycontract.pytest_plugin")

    result.assert_outcomes(passed=4)


def test_the_active_settings_profile_and_its_database_are_honoured(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

settings.register_profile("tiny", database=DirectoryBasedExampleDatabase("failures"), derandomize=False)
settings.load_profile("tiny")
"""
    )
    pytester.makepyfile(source(BUGGY["ids"], "vary=50"))
    before = hypothesis.settings.get_current_profile_name()

    try:
        result = pytester.runpytest("-p", "no:cacheprovider")
    finally:
        hypothesis.settings.load_profile(before)  # the profile is process-wide: pytester runs in this process

    result.assert_outcomes(failed=1)
    saved = [path for path in Path(pytester.path, "failures").rglob("*") if path.is_file()]
    assert saved  # the shrunk failure is kept for the next run


def test_pacts_made_by_pact_factory_vary_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.pact(vary=20)
def test_two_providers(pact_factory):
    orders = pact_factory(provider="orders")
    orders.upon_receiving("the orders").with_request("GET", "/orders").will_respond_with(
        200, body={"orders": match.each_like({"id": match.integer(1)}, min=0)})
    with httpx.Client(transport=orders.transport(), base_url="http://orders") as client:
        assert client.get("/orders").json()["orders"][0]["id"] == 1
"""
    )

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*to the interaction 'the orders'*"])
