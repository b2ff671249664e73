"""The pure webhook rules: which events fire, who listens, rendering and masking."""

from __future__ import annotations

import json

import pytest

from polycontract.broker._webhooks.events import (
    CONTENT_CHANGED,
    CONTRACT_PUBLISHED,
    MASK,
    REQUIRING_VERIFICATION,
    VERIFICATION_FAILED,
    VERIFICATION_PUBLISHED,
    VERIFICATION_SUCCEEDED,
    EventFacts,
    backoff_delay,
    listens,
    mask_headers,
    parse_header,
    parse_template,
    publish_events,
    render,
    render_text,
    template_context,
    verification_events,
)
from polycontract.errors import UsageError


@pytest.mark.parametrize(
    ("outcome", "previous", "verified", "expected"),
    [
        ("unchanged", None, False, ()),
        ("created", None, False, (CONTRACT_PUBLISHED, REQUIRING_VERIFICATION, CONTENT_CHANGED)),
        ("created", "h1", False, (CONTRACT_PUBLISHED, REQUIRING_VERIFICATION)),
        ("created", "h1", True, (CONTRACT_PUBLISHED,)),
        ("created", "h0", True, (CONTRACT_PUBLISHED, CONTENT_CHANGED)),
        ("overwritten", "h0", False, (CONTRACT_PUBLISHED, REQUIRING_VERIFICATION, CONTENT_CHANGED)),
    ],
)
def test_publish_events(outcome: str, previous: str | None, verified: bool, expected: tuple[str, ...]) -> None:
    assert publish_events(outcome, content_hash="h1", previous_hash=previous, verified_before=verified) == expected


def test_a_verification_fires_published_and_its_outcome() -> None:
    assert verification_events(True) == (VERIFICATION_PUBLISHED, VERIFICATION_SUCCEEDED)
    assert verification_events(False) == (VERIFICATION_PUBLISHED, VERIFICATION_FAILED)


def test_filters_and_events_decide_who_listens() -> None:
    facts = EventFacts(event=VERIFICATION_PUBLISHED, consumer="web", provider="auth", content_hash="h")
    assert listens([VERIFICATION_PUBLISHED], None, None, facts)
    assert listens([VERIFICATION_PUBLISHED], "web", "auth", facts)
    assert not listens([VERIFICATION_PUBLISHED], "mobile", None, facts)
    assert not listens([VERIFICATION_PUBLISHED], None, "billing", facts)
    assert not listens([CONTENT_CHANGED], None, None, facts)


def test_rendering_fills_placeholders_inside_json_strings_only() -> None:
    facts = EventFacts(
        event=VERIFICATION_PUBLISHED,
        consumer='we"b',
        provider="auth svc",
        content_hash="abc",
        provider_version="7",
        success=False,
    )
    context = template_context(facts, "https://b.example/")
    template = '{"text": "${pactbroker.consumerName} by ${pactbroker.providerVersionNumber}", "n": 1,'
    template += ' "list": ["${pactbroker.githubVerificationStatus}", "${pactbroker.unknown}"]}'
    assert json.loads(render(template, context)) == {
        "text": 'we"b by 7',
        "n": 1,
        "list": ["failure", "${pactbroker.unknown}"],
    }
    assert context["pactUrl"] == "https://b.example/pacts/provider/auth%20svc/consumer/we%22b/pact-version/abc"
    assert context["verificationResultUrl"] == context["pactUrl"] + "/verification-results/latest"
    assert render_text("x/${pactbroker.providerName}", context) == "x/auth svc"
    published = template_context(
        EventFacts(event=REQUIRING_VERIFICATION, consumer="c", provider="p", content_hash="h"), ""
    )
    assert (published["githubVerificationStatus"], published["verificationResultUrl"]) == ("pending", "")


def test_templates_headers_masking_and_backoff() -> None:
    assert json.loads(parse_template(None))["pactUrl"] == "${pactbroker.pactUrl}"
    assert parse_template({"a": 1}) == '{"a": 1}'
    with pytest.raises(UsageError, match="not JSON"):
        parse_template("{")
    assert parse_header("Authorization:  Bearer x ") == ("Authorization", "Bearer x")
    with pytest.raises(UsageError):
        parse_header("Bad Name: x")
    headers = {"authorization": "a", "X-Auth-Token": "b", "X-Client-Secret": "c", "X-Team": "d"}
    assert mask_headers(headers) == {
        "authorization": MASK,
        "X-Auth-Token": MASK,
        "X-Client-Secret": MASK,
        "X-Team": "d",
    }
    assert [backoff_delay(n, 0.5) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert backoff_delay(20, 1.0) == 60.0
