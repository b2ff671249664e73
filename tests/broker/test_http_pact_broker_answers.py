"""The broker server answers as the Pact Broker does where the Pact Broker's own client reads the answer.

Each behaviour cites the Pact Broker source (github.com/pact-foundation/pact_broker) that defines it; the
Pact Broker client's pacts (``test_broker_client_pacts``) check the same answers interaction by interaction.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from polycontract.broker import Broker, connect
from polycontract.model import HttpInteraction, PactDocument, Request, Response
from tests.broker.test_broker_webhooks import Receiver, receiver
from tests.broker.test_http_api import Api

__all__ = ["receiver"]  # the fixture, re-used


@pytest.fixture
def broker(tmp_path: Path) -> Any:
    with connect(f"sqlite:///{tmp_path / 'broker.db'}") as opened:
        yield opened


@pytest.fixture
def api(broker: Broker) -> Api:
    return Api(broker)


def _pact(consumer: str = "web", provider: str = "users", path: str = "/a") -> PactDocument:
    interaction = HttpInteraction(description=path, request=Request(method="GET", path=path), response=Response())
    return PactDocument(consumer=consumer, provider=provider, interactions=(interaction,))


def test_the_latest_pact_names_its_consumer_version_in_a_header(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/resources/latest_pact.rb: X-Pact-Consumer-Version on the latest pact
    broker.publish_pact(_pact(path="/old"), consumer_version="1")
    broker.publish_pact(_pact(path="/new"), consumer_version="2")
    answer = api.get("/pacts/provider/users/consumer/web/latest")
    assert answer.status_code == 200
    assert answer.headers["X-Pact-Consumer-Version"] == "2"


def test_the_latest_tagged_pact_is_served_for_a_consumer_and_for_a_provider(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api.rb: .../consumer/{c}/latest/{tag} (LatestPact), .../latest/{tag}
    broker.publish_pact(_pact(path="/prod"), consumer_version="1", tags=("prod",))
    broker.publish_pact(_pact(path="/dev"), consumer_version="2", tags=("dev",))
    broker.publish_pact(_pact("app", path="/app"), consumer_version="7", tags=("dev",))
    one = api.get("/pacts/provider/users/consumer/web/latest/prod")
    assert one.status_code == 200
    assert one.headers["X-Pact-Consumer-Version"] == "1"
    assert [i["request"]["path"] for i in one.json()["interactions"]] == ["/prod"]
    assert api.get("/pacts/provider/users/consumer/web/latest/test").status_code == 404
    listed = api.get("/pacts/provider/users/latest/dev").json()["_links"]
    assert [(p["name"], p["title"]) for p in listed["pb:pacts"]] == [
        ("app", "Pact between app (7) and users"),
        ("web", "Pact between web (2) and users"),
    ]
    assert listed["provider"]["title"] == "users"


def test_the_latest_provider_pacts_title_the_provider_link(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/decorators/provider_pacts_decorator.rb: link :provider {title: name}
    broker.publish_pact(_pact(), consumer_version="1")
    links = api.get("/pacts/provider/users/latest").json()["_links"]
    assert links["provider"]["title"] == "users"
    assert links["pb:provider"]["name"] == "users"


def test_tagging_a_version_again_answers_200_and_a_new_tag_201(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/resources/tag.rb: a 201 only when the tag is created
    path = "/pacticipants/web/versions/1/tags/prod"
    assert api("PUT", path, json={}).status_code == 201
    assert api("PUT", path, json={}).status_code == 200


def test_publishing_contracts_answers_logs_of_what_was_done(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/decorators/publish_contracts_results_decorator.rb: logs [{level, message}]
    content = base64.b64encode(json.dumps(_v2()).encode())
    body = {
        "pacticipantName": "web",
        "pacticipantVersionNumber": "1",
        "contracts": [
            {"consumerName": "web", "providerName": "users", "specification": "pact", "content": content.decode()}
        ],
    }
    logs = api.post("/contracts/publish", json=body).json()["logs"]
    assert logs and all(entry["level"] == "info" for entry in logs)
    assert any("Pact published for web version 1 and provider users" in entry["message"] for entry in logs)


def _v2() -> dict[str, Any]:
    return {
        "consumer": {"name": "web"},
        "provider": {"name": "users"},
        "interactions": [{"description": "a", "request": {"method": "GET", "path": "/a"}, "response": {"status": 200}}],
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    }


def test_environments_are_linked_by_name(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/decorators/environments_decorator.rb: links :'pb:environments'
    broker.create_environment("test")
    links = api.get("/environments").json()["_links"]["pb:environments"]
    assert [(link["name"], link["title"]) for link in links] == [("test", "Environment")]
    assert links[0]["href"].endswith(api.get("/environments").json()["_embedded"]["environments"][0]["uuid"])


def test_matrix_rows_of_one_selector_say_when_the_pact_was_published(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/decorators/matrix_decorator.rb: pact {createdAt}
    broker.publish_pact(_pact(), consumer_version="1")
    broker.publish_verification(
        provider="users", provider_version="9", consumer="web", consumer_version="1", success=True
    )
    [row] = api.get("/matrix?q[][pacticipant]=web&q[][version]=1").json()["matrix"]
    assert row["pact"]["createdAt"]


def test_an_unknown_matrix_pacticipant_is_listed_in_errors_as_the_pact_broker_does(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/resources/matrix.rb + base_resource.rb set_json_validation_error_messages:
    # {errors: ["..."]} typed application/hal+json unless the client accepts application/problem+json
    broker.create_version("web", "1")
    query = "/matrix?q[][pacticipant]=Wiffle&q[][version]=1&q[][pacticipant]=web&q[][version]=1"
    answer = api.get(query, headers={"Accept": "application/hal+json"})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/hal+json;charset=utf-8"
    body = answer.json()
    assert body["errors"] == ["the pacticipant 'Wiffle' is not known to the broker"]
    assert body["title"] == "Bad Request" and body["detail"] == body["errors"][0]
    problem = api.get(query, headers={"Accept": "application/problem+json"})
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["errors"][0]["parameter"] == "q[][pacticipant]"


def _hook(**extra: Any) -> dict[str, Any]:
    return {
        "events": [{"name": "contract_published"}],
        "request": {"method": "POST", "url": "http://x.test/h"},
        **extra,
    }


def test_webhook_validation_errors_name_fields_as_the_pact_broker_does(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/contracts/webhook_contract.rb: errors by dotted field
    hal = {"Accept": "application/hal+json"}
    answer = api.post("/webhooks", json={"events": [{"name": "contract_published"}], "request": {}}, headers=hal)
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["request.url"]
    # webhook_pacticipant_contract.rb: a consumer or provider named in the body must exist
    unknown = api.post("/webhooks", json=_hook(consumer={"name": "Condor"}), headers=hal)
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["consumer.name"]
    assert broker.webhooks() == ()


def test_a_webhook_for_a_pair_that_does_not_exist_is_not_found(broker: Broker, api: Api) -> None:
    # pact_broker lib/pact_broker/api/resources/pact_webhooks.rb: the resource exists for a known consumer and provider
    broker.create_pacticipant("users")
    assert api.post("/webhooks/provider/users/consumer/web", json=_hook()).status_code == 404
    broker.create_pacticipant("web")
    assert api.post("/webhooks/provider/users/consumer/web", json=_hook()).status_code == 201


def test_a_webhook_with_a_text_body_keeps_it_and_sends_it_as_written(
    broker: Broker, api: Api, receiver: Receiver
) -> None:
    # pact_broker lib/pact_broker/webhooks/webhook_request_template.rb: a String body is sent as it is
    created = api.post(
        "/webhooks",
        json={
            "events": [{"name": "contract_published"}],
            "request": {"url": receiver.url + "/ok", "body": "<xml>${pactbroker.consumerName}</xml>"},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["request"]["body"] == "<xml>${pactbroker.consumerName}</xml>"
    broker.publish_pact(_pact(), consumer_version="1")
    assert broker.flush_webhooks(10)
    assert [request["body"] for request in receiver.requests] == ["<xml>web</xml>"]
