"""The HTTP broker client's retries, backoff and error mapping, against ``httpx.MockTransport`` (no network)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import httpx
import pytest

from polycontract.broker import HttpBroker, connect
from polycontract.broker._client.transport import Transport
from polycontract.errors import BrokerError, StorageError, UsageError
from polycontract.model import HttpInteraction, PactDocument, Request, Response

Handler = Callable[[httpx.Request], httpx.Response]
TOKEN = "tok-3f9a-very-secret"


class Recorder:
    """A mock server answering from a list of responses (or exceptions), recording every request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(recorder: Recorder, *, retries: int = 3, token: str | None = None) -> tuple[HttpBroker, list[float]]:
    sleeps: list[float] = []
    broker = HttpBroker(
        "http://broker.test", transport=httpx.MockTransport(recorder), retries=retries, sleep=sleeps.append, token=token
    )
    return broker, sleeps


def refused(request: httpx.Request | None = None) -> httpx.ConnectError:
    return httpx.ConnectError("[Errno 111] Connection refused")


def error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message}, "status": status})


def decision_json(deployable: bool | None) -> httpx.Response:
    return httpx.Response(200, json={"summary": {"deployable": deployable, "reason": "r"}, "notices": [], "matrix": []})


def a_pact() -> PactDocument:
    interaction = HttpInteraction(description="get", request=Request(method="GET", path="/"), response=Response())
    return PactDocument(consumer="web", provider="auth", interactions=(interaction,))


def test_a_refused_connection_is_retried_with_growing_backoff_then_succeeds() -> None:
    recorder = Recorder(refused(), refused(), decision_json(True))
    broker, sleeps = client(recorder)
    assert broker.can_i_deploy("web", "1", to_environment="prod").ok is True
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    seen: list[tuple[float, float]] = []

    def widest(low: float, high: float) -> float:
        seen.append((low, high))
        return high

    transport = Transport(
        "http://broker.test",
        retries=5,
        backoff=0.5,
        max_backoff=3.0,
        transport=httpx.MockTransport(Recorder(refused())),
        sleep=lambda _: None,
        rng=widest,
    )
    with pytest.raises(BrokerError):
        transport.request("GET", "/")
    assert seen == [(0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (0.0, 3.0), (0.0, 3.0)]


def test_a_broker_that_stays_down_is_a_broker_error_naming_the_url_and_what_to_do() -> None:
    broker, sleeps = client(Recorder(refused()), retries=2)
    with pytest.raises(BrokerError) as caught:
        broker.environments()
    message = str(caught.value)
    assert "cannot reach the broker at http://broker.test" in message
    assert "after 3 attempt(s)" in message
    assert "polycontract broker serve" in message and "POLYCONTRACT_BROKER" in message
    assert len(sleeps) == 2


def test_a_5xx_on_an_idempotent_read_is_retried() -> None:
    recorder = Recorder(error(503, "database unavailable"), decision_json(False))
    broker, _ = client(recorder)
    assert broker.can_i_deploy("web", "1", to_environment="prod").ok is False
    assert len(recorder.requests) == 2


def test_a_5xx_that_persists_quotes_the_servers_message() -> None:
    recorder = Recorder(error(503, "the broker database refused the request"))
    broker, sleeps = client(recorder, retries=1)
    with pytest.raises(BrokerError, match=r"answered 503 .*the broker database refused the request"):
        broker.matrix("web")
    assert len(recorder.requests) == 2 and len(sleeps) == 1


def test_a_5xx_on_a_non_idempotent_post_is_not_retried() -> None:
    environments = httpx.Response(200, json={"_embedded": {"environments": [{"name": "prod", "uuid": "u-1"}]}})
    recorder = Recorder(environments, error(500, "internal error: KeyError"))
    broker, sleeps = client(recorder)
    with pytest.raises(BrokerError, match="answered 500"):
        broker.record_deployment("auth", "1", "prod")
    assert [r.method for r in recorder.requests] == ["GET", "POST"]
    assert sleeps == []


def test_a_read_timeout_on_a_non_idempotent_post_is_not_retried_and_says_so() -> None:
    environments = httpx.Response(200, json={"_embedded": {"environments": [{"name": "prod", "uuid": "u-1"}]}})
    recorder = Recorder(environments, httpx.ReadTimeout("timed out"))
    broker, _ = client(recorder)
    with pytest.raises(BrokerError, match="not retried: the request may have been applied"):
        broker.record_deployment("auth", "1", "prod")
    assert len(recorder.requests) == 2


def test_publishing_is_retried_because_identical_content_is_idempotent() -> None:
    published = httpx.Response(
        200,
        json={
            "notices": [{"type": "success", "text": "Pact unchanged for web version 1 and provider auth."}],
            "_links": {
                "pb:contracts": [{"href": "http://broker.test/pacts/provider/auth/consumer/web/pact-version/h1"}]
            },
        },
    )
    recorder = Recorder(error(502, "bad gateway"), published)
    broker, _ = client(recorder)
    result = broker.publish_pact(a_pact(), consumer_version="1", branch="main")
    assert (result.outcome, result.content_hash) == ("unchanged", "h1")
    body = recorder.requests[-1].read()
    assert b'"pacticipantVersionNumber":"1"' in body.replace(b" ", b"")


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, UsageError), (422, UsageError), (404, StorageError), (409, StorageError), (418, BrokerError)],
)
def test_a_4xx_is_not_retried_and_raises_the_matching_error_with_the_servers_message(
    status: int, kind: type[Exception]
) -> None:
    recorder = Recorder(error(status, "pacticipant='ghost' is not known to the broker"))
    broker, sleeps = client(recorder)
    with pytest.raises(kind, match="pacticipant='ghost' is not known to the broker"):
        broker.can_i_deploy("ghost", "1", to_environment="prod")
    assert len(recorder.requests) == 1 and sleeps == []


def test_problem_details_are_quoted_too() -> None:
    problem = httpx.Response(400, json={"type": "about:blank", "title": "Bad", "detail": "version must not be empty"})
    broker, _ = client(Recorder(problem))
    with pytest.raises(UsageError, match="version must not be empty"):
        broker.matrix("web")


def test_the_token_is_sent_as_bearer_and_never_shown_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(refused(), error(401, "a valid token is required"))
    broker, _ = client(recorder, token=TOKEN)
    with caplog.at_level(logging.DEBUG), pytest.raises(BrokerError) as caught:
        broker.matrix("web")
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in recorder.requests)
    assert "POLYCONTRACT_BROKER_TOKEN" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in caplog.text
    assert "retry 1/3" in caplog.text


def test_credentials_in_the_url_become_basic_auth_and_leave_the_url() -> None:
    recorder = Recorder(httpx.Response(200, json={"_embedded": {"environments": []}}))
    with connect("http://ci:p%40ss@broker.test") as broker:
        assert isinstance(broker, HttpBroker)
        broker._http._client._transport = httpx.MockTransport(recorder)  # the mock stands in for the network
        assert broker.environments() == ()
        assert broker.url == "http://broker.test"
    expected = "Basic " + base64.b64encode(b"ci:p@ss").decode()
    assert recorder.requests[0].headers["Authorization"] == expected


def test_arguments_are_checked_before_any_request_as_the_embedded_broker_does() -> None:
    recorder = Recorder(decision_json(True))
    broker, _ = client(recorder)
    with pytest.raises(UsageError, match="exactly one of to_environment"):
        broker.can_i_deploy("web", "1")
    with pytest.raises(UsageError, match="keep_latest=0"):
        broker.prune(keep_latest=0)
    with pytest.raises(UsageError, match="must be a non-empty name"):
        broker.create_environment(" ")
    with pytest.raises(UsageError, match="WIP pacts are always pending"):
        broker.pacts_for_verification(
            "auth", include_pending=False, include_wip_since=__import__("datetime").date.today()
        )
    assert recorder.requests == []


def test_an_unknown_environment_is_a_storage_error_listing_the_known_ones() -> None:
    listing = httpx.Response(200, json={"_embedded": {"environments": [{"name": "dev", "uuid": "u-1"}]}})
    broker, _ = client(Recorder(listing))
    with pytest.raises(StorageError, match=r"environment='prod' does not exist \(known environments: dev\)"):
        broker.record_release("app", "1", "prod")


def test_can_i_deploy_sends_the_pact_cli_query_with_ignores() -> None:
    recorder = Recorder(decision_json(None))
    broker, _ = client(recorder)
    broker.can_i_deploy("web", "1", to_environment="prod", ignore=["legacy", "batch"])
    params = recorder.requests[0].url.params
    assert params.get_list("q[][pacticipant]") == ["web"]
    assert params["latestby"] == "cvp" and params["environment"] == "prod"
    assert params.get_list("ignore[][pacticipant]") == ["legacy", "batch"]


def test_a_base_url_that_is_not_http_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="must start with http"):
        HttpBroker("ftp://broker.test")


def test_prune_goes_to_the_extension_route_and_reads_the_report() -> None:
    report = {"versions": [["web", "1"]], "publications": 1, "verifications": 2, "pactContents": 1, "dryRun": True}
    recorder = Recorder(httpx.Response(200, json=report))
    broker, _ = client(recorder)
    found = broker.prune(keep_latest=5, dry_run=True)
    assert (found.versions, found.verifications, found.dry_run) == ((("web", "1"),), 2, True)
    assert (recorder.requests[0].method, recorder.requests[0].url.path) == ("POST", "/polycontract/prune")


def test_schemas_go_to_the_extension_routes() -> None:
    published = {
        "pacticipant": "auth",
        "version": "3",
        "subject": "user-events",
        "kind": "avro",
        "contentHash": "c1",
        "outcome": "created",
    }
    recorder = Recorder(httpx.Response(200, json=published))
    broker, _ = client(recorder)
    result = broker.publish_schema("auth", "3", subject="user-events", kind="avro", schema={"type": "string"})
    assert (result.kind, result.outcome) == ("avro", "created")
    request = recorder.requests[0]
    assert (request.method, request.url.path) == (
        "PUT",
        "/polycontract/pacticipants/auth/versions/3/schemas/user-events",
    )


MATCHED = "1.0 (deployed to prod)"


def test_pacts_for_verification_without_the_extension_are_rebuilt_from_the_pact_broker_fields() -> None:
    url = "http://broker.test/pacts/provider/auth/consumer/web%20ui/pact-version/abc123"
    listing = {
        "_embedded": {
            "pacts": [
                {
                    "shortDescription": "web ui 1.0, 2.0",
                    "verificationProperties": {
                        "pending": True,
                        "notices": [
                            {
                                "when": "before_verification",
                                "text": f"The pact at {url} is being verified because it matches {MATCHED}",
                            },
                            {"when": "before_verification", "text": "This pact is pending."},
                        ],
                    },
                    "_links": {"self": {"href": url}},
                }
            ]
        }
    }
    pact = {
        "consumer": {"name": "web ui"},
        "provider": {"name": "auth"},
        "interactions": [],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    recorder = Recorder(httpx.Response(200, json=listing), httpx.Response(200, json=pact))
    broker, _ = client(recorder)
    (found,) = broker.pacts_for_verification("auth")
    assert (found.consumer, found.content_hash, found.consumer_versions) == ("web ui", "abc123", ("1.0", "2.0"))
    assert found.notices == ("1.0 (deployed to prod)",)
    assert found.pending and not found.wip and found.error is None and found.url == url
    assert found.origin == "broker pact web ui -> auth abc123 (web ui 1.0, 2.0)"


def test_every_public_broker_method_is_implemented_over_http() -> None:
    from polycontract.broker import Broker

    public = {name for name in dir(Broker) if not name.startswith("_")}
    over_http = {name for name in dir(HttpBroker) if not name.startswith("_")}
    assert not issubclass(HttpBroker, Broker), "a Broker method could fall through to the database code"
    assert public - over_http == set()
