"""The broker's HTTP API in-process (httpx.ASGITransport): Pact Broker routes, HAL shapes and errors."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from polycontract.broker import Broker
from polycontract.broker._api import queries as reads
from polycontract.broker._api.app import INDEX, create_app
from polycontract.codec import dumps_pact
from polycontract.model import PactDocument
from tests.broker.conftest import PactMaker

pytest.importorskip("starlette")


class Api:
    """A synchronous facade over the ASGI app (one event loop per call)."""

    def __init__(self, broker: Broker) -> None:
        self.app = create_app(broker)

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://broker") as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self("POST", path, **kwargs)


@pytest.fixture
def api(broker: Broker) -> Iterator[Api]:
    yield Api(broker)


def _publish(api: Api, pact: PactDocument, version: str, branch: str | None = "main") -> httpx.Response:
    content = base64.b64encode(dumps_pact(pact).encode()).decode()
    body: dict[str, Any] = {
        "pacticipantName": pact.consumer,
        "pacticipantVersionNumber": version,
        "contracts": [
            {
                "consumerName": pact.consumer,
                "providerName": pact.provider,
                "specification": "pact",
                "contentType": "application/json",
                "content": content,
            }
        ],
    }
    if branch:
        body["branch"] = branch
    return api.post("/contracts/publish", json=body)


def _env_uuid(api: Api, name: str) -> str:
    found = api.get("/environments", params={"name": name}).json()["_embedded"]["environments"]
    return str(found[0]["uuid"])


def test_the_index_lists_the_relations_pact_clients_look_up(api: Api) -> None:
    response = api.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/hal+json")
    links = response.json()["_links"]
    wanted = [
        "pb:publish-contracts",
        "pb:provider-pacts-for-verification",
        "pb:pacticipant-version",
        "pb:environments",
        "pb:can-i-deploy-pacticipant-version-to-environment",
        "pb:latest-provider-pacts",
    ]
    for relation in wanted:
        assert relation in links and links[relation]["href"].startswith("http://broker/")
    assert set(INDEX) <= set(links)
    assert links["pb:pacticipant"]["templated"] is True


def test_health_is_ok_and_ready_checks_the_database(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    assert api.get("/health").json() == {"status": "ok"}
    assert api.get("/ready").status_code == 200

    def down(broker: Broker) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(reads, "ping", down)
    response = api.get("/ready")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


def test_published_contracts_can_be_fetched_by_consumer_version_latest_and_content(
    api: Api, make_pact: PactMaker
) -> None:
    pact = make_pact("web", "users", "/users/1")
    response = _publish(api, pact, "1")
    assert response.status_code == 200
    document = response.json()
    assert document["_embedded"]["version"]["number"] == "1"
    assert any("published" in n["text"] for n in document["notices"])
    contract_href = document["_links"]["pb:contracts"][0]["href"]

    by_version = api.get("/pacts/provider/users/consumer/web/version/1").json()
    latest = api.get("/pacts/provider/users/consumer/web/latest").json()
    by_content = api.get(contract_href.removeprefix("http://broker")).json()
    for fetched in (by_version, latest, by_content):
        assert fetched["consumer"]["name"] == "web" and fetched["interactions"][0]["request"]["path"] == "/users/1"
        assert fetched["_links"]["self"]["href"] == contract_href
        assert fetched["_links"]["pb:publish-verification-results"]["href"] == contract_href + "/verification-results"
    provider_pacts = api.get("/pacts/provider/users/latest").json()["_links"]["pb:pacts"]
    assert [p["href"] for p in provider_pacts] == [contract_href]
    assert api.get("/pacts/provider/users/consumer/web/version/9").status_code == 404


def test_different_content_for_a_published_consumer_version_is_a_conflict(api: Api, make_pact: PactMaker) -> None:
    assert _publish(api, make_pact("web", "users", "/a"), "1").status_code == 200
    assert _publish(api, make_pact("web", "users", "/a"), "1").status_code == 200  # same content: fine
    response = _publish(api, make_pact("web", "users", "/b"), "1")
    assert response.status_code == 409
    assert "already published different pact content" in response.json()["error"]["message"]


def test_the_older_per_pact_put_publishes_and_checks_the_names(api: Api, make_pact: PactMaker) -> None:
    pact = json.loads(dumps_pact(make_pact("web", "users", "/a")))
    assert api("PUT", "/pacts/provider/users/consumer/web/version/3", json=pact).status_code == 201
    assert api("PUT", "/pacts/provider/users/consumer/web/version/3", json=pact).status_code == 200
    wrong = api("PUT", "/pacts/provider/orders/consumer/web/version/3", json=pact)
    assert wrong.status_code == 400 and "not consumer web and provider orders" in wrong.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"{}", "pacticipantName is required"),
        (b'{"pacticipantName": "web", "pacticipantVersionNumber": "1", "contracts": []}', "contracts must be"),
        (b'{"pacticipantName": "we\\u0001b", "pacticipantVersionNumber": "1"}', "control characters"),
        (
            b'{"pacticipantName": "web", "pacticipantVersionNumber": "1", "contracts": [{"consumerName": "web",'
            b' "providerName": "users", "content": "%%%"}]}',
            "base64",
        ),
        (
            b'{"pacticipantName": "web", "pacticipantVersionNumber": "1", "contracts": [{"consumerName": "web",'
            b' "providerName": "users", "content": "bm90IGEgcGFjdA=="}]}',
            "contracts[0]",
        ),
    ],
)
def test_bad_publish_requests_get_400_with_a_clear_message(api: Api, body: bytes, message: str) -> None:
    response = api.post("/contracts/publish", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_unknown_routes_and_methods_are_json_errors(api: Api) -> None:
    missing = api.get("/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "no such resource"
    assert api("DELETE", "/contracts/publish").status_code == 405


def test_environments_are_created_listed_and_fetched_by_a_stable_uuid(api: Api, broker: Broker) -> None:
    created = api.post("/environments", json={"name": "staging", "displayName": "Staging", "production": False})
    assert created.status_code == 201
    uid = created.json()["uuid"]
    assert api.get(f"/environments/{uid}").json()["displayName"] == "Staging"
    assert [e["name"] for e in api.get("/environments").json()["_embedded"]["environments"]] == [
        "dev", "qa", "prod", "staging"
    ]  # fmt: skip
    assert (
        Api(broker).get("/environments", params={"name": "staging"}).json()["_embedded"]["environments"][0]["uuid"]
        == uid
    )
    assert api.post("/environments", json={"name": "staging", "production": False}).status_code == 409
    assert api.post("/environments", json={"name": "x", "production": "yes"}).status_code == 400
    assert api.get("/environments/00000000-0000-0000-0000-000000000000").status_code == 404


def test_deployments_are_recorded_listed_and_undeployed_through_the_version_links(api: Api, broker: Broker) -> None:
    api("PUT", "/pacticipants/users/branches/main/versions/7")
    version = api.get("/pacticipants/users/versions/7").json()
    assert version["branch"] == "main"
    links = {link["name"]: link["href"] for link in version["_links"]["pb:record-deployment"]}
    assert set(links) == {"dev", "qa", "prod"}
    recorded = api.post(links["prod"].removeprefix("http://broker"), json={"applicationInstance": "eu"})
    assert recorded.status_code == 201 and recorded.json()["applicationInstance"] == "eu"
    assert [lv.version for lv in broker.live("prod")] == ["7"]

    prod = _env_uuid(api, "prod")
    listed = api.get(f"/environments/{prod}/deployed-versions/currently-deployed", params={"pacticipant": "users"})
    deployed = listed.json()["_embedded"]["deployedVersions"]
    assert [(d["_embedded"]["version"]["number"], d["currentlyDeployed"]) for d in deployed] == [("7", True)]
    patched = api("PATCH", deployed[0]["_links"]["self"]["href"].removeprefix("http://broker"),
                  json={"currentlyDeployed": False})  # fmt: skip
    assert patched.status_code == 200 and patched.json()["currentlyDeployed"] is False
    assert broker.live("prod") == ()
    assert (
        api.post(f"/pacticipants/users/versions/404/deployed-versions/environment/{prod}", json={}).status_code == 404
    )


def test_releases_accumulate_and_support_ends_through_the_released_version(api: Api, broker: Broker) -> None:
    for number in ("1.0", "2.0"):
        api("PUT", f"/pacticipants/app/versions/{number}", json={"branch": "main", "tags": ["store"]})
    assert api.get("/pacticipants/app/versions/1.0").json()["_embedded"]["tags"] == [{"name": "store"}]
    prod = _env_uuid(api, "prod")
    for number in ("1.0", "2.0"):
        assert (
            api.post(f"/pacticipants/app/versions/{number}/released-versions/environment/{prod}", json={}).status_code
            == 201
        )
    supported = api.get(f"/environments/{prod}/released-versions/currently-supported", params={"version": "1.0"})
    [release] = supported.json()["_embedded"]["releasedVersions"]
    api("PATCH", release["_links"]["self"]["href"].removeprefix("http://broker"), json={"currentlySupported": False})
    assert [lv.version for lv in broker.live("prod")] == ["2.0"]
    assert api.get("/pacticipants/app/latest-version").json()["number"] == "2.0"


def test_pacts_for_verification_honour_selectors_pending_and_wip(api: Api, make_pact: PactMaker) -> None:
    _publish(api, make_pact("web", "users", "/main"), "1", branch="main")
    _publish(api, make_pact("web", "users", "/feature"), "2", branch="feat-x")
    body = {"consumerVersionSelectors": [{"mainBranch": True}], "providerVersionBranch": "main",
            "includePendingStatus": True, "includeWipPactsSince": "2020-01-01"}  # fmt: skip
    pacts = api.post("/pacts/provider/users/for-verification", json=body).json()["_embedded"]["pacts"]
    assert len(pacts) == 2
    main, wip = sorted(pacts, key=lambda p: "wip" in p["verificationProperties"])
    assert main["verificationProperties"]["pending"] is True and "wip" not in main["verificationProperties"]
    assert wip["verificationProperties"] == {**wip["verificationProperties"], "pending": True, "wip": True}
    assert any("main branch" in n["text"] for n in main["verificationProperties"]["notices"])

    pact = api.get(main["_links"]["self"]["href"].removeprefix("http://broker")).json()
    results = pact["_links"]["pb:publish-verification-results"]["href"].removeprefix("http://broker")
    api("PUT", "/pacticipants/users/branches/main/versions/9")
    published = api.post(results, json={"success": True, "providerApplicationVersion": "9"})
    assert published.status_code == 201
    again = api.post("/pacts/provider/users/for-verification", json={**body, "includeWipPactsSince": None}).json()
    assert [p["verificationProperties"]["pending"] for p in again["_embedded"]["pacts"]] == [False]


def test_for_verification_rejects_bad_selectors_and_dates(api: Api) -> None:
    bad = api.post("/pacts/provider/users/for-verification", json={"consumerVersionSelectors": [{"colour": "red"}]})
    assert bad.status_code == 400 and "colour" in bad.json()["error"]["message"]
    date = api.post("/pacts/provider/users/for-verification",
                    json={"includePendingStatus": True, "includeWipPactsSince": "last week"})  # fmt: skip
    assert date.status_code == 400 and "includeWipPactsSince" in date.json()["error"]["message"]


def test_verification_results_for_unknown_content_or_without_success_are_refused(
    api: Api, make_pact: PactMaker
) -> None:
    url = _publish(api, make_pact("web", "users", "/a"), "1").json()["_links"]["pb:contracts"][0]["href"]
    results = url.removeprefix("http://broker") + "/verification-results"
    assert api.post(results, json={"providerApplicationVersion": "1"}).status_code == 400
    missing = api.post("/pacts/provider/users/consumer/web/pact-version/abc/verification-results",
                       json={"success": True, "providerApplicationVersion": "1"})  # fmt: skip
    assert missing.status_code == 404


def test_can_i_deploy_and_the_matrix_answer_as_the_pact_cli_asks(api: Api, make_pact: PactMaker) -> None:
    url = _publish(api, make_pact("web", "users", "/a"), "1").json()["_links"]["pb:contracts"][0]["href"]
    prod = _env_uuid(api, "prod")
    query = "q[][pacticipant]=web&q[][version]=1&latestby=cvpv&environment=prod"
    unknown = api.get(f"/matrix?{query}").json()
    assert unknown["summary"]["deployable"] is None and unknown["notices"]

    api("PUT", "/pacticipants/users/versions/5")
    api.post(url.removeprefix("http://broker") + "/verification-results",
             json={"success": False, "providerApplicationVersion": "5"})  # fmt: skip
    api.post(f"/pacticipants/users/versions/5/deployed-versions/environment/{prod}", json={})
    failed = api.get(f"/matrix?{query}").json()
    assert failed["summary"]["deployable"] is False and failed["summary"]["failed"] == 1
    row = failed["matrix"][0]
    assert (row["consumer"]["version"]["number"], row["provider"]["version"]["number"]) == ("1", "5")
    assert row["verificationResult"]["success"] is False

    ignored = api.get(f"/matrix?{query}&ignore[][pacticipant]=users&ignore[][version]=5").json()
    assert ignored["summary"]["deployable"] is True
    simple = api.get("/can-i-deploy", params={"pacticipant": "web", "version": "1", "environment": "prod"})
    assert simple.json()["summary"]["deployable"] is False
    rows = api.get("/matrix?q[][pacticipant]=web&q[][version]=1&latestby=cvp&latest=true").json()
    assert rows["summary"]["deployable"] is False and len(rows["matrix"]) == 1


@pytest.mark.parametrize(
    "query",
    ["", "q[][version]=1", "q[][pacticipant]=a&q[][pacticipant]=b&environment=prod", "q[][pacticipant]=a&tag=prod"],
)
def test_matrix_queries_it_cannot_answer_are_400(api: Api, query: str) -> None:
    assert api.get(f"/matrix?{query}").status_code == 400


def test_an_unknown_environment_in_can_i_deploy_is_404(api: Api) -> None:
    api("PUT", "/pacticipants/web/versions/1")
    response = api.get("/matrix?q[][pacticipant]=web&q[][version]=1&environment=moon")
    assert response.status_code == 404 and "moon" in response.json()["error"]["message"]


def test_pacticipants_are_created_with_a_main_branch_and_listed(api: Api) -> None:
    # PATCH creates (201), PUT changes a known one (200): a PUT no longer creates, see the test below.
    assert api("PATCH", "/pacticipants/users", json={"mainBranch": "trunk"}).status_code == 201
    assert api("PUT", "/pacticipants/users", json={"mainBranch": "main"}).status_code == 200
    found = api.get("/pacticipants/users").json()
    assert found["mainBranch"] == "main" and "pb:branch-version" in found["_links"]
    assert [p["name"] for p in api.get("/pacticipants").json()["_embedded"]["pacticipants"]] == ["users"]
    assert api.get("/pacticipants/nobody").status_code == 404
    assert api("PUT", "/pacticipants/users/versions/1/tags/prod").status_code == 201


def test_put_of_an_unknown_pacticipant_is_404_and_creates_nothing(api: Api) -> None:
    # pact_broker lib/pact_broker/api/resources/pacticipant.rb: put_can_create? is false and from_json answers
    # 404 for an unknown pacticipant unless request.patch? ("for backwards compatibility"); the body's schema is
    # checked first (malformed_request?). PATCH still creates it.
    missing = api("PUT", "/pacticipants/users", json={"mainBranch": "trunk"})
    assert missing.status_code == 404 and "users" in missing.json()["error"]["message"]
    assert api.get("/pacticipants/users").status_code == 404
    assert api("PUT", "/pacticipants/users", json={"mainBranh": "trunk"}).status_code == 400
    assert api("PATCH", "/pacticipants/users", json={"mainBranch": "trunk"}).status_code == 201
    assert api.get("/pacticipants/users").json()["mainBranch"] == "trunk"


def test_each_request_logs_one_json_line_without_headers(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="polycontract.broker.access"):
        api.get("/environments", headers={"Authorization": "Bearer s3cret-token"}, params={"name": "prod"})
    [line] = [r.getMessage() for r in caplog.records if r.name == "polycontract.broker.access"]
    entry = json.loads(line)
    assert entry["method"] == "GET" and entry["path"] == "/environments" and entry["status"] == 200
    assert entry["query"] == "name=prod" and entry["duration_ms"] >= 0
    assert "s3cret" not in line and "Authorization" not in line


def test_extensions_carry_exact_reasons_content_hashes_and_revisions(api: Api, make_pact: PactMaker) -> None:
    _publish(api, make_pact("web", "users", "/a"), "1")
    # the HTTP publish never overwrites; the embedded broker can, and ?revision= shows the history
    api.app.state.broker.publish_pact(make_pact("web", "users", "/b"), consumer_version="1", allow_overwrite=True)
    first = api.get("/pacts/provider/users/consumer/web/version/1", params={"revision": 1}).json()
    current = api.get("/pacts/provider/users/consumer/web/version/1").json()
    assert first["interactions"][0]["request"]["path"] == "/a"
    assert current["interactions"][0]["request"]["path"] == "/b"
    assert api.get("/pacts/provider/users/consumer/web/version/1", params={"revision": 0}).status_code == 400
    assert api.get("/pacts/provider/users/consumer/web/version/1", params={"revision": 3}).status_code == 404

    answer = api.get("/matrix?q[][pacticipant]=web&q[][version]=1&environment=prod").json()
    [reason] = answer["polycontract"]["reasons"]
    assert reason["status"] == "missing" and reason["counterpart"] == "users" and reason["nextAction"]
    assert answer["polycontract"]["target"] == "prod"

    entry = api.post("/pacts/provider/users/for-verification", json={}).json()["_embedded"]["pacts"][0]
    assert entry["polycontract"]["consumerVersions"] == ["1"]
    assert len(entry["polycontract"]["contentHash"]) == 64


def test_an_environment_is_updated_in_place_but_not_renamed(api: Api) -> None:
    uid = _env_uuid(api, "qa")
    updated = api("PUT", f"/environments/{uid}", json={"name": "qa", "displayName": "QA", "production": True})
    assert updated.status_code == 200 and updated.json()["production"] is True
    assert api.get(f"/environments/{uid}").json()["displayName"] == "QA"
    assert api("PUT", f"/environments/{uid}", json={"name": "uat"}).status_code == 400


def test_the_latest_version_on_a_branch_and_environment_narrowed_rows_are_served(
    api: Api, broker: Broker, make_pact: PactMaker
) -> None:
    api("PUT", "/pacticipants/users/branches/main/versions/1")
    api("PUT", "/pacticipants/users/branches/feat/versions/2")
    assert api.get("/pacticipants/users/branches/main/latest-version").json()["number"] == "1"
    assert api.get("/pacticipants/users/branches/nope/latest-version").status_code == 404

    _publish(api, make_pact("web", "users", "/a"), "1")
    broker.record_deployment("users", "1", "prod")
    rows = api.get("/polycontract/matrix", params={"pacticipant": "web", "environment": "prod", "limit": "5"}).json()
    assert [(r["consumer"]["version"]["number"], r["provider"]["name"]) for r in rows["matrix"]] == [("1", "users")]
    assert api.get("/polycontract/matrix", params={"pacticipant": "web", "limit": "0"}).status_code == 400
    assert api.get("/polycontract/matrix").status_code == 400


def test_a_result_published_as_pending_is_recorded_as_pending(api: Api, broker: Broker, make_pact: PactMaker) -> None:
    url = _publish(api, make_pact("web", "users", "/a"), "1").json()["_links"]["pb:contracts"][0]["href"]
    body = {"success": False, "providerApplicationVersion": "4", "pending": True}
    assert api.post(url.removeprefix("http://broker") + "/verification-results", json=body).status_code == 201
    [row] = broker.matrix("web")
    assert (row.success, row.pending) == (False, True)
    bad = api.post(url.removeprefix("http://broker") + "/verification-results", json={**body, "pending": "yes"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("PUT", "/pacticipants/we%01b", None, "control characters"),
        ("PUT", "/pacticipants/web/versions/" + "9" * 300, None, "longer than 255"),
        ("PUT", "/pacticipants/web/versions/1", {"branch": "b" * 256}, "branch is longer than 255"),
        ("POST", "/environments", {"name": "p" * 256, "production": True}, "name is longer than 255"),
        ("PATCH", "/deployed-versions/abc", {"currentlyDeployed": False}, "no record abc"),
        ("PATCH", "/deployed-versions/1", {"currentlyDeployed": True}, "can only be set to false"),
    ],
)
def test_names_the_database_cannot_store_are_refused_before_any_write(
    api: Api, broker: Broker, method: str, path: str, body: dict[str, Any] | None, message: str
) -> None:
    response = api(method, path, json=body)
    assert 400 <= response.status_code < 500
    assert message in response.json()["error"]["message"]
    assert reads.pacticipant_names(broker) == []


def test_a_publish_with_one_conflicting_contract_writes_none_of_them(
    api: Api, broker: Broker, make_pact: PactMaker
) -> None:
    _publish(api, make_pact("web", "users", "/a"), "1")
    contracts = [make_pact("web", "orders", "/o"), make_pact("web", "users", "/changed")]
    body = {
        "pacticipantName": "web",
        "pacticipantVersionNumber": "1",
        "contracts": [
            {
                "consumerName": "web",
                "providerName": p.provider,
                "content": base64.b64encode(dumps_pact(p).encode()).decode(),
            }
            for p in contracts
        ],
    }
    response = api.post("/contracts/publish", json=body)
    assert response.status_code == 409
    assert "already published different pact content for users" in response.json()["error"]["message"]
    assert api.get("/pacts/provider/orders/consumer/web/version/1").status_code == 404
