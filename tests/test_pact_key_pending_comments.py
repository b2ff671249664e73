"""The V4 interaction attributes a consumer test declares: key, pending flag and comments.

pact-python sets them with ``Interaction.set_key``, ``set_pending``, ``add_text_comment`` and
``set_comment`` (pact-foundation/pact-python ``src/pact/interaction/_base.py``); the Pact compatibility
suite expects them in the written pact as ``"key": "123ABC"``, ``"pending": true`` and
``"comments": {"text": ["this is a comment"]}`` (``features/V4/http_consumer.feature``).
"""

from __future__ import annotations

import json

import httpx
import pytest

from polycontract import Pact
from polycontract.errors import UsageError
from polycontract.mock import MockTransport

_LOADED = (httpx, MockTransport)  # loaded before pytester's in-process run (see tests/plugin)

CONSUMER_TEST = """
import httpx
import pytest

pytestmark = pytest.mark.pact(consumer="web", provider="users")

def test_get_user(pact):
    (pact.upon_receiving("a request for user 7")
         .with_key("user-7")
         .with_pending()
         .with_comment("users are cached for a minute")
         .with_comments(testname="test_get_user")
         .with_request("GET", "/users/7")
         .will_respond_with(200))
    (pact.expects_to_receive("a user event").with_key("event-1").with_comment("sent on change")
         .with_content({"id": 7}))
    with httpx.Client(transport=pact.transport(), base_url="http://users") as client:
        assert client.get("/users/7").status_code == 200
    pact.verify_message(lambda contents, metadata: None)
"""


def test_key_pending_and_comments_declared_in_a_consumer_test_reach_the_written_pact(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(CONSUMER_TEST)
    pytester.runpytest_inprocess().assert_outcomes(passed=1)
    written = json.loads((pytester.path / "pacts" / "web-users.json").read_text())
    by_type = {i["type"]: i for i in written["interactions"]}
    http, message = by_type["Synchronous/HTTP"], by_type["Asynchronous/Messages"]
    assert http["key"] == "user-7" and http["pending"] is True
    assert http["comments"] == {"text": ["users are cached for a minute"], "testname": "test_get_user"}
    assert message["key"] == "event-1" and "pending" not in message
    assert message["comments"] == {"text": ["sent on change"]}


def test_text_comments_accumulate_in_declaration_order() -> None:
    pact = Pact(consumer="a", provider="b").upon_receiving("a ping").with_comment("one").with_comment("two")
    pact.with_request_message({"ping": 1}).will_respond_with_message({"pong": 1})
    assert pact.interactions[0].comments == {"text": ["one", "two"]}


def test_schema_subject_and_text_comments_are_kept_together() -> None:
    pact = Pact(consumer="a", provider="b").expects_to_receive("an event").with_comment("hourly")
    pact.with_content({"id": 1}, schema_subject="events-value")
    assert pact.interactions[0].comments == {"text": ["hourly"], "schemaSubject": "events-value"}


def test_attributes_do_not_carry_over_to_the_next_interaction() -> None:
    pact = Pact(consumer="a", provider="b")
    pact.upon_receiving("one").with_key("k").with_pending().with_comment("c").with_request("GET", "/1")
    pact.will_respond_with(200).upon_receiving("two").with_request("GET", "/2").will_respond_with(200)
    second = pact.interactions[1]
    assert (second.key, second.pending, dict(second.comments)) == (None, False, {})


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda p: p.with_key("k"), "an interaction key"),
        (lambda p: p.with_pending(), "the pending flag"),
        (lambda p: p.with_comment("c"), "a comment"),
        (lambda p: p.with_comments(testname="t"), "a comment"),
    ],
)
def test_v4_attributes_are_refused_in_a_v3_pact_naming_the_specification(call, named) -> None:  # type: ignore[no-untyped-def]
    pact = Pact(consumer="a", provider="b", spec="V3").upon_receiving("a ping")
    with pytest.raises(UsageError, match=f"{named} exists only in Pact specification V4 .*spec='V4'"):
        call(pact)


def test_an_attribute_before_the_interaction_is_named_is_refused() -> None:
    with pytest.raises(UsageError, match=r"with_key: name the interaction first with upon_receiving"):
        Pact(consumer="a", provider="b").with_key("k")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: p.with_key(""), "key='' must be a non-empty string"),
        (lambda p: p.with_pending("yes"), "pending='yes' must be True or False"),
        (lambda p: p.with_comment(3), "text=3 must be a non-empty string"),
        (lambda p: p.with_comments(text="one"), "text='one' must be a list of strings"),
        (lambda p: p.with_comments(testname=1), "testname=1 must be a string"),
        (lambda p: p.with_comments(extra={1j}), "extra=.* is not JSON-serialisable"),
    ],
)
def test_bad_attribute_values_are_refused_quoting_them(call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=message):
        call(Pact(consumer="a", provider="b").upon_receiving("a ping"))


def test_a_comment_set_to_none_is_removed() -> None:
    pact = Pact(consumer="a", provider="b").upon_receiving("a ping").with_comments(testname="t", ticket="T-1")
    pact.with_comments(ticket=None).with_request("GET", "/").will_respond_with(200)
    assert pact.interactions[0].comments == {"testname": "t"}
