"""Names are checked and NFC-normalised the same way by both brokers, and every name the server keeps has a URL.

A pacticipant, environment or label name may not hold ``/``; no name, version number, branch or tag may
hold control, zero-width, bidi or other invisible characters (look-alikes of another name). The embedded
broker (SQLite and PostgreSQL) and `HttpBroker` refuse them with the same `UsageError` before anything is
stored or sent; the server answers 400 to a raw request. Version numbers, branches and tags keep ``/`` as
the Pact Broker does (pact_broker issue #253, ``1.0.0+branch.feature/blockchain``; git branches such as
``feature/login``): the server routes a ``%2F``-encoded segment to them and its links encode it.
Links never follow a forged ``Host`` header.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from polycontract.broker import Broker, BrokerAPI, connect
from polycontract.errors import UsageError
from tests.broker.conftest import PactMaker
from tests.broker.http_twin import serving

pytest.importorskip("uvicorn")

#: Calls each broker must refuse, with the character or ``/`` that makes them wrong.
REFUSED: dict[str, Callable[[BrokerAPI], object]] = {
    "slash in a pacticipant": lambda b: b.create_pacticipant("team/web"),
    "zero-width space": lambda b: b.create_pacticipant("we\u200bb"),
    "right-to-left override": lambda b: b.create_pacticipant("web\u202egpj.exe"),
    "bidi isolate": lambda b: b.create_version("web", "\u20661.0\u2069"),
    "byte order mark": lambda b: b.create_version("\ufeffweb", "1.0"),
    "bell": lambda b: b.create_version("web", "1.0", branch="main\x07"),
    "zero-width joiner in a tag": lambda b: b.create_version("web", "1.0", tags=["prod\u200d"]),
    "line separator": lambda b: b.create_version("web", "1.0\u2028"),
    "slash in an environment": lambda b: b.create_environment("prod/eu"),
    "slash in a label": lambda b: b.label_pacticipant("users", "team/a"),
    "left-to-right mark in a read": lambda b: b.has_version("users\u200e", "1.0"),
}


@pytest.fixture
def both(broker: Broker) -> Iterator[tuple[Broker, BrokerAPI]]:
    """The embedded broker (with pacticipant ``users``) and an `HttpBroker` talking to a server over it."""
    broker.create_pacticipant("users")
    with serving(broker) as url, connect(url) as http:
        yield broker, http


def _refusal(call: Callable[[BrokerAPI], object], broker: BrokerAPI) -> str:
    with pytest.raises(UsageError) as raised:
        call(broker)
    return str(raised.value)


@pytest.mark.parametrize("case", REFUSED)
def test_both_brokers_refuse_a_name_with_a_slash_or_an_invisible_character_and_store_nothing(
    both: tuple[Broker, BrokerAPI], case: str
) -> None:
    embedded, http = both
    before = (embedded.pacticipants(), embedded.environments(), embedded.pacticipant_labels("users"))

    assert _refusal(REFUSED[case], embedded) == _refusal(REFUSED[case], http)
    assert (embedded.pacticipants(), embedded.environments(), embedded.pacticipant_labels("users")) == before


def test_the_refusal_names_the_argument_and_the_character(broker: Broker) -> None:
    message = _refusal(REFUSED["right-to-left override"], broker)

    assert message.startswith("pacticipant='web\\u202egpj.exe' holds U+202E")


def test_both_brokers_store_and_find_a_name_in_nfc_whichever_form_it_is_written_in(
    both: tuple[Broker, BrokerAPI],
) -> None:
    embedded, http = both
    decomposed, composed = "Cafe\u0301", "Caf\u00e9"
    http.create_version(decomposed, "1.0", branch="ma\u0301in", tags=["e\u0301"])
    embedded.create_version(composed, "2.0")

    assert embedded.pacticipants() == http.pacticipants() == (composed, "users")
    assert embedded.has_version(decomposed, "1.0") and http.has_version(composed, "2.0")
    assert http.latest_version(decomposed, branch="m\u00e1in") == "1.0"


def test_version_numbers_branches_and_tags_keep_slashes_and_the_server_routes_them_encoded(
    both: tuple[Broker, BrokerAPI], make_pact: PactMaker
) -> None:
    embedded, http = both
    version, branch = "1.0.0+branch.feature/blockchain", "feature/login"
    http.publish_pact(make_pact("web", "users", "/users/1"), consumer_version=version, branch=branch, tags=[branch])
    base = http.url.rstrip("/")
    v, b = "1.0.0%2Bbranch.feature%2Fblockchain", "feature%2Flogin"
    paths = [
        f"/pacticipants/web/versions/{v}",
        f"/pacticipants/web/branches/{b}",
        f"/pacticipants/web/branches/{b}/versions/{v}",
        f"/pacticipants/web/latest-version/{b}",
        f"/pacts/provider/users/consumer/web/version/{v}",
        f"/pacts/provider/users/consumer/web/latest/{b}",
        f"/pacts/provider/users/consumer/web/branch/{b}/latest",
    ]
    with httpx.Client(base_url=base) as client:
        answers = {path: client.get(path) for path in paths}
        assert {path: a.status_code for path, a in answers.items()} == dict.fromkeys(paths, 200)
        self_link = answers[paths[0]].json()["_links"]["self"]["href"]
        assert self_link.endswith(paths[0]) and client.get(self_link).status_code == 200
        assert client.put(f"/pacticipants/web/versions/{v}/tags/release%2F1", json={}).status_code in (200, 201)

    assert http.pact("web", version, "users") == embedded.pact("web", version, "users")
    assert embedded.latest_version("web", branch=branch) == version


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/pacticipants/team%2Fweb", {}),
        ("PATCH", "/pacticipants/we%E2%80%8Bb", {}),
        ("PUT", "/pacticipants/users/versions/1.0%E2%80%AE", {}),
        ("PUT", "/pacticipants/users/versions/1.0/tags/prod%1F", None),
        ("POST", "/environments", {"name": "prod\u2067", "production": True}),
        ("POST", "/pacticipants", {"name": "a\u200cb"}),
    ],
)
def test_the_server_answers_400_to_a_raw_request_naming_what_no_name_may_hold(
    both: tuple[Broker, BrokerAPI], method: str, path: str, body: Any
) -> None:
    embedded, http = both
    before = (embedded.pacticipants(), embedded.environments())
    base = http.url.rstrip("/")
    headers = {"Content-Type": "application/json", "Accept": "application/problem+json"}
    content = None if body is None else json.dumps(body)
    answer = httpx.request(method, base + path, content=content, headers=headers)

    assert answer.status_code == 400, answer.text
    assert (embedded.pacticipants(), embedded.environments()) == before


def test_publishing_a_contract_whose_names_hold_a_bidi_override_is_a_400_and_stores_nothing(
    both: tuple[Broker, BrokerAPI], make_pact: PactMaker
) -> None:
    embedded, http = both
    base = http.url.rstrip("/")
    body = {"pacticipantName": "web", "pacticipantVersionNumber": "1.0\u202e", "contracts": []}
    answer = httpx.post(base + "/contracts/publish", json=body)

    assert answer.status_code == 400, answer.text
    assert embedded.pacticipants() == ("users",)


def test_a_forged_host_header_reaches_no_link_of_any_document(
    both: tuple[Broker, BrokerAPI], make_pact: PactMaker
) -> None:
    embedded, http = both
    embedded.publish_pact(make_pact("web", "users", "/users/1"), consumer_version="1.0", branch="main")
    embedded.create_environment("production", production=True)
    embedded.record_deployment("web", "1.0", "production")
    base = http.url.rstrip("/")
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "Accept": "application/hal+json"}
    paths = [
        "/",
        "/pacticipants",
        "/pacticipants/web",
        "/pacticipants/web/versions",
        "/pacticipants/web/versions/1.0",
        "/pacticipants/web/branches/main",
        "/pacts/latest",
        "/pacts/provider/users/latest",
        "/pacts/provider/users/consumer/web/latest",
        "/pacts/provider/users/for-verification",
        "/environments",
        "/matrix?q[][pacticipant]=web&q[][version]=1.0&latestby=cvp",
        "/webhooks",
    ]
    with httpx.Client(base_url=base, headers=forged) as client:
        texts = {path: client.get(path) for path in paths}

    assert {p: a.status_code for p, a in texts.items()} == dict.fromkeys(paths, 200)
    assert [p for p, a in texts.items() if "evil.example" in a.text] == []
    assert all(base in a.text for p, a in texts.items() if '"href"' in a.text)
