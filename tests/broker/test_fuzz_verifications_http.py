"""Fuzz verifications over HTTP (a real server on 127.0.0.1 port 0): published by `HttpBroker` and raw POSTs,
served with their kind, counted by our ``/can-i-deploy?fuzz=`` only, and invisible to the Pact CLI."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from polycontract.broker import Broker, connect
from polycontract.broker._client.http_broker import HttpBroker
from tests.broker.conftest import PactMaker
from tests.broker.fuzz_results import verification_result
from tests.broker.http_twin import serving
from tests.broker.pact_cli import needs_pact_cli, pact

pytest.importorskip("uvicorn")


@pytest.fixture
def served(broker: Broker, make_pact: PactMaker) -> Iterator[tuple[Broker, str, str]]:
    """web 1.0 has a pact with auth, deployed to prod beside auth 2.0; served over HTTP."""
    content = broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0").content_hash
    broker.create_version("auth", "2.0", branch="main")
    broker.record_deployment("auth", "2.0", "prod")
    broker.record_deployment("web", "1.0", "prod")
    with serving(broker) as url:
        yield broker, url, content


def _publish_through_http(url: str, content: str) -> None:
    with connect(url) as remote:
        assert isinstance(remote, HttpBroker)
        recorded = remote.publish_verification_results(
            provider="auth",
            provider_version="2.0",
            results=[
                verification_result(content, True, "example", consumer="web"),
                verification_result(content, False, "fuzz", consumer="web"),
            ],
        )
    assert [r.kind for r in recorded] == ["example", "fuzz"]


def test_http_broker_publishes_a_fuzz_verification_the_server_stores_as_fuzz(served: tuple[Broker, str, str]) -> None:
    broker, url, content = served

    _publish_through_http(url, content)

    rows = broker.matrix("web", include_fuzz=True)
    assert [(r.kind, r.success) for r in rows] == [("example", True), ("fuzz", False)]
    fuzz_id = rows[1].verification_id
    resource = httpx.get(
        f"{url}/pacts/provider/auth/consumer/web/pact-version/{content}/verification-results/{fuzz_id}"
    )
    assert resource.status_code == 200
    assert resource.json()["polycontract"] == {"kind": "fuzz"}
    assert resource.json()["success"] is False
    latest = httpx.get(f"{url}/pacts/provider/auth/consumer/web/pact-version/{content}/verification-results/latest")
    assert latest.json()["success"] is True  # the Pact Broker's "latest" result is the latest example result


def test_a_raw_post_with_the_extension_member_records_a_fuzz_verification(served: tuple[Broker, str, str]) -> None:
    broker, url, content = served
    # The Pact Broker reads only the members its representer declares (success, buildUrl, testResults,
    # verifiedBy: pact_broker lib/pact_broker/api/decorators/verification_decorator.rb) and ignores others, so a
    # "polycontract" member sent to it is dropped; our server, which refuses unknown members, knows this one.
    path = f"{url}/pacts/provider/auth/consumer/web/pact-version/{content}/verification-results"
    body = {"success": False, "providerApplicationVersion": "2.0", "polycontract": {"kind": "fuzz", "seed": 1}}

    answer = httpx.post(path, json=body)

    assert answer.status_code == 201, answer.text
    assert answer.json()["polycontract"] == {"kind": "fuzz"}
    assert [r.kind for r in broker.matrix("web", include_fuzz=True)] == ["example", "fuzz"]
    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is None  # still unverified: fuzz only


def test_an_unknown_kind_or_extension_member_is_refused(served: tuple[Broker, str, str]) -> None:
    _, url, content = served
    path = f"{url}/pacts/provider/auth/consumer/web/pact-version/{content}/verification-results"
    base = {"success": True, "providerApplicationVersion": "2.0"}

    wrong_kind = httpx.post(path, json={**base, "polycontract": {"kind": "random"}})
    unknown = httpx.post(path, json={**base, "polycontract": {"kind": "fuzz", "shrunk": True}})

    assert wrong_kind.status_code == 400 and "kind" in wrong_kind.text
    assert unknown.status_code == 400 and "shrunk" in unknown.text


def test_can_i_deploy_over_http_counts_fuzz_only_when_asked(served: tuple[Broker, str, str]) -> None:
    _, url, content = served
    _publish_through_http(url, content)
    question = {"pacticipant": "web", "version": "1.0", "environment": "prod"}

    default = httpx.get(f"{url}/can-i-deploy", params=question).json()
    counted = httpx.get(f"{url}/can-i-deploy", params={**question, "fuzz": "count"}).json()
    pact_form = httpx.get(
        f"{url}/matrix",
        params={"q[][pacticipant]": "web", "q[][version]": "1.0", "latestby": "cvp", "environment": "prod"},
    ).json()
    refused = httpx.get(f"{url}/can-i-deploy", params={**question, "fuzz": "sometimes"})

    assert default["summary"]["deployable"] is True
    assert pact_form["summary"]["deployable"] is True
    assert [r["verificationResult"]["success"] for r in pact_form["matrix"]] == [True]
    assert counted["summary"]["deployable"] is False
    assert any("fuzz" in n["text"] for n in counted["notices"] if n["type"] == "danger" or "failed" in n["text"])
    assert [r.get("polycontract") for r in counted["matrix"]] == [None, {"kind": "fuzz"}]
    assert refused.status_code == 400


def test_http_broker_asks_the_fuzz_question_with_the_same_answer_as_the_embedded_broker(
    served: tuple[Broker, str, str],
) -> None:
    broker, url, content = served
    _publish_through_http(url, content)

    with connect(url) as remote:
        over_http = {p: remote.can_i_deploy("web", "1.0", to_environment="prod", fuzz=p) for p in ("ignore", "count")}
    embedded = {p: broker.can_i_deploy("web", "1.0", to_environment="prod", fuzz=p) for p in ("ignore", "count")}

    assert {p: d.ok for p, d in over_http.items()} == {"ignore": True, "count": False}
    assert [r.message for r in over_http["count"].reasons] == [r.message for r in embedded["count"].reasons]


@needs_pact_cli
def test_the_pact_clis_can_i_deploy_is_unaffected_by_a_failing_fuzz_verification(
    served: tuple[Broker, str, str],
) -> None:
    _, url, content = served
    _publish_through_http(url, content)

    code, out = pact("broker", "can-i-deploy", "--pacticipant", "web", "--version", "1.0", "--to-environment", "prod",
                     "--broker-base-url", url)  # fmt: skip

    assert code == 0 and "Computer says yes" in out, out
    assert "fuzz" not in out
