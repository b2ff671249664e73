"""Interop: verification results and build URLs are readable as the Pact Broker serves them.

The Pact Broker links a matrix row's result to ``…/pact-version/{sha}/verification-results/{number}``
(pact_broker ``lib/pact_broker/api/decorators/matrix_decorator.rb``: ``verification_url_from_params``), a pact to its
content's newest result as ``pb:latest-verification-results`` (``pact_decorator.rb``:
``latest_verification_for_pact_url``, ``…/pact-version/{sha}/verification-results/latest``), and serves
``…/version/{v}/verification-results/latest`` too (``lib/pact_broker/api.rb``, ``LatestVerificationForPact``). It stores
the ``buildUrl`` of a consumer version (``pact broker publish --build-url``) and of a verification result
(``pact verifier --build-url``) and shows them back (``version_decorator.rb``, ``verification_decorator.rb``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from polycontract.codec import dumps_pact
from tests.broker.pact_cli import needs_pact_cli, pact, users_pact

pytestmark = needs_pact_cli

CONSUMER_BUILD = "https://ci.example.com/web/builds/41"
PROVIDER_BUILD = "https://ci.example.com/users/builds/7"


def _verify(server: Any, provider: Any, version: str, *extra: str) -> tuple[int, str]:
    return pact(
        "verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port),
        "--publish", "--provider-version", version, "--provider-branch", "main", *extra,
    )  # fmt: skip


def test_each_matrix_rows_verification_link_answers_with_that_result(estate: Any) -> None:
    _broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    assert _verify(server, provider, "1")[0] == 0
    provider.broken = True
    assert _verify(server, provider, "2")[0] != 0

    matrix = httpx.get(f"{server.url}/matrix", params={"q[][pacticipant]": "web", "q[][version]": "1"}, timeout=10)
    rows = {r["provider"]["version"]["number"]: r for r in matrix.json()["matrix"]}
    assert set(rows) == {"1", "2"}, rows
    for number, success in (("1", True), ("2", False)):
        href = rows[number]["verificationResult"]["_links"]["self"]["href"]
        answer = httpx.get(href, timeout=10)
        assert answer.status_code == 200, (href, answer.text)
        result = answer.json()
        assert (result["providerApplicationVersion"], result["success"]) == (number, success), result
        assert result["_links"]["self"]["href"] == href


def test_a_pacts_latest_verification_results_link_answers_with_the_newest_result(estate: Any) -> None:
    _broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)[0] == 0
    document = httpx.get(f"{server.url}/pacts/provider/users/consumer/web/version/1", timeout=10).json()
    latest = document["_links"]["pb:latest-verification-results"]["href"]
    assert latest.endswith("/verification-results/latest") and "/pact-version/" in latest, latest
    assert httpx.get(latest, timeout=10).status_code == 404  # not verified yet

    assert _verify(server, provider, "1")[0] == 0
    provider.broken = True
    assert _verify(server, provider, "2")[0] != 0
    newest = httpx.get(latest, timeout=10)
    assert newest.status_code == 200, newest.text
    assert (newest.json()["providerApplicationVersion"], newest.json()["success"]) == ("2", False)
    by_version = httpx.get(f"{server.url}/pacts/provider/users/consumer/web/version/1/verification-results/latest")
    assert by_version.status_code == 200 and by_version.json()["providerApplicationVersion"] == "2", by_version.text
    missing = httpx.get(f"{server.url}/pacts/provider/users/consumer/web/version/9/verification-results/latest")
    assert missing.status_code == 404, missing.text


def test_build_urls_of_consumer_versions_and_verifications_are_stored_and_shown(estate: Any) -> None:
    _broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    publish = ["broker", "publish", str(pacts), "--consumer-app-version", "1"]
    code, out = pact(*publish, "--build-url", CONSUMER_BUILD, *url)
    assert code == 0, out
    code, out = pact("broker", "describe-version", "--pacticipant", "web", "--version", "1", "-o", "json", *url)
    assert code == 0, out
    assert json.loads(out[out.index("{") :])["buildUrl"] == CONSUMER_BUILD, out

    assert _verify(server, provider, "1", "--build-url", PROVIDER_BUILD)[0] == 0
    latest = httpx.get(f"{server.url}/pacts/provider/users/consumer/web/version/1/verification-results/latest")
    assert latest.json()["buildUrl"] == PROVIDER_BUILD, latest.text


def test_the_embedded_broker_stores_build_urls_and_repository_urls(broker_url: str, tmp_path: Path) -> None:
    from polycontract.broker import connect
    from polycontract.broker._api.queries import pacticipant, version
    from polycontract.codec import load_pact

    with connect(broker_url) as broker:
        broker.create_pacticipant("users", repository_url="https://git.example.com/users")
        broker.create_version("users", "3", build_url="https://ci.example.com/users/3")
        pact_json = dumps_pact(users_pact())
        broker.publish_pact(load_pact(pact_json), consumer_version="5", build_url="https://ci.example.com/web/5")
        info = pacticipant(broker, "users")
        assert info is not None and info.repository_url == "https://git.example.com/users"
        built = version(broker, "users", "3")
        assert built is not None and built.build_url == "https://ci.example.com/users/3"
        published = version(broker, "web", "5")
        assert published is not None and published.build_url == "https://ci.example.com/web/5"


def test_create_or_update_pacticipant_stores_the_repository_url_that_describe_pacticipant_shows(estate: Any) -> None:
    _broker, server, _provider, _pacts = estate
    url = ["--broker-base-url", server.url]
    repository = "https://git.example.com/billing"
    create = ["broker", "create-or-update-pacticipant", "--name", "billing"]
    code, out = pact(*create, "--repository-url", repository, *url)
    assert code == 0, out
    code, out = pact("broker", "describe-pacticipant", "--name", "billing", "-o", "json", *url)
    assert code == 0 and json.loads(out[out.index("{") :])["repositoryUrl"] == repository, out
    moved = "https://git.example.com/billing-v2"
    code, out = pact("broker", "create-or-update-pacticipant", "--name", "billing", "--repository-url", moved, *url)
    assert code == 0, out
    assert httpx.get(f"{server.url}/pacticipants/billing", timeout=10).json()["repositoryUrl"] == moved
