"""Fuzz verifications fire no webhook: ``provider_verification_*`` events speak of the pact's example results, and a
content verified only by fuzzing still counts as never verified when it is published again."""

from __future__ import annotations

import json

from polycontract.broker import Broker
from tests.broker.conftest import PactMaker
from tests.broker.test_broker_webhooks import VERIFIED, Receiver, receiver, wb  # noqa: F401 (fixtures)


def test_a_fuzz_result_fires_no_provider_verification_webhook(
    wb: Broker,  # noqa: F811
    receiver: Receiver,  # noqa: F811
    make_pact: PactMaker,
) -> None:
    digest = wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1").content_hash
    body = {"state": "${pactbroker.githubVerificationStatus}"}
    wb.create_webhook(url=receiver.url + "/ok", events=[VERIFIED], body_template=json.dumps(body))

    wb.publish_verification_results(
        provider="auth", provider_version="8", results=[{"content_hash": digest, "success": False, "kind": "fuzz"}]
    )
    wb.publish_verification_results(
        provider="auth", provider_version="8", results=[{"content_hash": digest, "success": True}]
    )
    assert wb.flush_webhooks(10)

    assert [json.loads(r["body"]) for r in receiver.requests] == [{"state": "success"}]  # the example result only
