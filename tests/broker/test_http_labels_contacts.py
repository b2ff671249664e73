"""Pacticipant labels, display names, repository URLs and environment contacts, as the Pact Broker keeps them.

Each runs against a real server (uvicorn on 127.0.0.1 port 0) over an embedded SQLite file and over
PostgreSQL, driven with plain HTTP (as the Pact Broker's clients send it) and with polycontract's `HttpBroker`.
The Pact Broker's behaviour cited per test is in pact-foundation/pact_broker.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from polycontract.broker import Broker, HttpBroker
from polycontract.broker._store.engine import make_engine, migrate
from polycontract.errors import StorageError, UsageError
from tests.broker.conftest import PactMaker
from tests.broker.http_twin import serving, ticking_clock
from tests.broker.test_broker_webhooks import Receiver, receiver

__all__ = ["receiver"]  # the fixture, re-used

pytest.importorskip("uvicorn")

CONTACTS = [{"name": "Team A", "details": {"emailAddress": "a@example.org", "slack": "#team-a"}}]


@pytest.fixture
def served(broker_url: str) -> Iterator[tuple[Broker, str]]:
    """A broker with fast webhook retries and its server's URL."""
    engine = make_engine(broker_url)
    migrate(engine)
    broker = Broker(engine, clock=ticking_clock(), public_url="", webhook_backoff=0.01)
    try:
        with serving(broker) as url:
            broker._public_url = url
            yield broker, url
    finally:
        broker.close()


def test_a_webhook_for_a_consumer_label_fires_for_each_labelled_consumer_and_no_other(
    served: tuple[Broker, str], receiver: Receiver, make_pact: PactMaker
) -> None:
    # pact_broker lib/pact_broker/domain/webhook_pacticipant.rb and webhook_pacticipant_contract.rb: a webhook's
    # consumer may be {"label": …}; it then fires for every consumer with that label, labelled before or after.
    broker, url = served
    body = {
        "events": [{"name": "contract_content_changed"}],
        "request": {"method": "POST", "url": receiver.url + "/ok?c=${pactbroker.consumerName}", "body": {"a": 1}},
        "consumer": {"label": "team-a"},
    }
    created = httpx.post(url + "/webhooks", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["consumer"] == {"label": "team-a"}
    httpx.put(url + "/pacticipants/web/labels/team-a").raise_for_status()  # labelled after the webhook exists
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    broker.publish_pact(make_pact("mobile", "auth", "/b"), consumer_version="1")
    assert broker.flush_webhooks(10)
    assert [r["path"] for r in receiver.requests] == ["/ok?c=web"]
    [hook] = HttpBroker(url).webhooks()
    assert (hook.consumer, hook.consumer_label, hook.provider_label) == (None, "team-a", None)


def test_a_webhook_role_takes_a_name_or_a_label_not_both(served: tuple[Broker, str]) -> None:
    broker, url = served
    with pytest.raises(UsageError, match="not both"):
        broker.create_webhook(url="http://x.test/", events=["contract_published"], provider="a", provider_label="b")
    both = {"events": [{"name": "contract_published"}], "request": {"url": "http://x.test/"}}
    answer = httpx.post(url + "/webhooks", json={**both, "provider": {"name": "auth", "label": "b"}})
    assert answer.status_code == 400


def test_labels_are_added_shown_listed_and_removed_over_http(served: tuple[Broker, str]) -> None:
    # pact_broker lib/pact_broker/api/resources/label.rb: PUT creates the label (and the pacticipant) with 201,
    # 200 when it is there; lib/pact_broker/api/decorators/pacticipant_decorator.rb embeds the labels.
    _, url = served
    first = httpx.put(url + "/pacticipants/Pricing%20Service/labels/payments")
    assert (first.status_code, first.json()["name"]) == (201, "payments")
    assert first.headers["location"].endswith("/pacticipants/Pricing%20Service/labels/payments")
    assert httpx.put(url + "/pacticipants/Pricing%20Service/labels/payments").status_code == 200
    shown = httpx.get(url + "/pacticipants/Pricing%20Service").json()
    assert [label["name"] for label in shown["_embedded"]["labels"]] == ["payments"]
    assert httpx.get(url + "/pacticipants/Pricing%20Service/labels/nope").status_code == 404
    client = HttpBroker(url)
    client.label_pacticipant("billing", "payments")
    assert client.labelled_pacticipants("payments") == ("Pricing Service", "billing")
    assert client.pacticipant_labels("billing") == ("payments",)
    assert httpx.delete(url + "/pacticipants/billing/labels/payments").status_code == 204
    with pytest.raises(StorageError):
        client.unlabel_pacticipant("billing", "payments")
    assert client.labelled_pacticipants("payments") == ("Pricing Service",)


def test_deleting_a_labelled_pacticipant_takes_its_labels(served: tuple[Broker, str]) -> None:
    broker, url = served
    broker.label_pacticipant("web", "team-a")
    assert httpx.delete(url + "/pacticipants/web").status_code == 204
    assert broker.labelled_pacticipants("team-a") == ()


def test_environment_contacts_are_stored_and_served_on_create_get_and_list(served: tuple[Broker, str]) -> None:
    # pact_broker lib/pact_broker/api/decorators/environment_decorator.rb (contacts) and
    # lib/pact_broker/api/contracts/environment_schema.rb (each contact: name, optional details object)
    broker, url = served
    created = httpx.post(url + "/environments", json={"name": "test", "production": False, "contacts": CONTACTS})
    assert created.status_code == 201, created.text
    assert created.json()["contacts"] == CONTACTS
    assert httpx.get(created.json()["_links"]["self"]["href"]).json()["contacts"] == CONTACTS
    assert httpx.get(url + "/environments").json()["_embedded"]["environments"][0]["contacts"] == CONTACTS
    assert [e.contacts for e in broker.environments()] == [tuple(CONTACTS)]
    client = HttpBroker(url)
    client.create_environment("prod", production=True, contacts=[{"name": "Ops"}])
    assert {e.name: e.contacts for e in client.environments()} == {"test": tuple(CONTACTS), "prod": ({"name": "Ops"},)}
    refused = httpx.post(url + "/environments", json={"name": "qa", "production": False, "contacts": [{"x": 1}]})
    assert refused.status_code == 400 and "contacts" in refused.text


def test_patch_registers_a_repository_url_sent_as_the_ruby_client_sends_it(served: tuple[Broker, str]) -> None:
    # pact_broker lib/pact_broker/api/resources/pacticipant.rb: PATCH of an unknown pacticipant creates it (201);
    # application/merge-patch+json is accepted for PATCH only (415 for PUT).
    _, url = served
    repository = "git@git.example.org:team/pricing-service"
    created = httpx.patch(url + "/pacticipants/Pricing%20Service", json={"repository_url": repository})
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/hal+json;charset=utf-8"
    merge = {"Content-Type": "application/merge-patch+json"}
    changed = httpx.patch(url + "/pacticipants/Pricing%20Service", content=b'{"displayName": "Pricing"}', headers=merge)
    assert changed.status_code == 200
    shown = httpx.get(url + "/pacticipants/Pricing%20Service").json()
    assert (shown["repositoryUrl"], shown["displayName"]) == (repository, "Pricing")
    assert httpx.put(url + "/pacticipants/Pricing%20Service", content=b"{}", headers=merge).status_code == 415


def test_a_pacticipant_embeds_its_latest_version_and_links_its_versions(served: tuple[Broker, str]) -> None:
    # pact_broker lib/pact_broker/api/decorators/pacticipant_decorator.rb (latestVersion, latest-version, versions)
    # and pacticipant_collection_decorator.rb (pb:pacticipants and the deprecated pacticipants links)
    broker, url = served
    broker.create_version("Condor", "1.2.0")
    broker.create_version("Condor", "1.3.0")
    broker.create_pacticipant("Bare", display_name="A bare one")
    one = httpx.get(url + "/pacticipants/Condor").json()
    assert one["_embedded"]["latest-version"]["number"] == one["_embedded"]["latestVersion"]["number"] == "1.3.0"
    assert one["_links"]["versions"]["href"] == url + "/pacticipants/Condor/versions"
    listing = httpx.get(url + "/pacticipants").json()
    assert [link["title"] for link in listing["_links"]["pacticipants"]] == ["Bare", "Condor"]
    bare = listing["pacticipants"][0]
    assert (bare["displayName"], "latestVersion" in bare["_embedded"]) == ("A bare one", False)
