"""RFC 9457 problem details from the broker's HTTP API: every 4xx names the field at fault.

Each error is ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and
``errors[]`` (``pointer`` into the body or ``parameter`` of the query/path), and keeps the Pact
Broker's ``error.message`` (what the Pact CLI prints). Bad input never yields a 5xx.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from polycontract.broker import Broker
from polycontract.broker._api.common import problem_media_type
from polycontract.codec import dumps_pact
from tests.broker.conftest import PactMaker
from tests.broker.test_http_api import Api

pytest.importorskip("starlette")


@pytest.fixture
def api(broker: Broker) -> Api:
    return Api(broker)


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response's problem document, checked for the RFC 9457 members and the Pact Broker's ``error``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["title"] and body["detail"]
    assert body["error"] == {"message": body["detail"]}
    assert isinstance(body.get("errors", []), list)
    return body


def _fields(body: dict[str, Any]) -> set[str]:
    return {e.get("pointer", e.get("parameter")) for e in body.get("errors", [])}


def _contract(make_pact: PactMaker, consumer: str = "web", provider: str = "users") -> dict[str, Any]:
    content = base64.b64encode(dumps_pact(make_pact(consumer, provider, "/a")).encode()).decode()
    return {
        "consumerName": consumer,
        "providerName": provider,
        "specification": "pact",
        "contentType": "application/json",
        "content": content,
    }


def test_not_found_and_method_errors_are_problems(api: Api) -> None:
    assert _problem(api.get("/nowhere"), 404)["title"] == "Not Found"
    assert _problem(api("DELETE", "/environments"), 405)["title"] == "Method Not Allowed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", ""),
        (b"[1, 2]", ""),
        (b'{"pacticipantVersionNumber": "1", "contracts": []}', "/pacticipantName"),
        (b'{"pacticipantName": "web", "pacticipantVersionNumber": "1\\u0007"}', "/pacticipantVersionNumber"),
        (b'{"pacticipantName": "web", "pacticipantVersionNumber": "1", "contracts": []}', "/contracts"),
        (b'{"pacticipantName": "web", "pacticipantVersionNumber": "1", "tags": [1]}', "/tags/0"),
        (b'{"pacticipantName": "web", "pacticipantVersionNumber": "1", "tags": "x"}', "/tags"),
        (b'{"pacticipantName": "web", "pacticipantVersionNumber": "1", "colour": "red"}', "/colour"),
    ],
)
def test_bad_publish_bodies_name_the_field(api: Api, body: bytes, field: str) -> None:
    found = _problem(api.post("/contracts/publish", content=body, headers={"content-type": "application/json"}), 400)
    assert field in _fields(found)


def test_bad_contracts_are_named_by_index(api: Api, make_pact: PactMaker) -> None:
    good = _contract(make_pact)
    cases = [
        ({**good, "content": "%%%"}, "/contracts/1/content"),
        ({**good, "extra": 1}, "/contracts/1/extra"),
        ({**good, "providerName": "us\x01ers"}, "/contracts/1/providerName"),
        ({**good, "content": base64.b64encode(b'{"x": 1}').decode()}, "/contracts/1/content"),
        ("not an object", "/contracts/1"),
    ]
    for contract, field in cases:
        body = {"pacticipantName": "web", "pacticipantVersionNumber": "1", "contracts": [good, contract]}
        found = _problem(api.post("/contracts/publish", json=body), 400)
        assert field in _fields(found), found
    # nothing was written by the refused requests
    assert api.get("/pacticipants/web/versions/1").status_code == 404


def test_the_fields_pact_clients_send_are_accepted(api: Api, make_pact: PactMaker) -> None:
    contract = {**_contract(make_pact), "onConflict": "overwrite"}
    body = {
        "pacticipantName": "web",
        "pacticipantVersionNumber": "1",
        "branch": "main",
        "tags": ["dev"],
        "buildUrl": "https://ci/1",
        "contracts": [contract],
    }
    assert api.post("/contracts/publish", json=body).status_code == 200
    env = api.post("/environments", json={"name": "qa1", "production": False, "contacts": []})
    assert env.status_code == 201
    path = f"/pacticipants/web/versions/1/deployed-versions/environment/{env.json()['uuid']}"
    assert api.post(path, json={"applicationInstance": "eu", "target": "eu"}).status_code == 201


def test_unknown_fields_in_polycontract_bodies_are_refused(api: Api) -> None:
    env = api.post("/environments", json={"name": "qa1", "production": False})
    uid = env.json()["uuid"]
    cases = [
        ("POST", "/environments", {"name": "qa2", "produktion": True}, "/produktion"),
        ("PUT", f"/environments/{uid}", {"production": False, "colour": "red"}, "/colour"),
        ("PUT", "/pacticipants/web", {"mainBranch": "main", "mainbranch": "x"}, "/mainbranch"),
        ("PUT", "/pacticipants/web/versions/1", {"branch": "main", "tag": "x"}, "/tag"),
        ("PATCH", "/deployed-versions/1", {"currentlyDeployed": False, "x": 1}, "/x"),
        ("PATCH", "/released-versions/1", {"currentlySupported": False, "x": 1}, "/x"),
    ]
    for method, path, body, field in cases:
        found = _problem(api(method, path, json=body), 400)
        assert _fields(found) == {field}, found
    assert api.get("/pacticipants/web").status_code == 404
    assert "qa2" not in [e["name"] for e in api.get("/environments").json()["_embedded"]["environments"]]


def test_bad_verification_results_name_the_field(api: Api, make_pact: PactMaker) -> None:
    published = api.post(
        "/contracts/publish",
        json={"pacticipantName": "web", "pacticipantVersionNumber": "1", "contracts": [_contract(make_pact)]},
    )
    url = published.json()["_links"]["pb:contracts"][0]["href"].removeprefix("http://broker")
    results = url + "/verification-results"
    cases = [
        ({"providerApplicationVersion": "2"}, "/success"),
        ({"success": True, "providerApplicationVersion": "2\n"}, "/providerApplicationVersion"),
        ({"success": True, "providerApplicationVersion": "2", "verdict": "ok"}, "/verdict"),
    ]
    for body, field in cases:
        assert field in _fields(_problem(api.post(results, json=body), 400))
    ok = {"success": True, "providerApplicationVersion": "2", "testResults": [], "verifiedBy": {"implementation": "x"}}
    assert api.post(results, json=ok).status_code == 201


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/pacticipants/we%01b", "pacticipant"),
        ("/pacticipants/web/versions/1%0a2", "version"),
        ("/pacticipants/web/branches/ma%7fin/latest-version", "branch"),
        ("/pacticipants/" + "w" * 300, "pacticipant"),
        ("/can-i-deploy?pacticipant=web&version=1%0d&environment=prod", "version"),
        ("/can-i-deploy?pacticipant=web", "version"),
        ("/matrix?q[][pacticipant]=web&limit=%C2%B2", "limit"),
        ("/pacts/provider/users/consumer/web/version/1?revision=99999999999999999999", "revision"),
    ],
)
def test_bad_path_and_query_parameters_are_named(api: Api, path: str, parameter: str) -> None:
    # /matrix answers the Pact Broker's own error shape unless asked for a problem (as the Pact Broker does)
    assert parameter in _fields(_problem(api.get(path, headers={"Accept": "application/problem+json"}), 400))


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("PATCH", "/deployed-versions/99999999999999999999999", {"json": {"currentlyDeployed": False}}),
        ("PATCH", "/released-versions/%C2%B2", {"json": {"currentlySupported": False}}),
        ("PUT", "/pacticipants/web/versions/1", {"json": {"tags": [{"nom": "x"}]}}),
        ("PUT", "/pacticipants/web/versions/1", {"json": {"tags": 5}}),
        ("POST", "/contracts/publish", {"content": b"{}", "headers": {"content-length": b"\xb2"}}),
        ("PUT", "/pacts/provider/users/consumer/web/version/1", {"json": {"consumer": 1}}),
    ],
)
def test_odd_input_is_a_4xx_never_a_5xx(api: Api, method: str, path: str, kwargs: dict[str, Any]) -> None:
    response = api(method, path, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    _problem(response, response.status_code)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/problem+json"),
        ("*/*", "application/problem+json"),
        ("application/hal+json, application/problem+json", "application/problem+json"),
        ("application/hal+json", "application/hal+json"),
        ("application/hal+json, application/json", "application/hal+json"),
        ("application/json", "application/json"),
        ("text/html", "application/problem+json"),
    ],
)
def test_pact_clients_asking_only_for_hal_or_json_get_the_problem_under_that_type(
    api: Api, accept: str | None, media_type: str
) -> None:
    """The Pact CLI reads ``error.message`` only from HAL/JSON, so it gets the same document typed as it asked."""
    assert problem_media_type(accept) == media_type
    headers = {} if accept is None else {"accept": accept}
    response = api.get("/pacticipants/nobody", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.json()["error"] == {"message": response.json()["detail"]}
