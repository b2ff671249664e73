"""Matchers as a consumer test uses them, run with pytester: what reads as a check is one.

``min=``/``max=`` on a number matcher would never be checked against the provider, so the test that
declares them fails with one line saying what to write instead; a datetime declared from what
``datetime.isoformat()`` writes is accepted and written to the pact with a pattern that accepts ``Z`` too.
"""

from __future__ import annotations

import json

import httpx
import pytest

from polycontract.mock import MockTransport

# Loaded out here, not first inside one of pytester's in-process runs (see tests/plugin/test_consumer_plugin.py).
_LOADED = (httpx, MockTransport)

CONSUMER = """
import datetime as dt
import httpx
import pytest
from polycontract import match

pytestmark = pytest.mark.pact(consumer="web", provider="clock")

def test_stock_level(pact):
    pact.upon_receiving("a stock level").with_request("GET", "/stock").will_respond_with(
        200, body={"level": match.integer(5, min=1, max=5)})
    with httpx.Client(transport=pact.transport(), base_url="http://clock") as client:
        assert client.get("/stock").json()["level"] == 5

def test_now(pact):
    stamp = dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc).isoformat()
    pact.upon_receiving("the time").with_request("GET", "/now").will_respond_with(
        200, body={"at": match.datetime(stamp)})
    with httpx.Client(transport=pact.transport(), base_url="http://clock") as client:
        assert client.get("/now").json() == {"at": "2024-05-01T10:00:00+00:00"}
"""


def test_a_consumer_test_with_integer_bounds_fails_naming_the_keywords_that_say_what_they_do(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_consumer=CONSUMER)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    line = (
        "*UsageError: integer: min=1, max=5 would never be checked against the provider*generate_min=1, generate_max=5*"
    )
    result.stdout.fnmatch_lines([line])


def test_a_consumer_test_with_an_isoformat_datetime_writes_a_pattern_that_accepts_z_and_offsets(
    pytester: pytest.Pytester,
) -> None:
    consumer = CONSUMER.replace("min=1, max=5", "generate_min=1, generate_max=5")
    consumer = consumer.replace('["level"] == 5', '["level"] in range(1, 6)')  # the mock answers generated levels
    pytester.makepyfile(test_consumer=consumer)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    pact = json.loads((pytester.path / "pacts" / "web-clock.json").read_text())
    (now,) = [i for i in pact["interactions"] if i["description"] == "the time"]
    rules = now["response"]["matchingRules"]["body"]["$.at"]["matchers"]
    assert rules == [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ssXXX"}]
