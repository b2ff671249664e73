"""The in-process transport's fast path: replies built once when nothing varies, fresh when generators run."""

from __future__ import annotations

import httpx

from polycontract import Pact, match, model
from polycontract.mock import normalise_request


def _pact() -> Pact:
    pact = Pact(consumer="shop", provider="orders")
    pact.given("order 1 exists").upon_receiving("get order 1").with_request("GET", "/orders/1").will_respond_with(
        200, body={"id": 1, "total": match.decimal(9.5)}
    )
    pact.given("order 2 exists").upon_receiving("get order 1 again").with_request("GET", "/orders/1").will_respond_with(
        200, body={"id": 1, "total": match.decimal(9.5)}
    )
    pact.upon_receiving("a new id").with_request("POST", "/ids").will_respond_with(201, body={"id": match.uuid()})
    return pact


def test_a_reply_without_generators_is_the_same_example_every_time() -> None:
    with httpx.Client(transport=_pact().transport(), base_url="http://orders") as client:
        first = client.get("/orders/1")
        second = client.get("/orders/1")
        client.post("/ids")
    assert first.content == second.content == b'{"id": 1, "total": 9.5}'


def test_a_reply_with_generators_is_generated_anew_for_every_request() -> None:
    pact = _pact()
    with httpx.Client(transport=pact.transport(), base_url="http://orders") as client:
        ids = {client.post("/ids").json()["id"] for _ in range(5)}
        client.get("/orders/1")
        client.get("/orders/1")
    assert len(ids) == 5


def test_the_response_is_read_and_carries_its_length_and_content_type() -> None:
    transport = _pact().transport()
    request = httpx.Request("GET", "http://orders/orders/1")

    response = transport.handle_request(request)

    assert response.json() == {"id": 1, "total": 9.5}
    assert response.headers["Content-Length"] == str(len(response.content))
    assert response.headers["Content-Type"] == "application/json"
    assert response.request is request


def test_a_response_without_a_body_has_no_content_length() -> None:
    pact = Pact(consumer="shop", provider="orders")
    pact.upon_receiving("delete order 1").with_request("DELETE", "/orders/1").will_respond_with(204)
    with httpx.Client(transport=pact.transport(), base_url="http://orders") as client:
        response = client.delete("/orders/1")
    assert (response.status_code, response.content, "content-length" in response.headers) == (204, b"", False)


def test_a_declared_content_length_header_is_sent_as_declared_not_twice() -> None:
    pact = Pact(consumer="shop", provider="orders")
    pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(
        200, headers={"Content-Length": "4"}, body="pong"
    )
    with httpx.Client(transport=pact.transport(), base_url="http://orders") as client:
        response = client.get("/ping")
    assert response.headers.get_list("Content-Length") == ["4"]
    assert response.text == "pong"


def test_request_headers_reach_the_matcher_with_the_clients_spelling_and_values() -> None:
    pact = Pact(consumer="shop", provider="orders")
    pact.upon_receiving("an authorised ping").with_request(
        "GET", "/ping", headers={"Authorization": match.regex(r"Bearer \w+", "Bearer abc")}
    ).will_respond_with(204)
    transport = pact.transport()
    client = httpx.Client(transport=transport, base_url="http://orders")  # no `with`: look at the problems
    assert client.get("/ping", headers={"Authorization": "Bearer xyz"}).status_code == 204
    assert client.get("/ping", headers={"Authorization": "Basic xyz"}).status_code == 500
    [problem] = transport.provider.problems(include_unused=False)
    assert [m.path for m in problem.mismatches] == ["$.headers.Authorization"]
    assert "Basic xyz" in problem.mismatches[0].message


def test_normalise_request_keeps_the_path_as_sent_decodes_the_query_groups_repeats_and_reads_the_content_type() -> None:
    # The path used to be percent-decoded here ("/a b/c"). The Pact mock server keeps it as sent (hyper's
    # ``PathAndQuery::path()`` in pact_mock_server ``hyper_server.rs`` ``extract_path``) and compares it
    # as a string (pact_matching ``match_path``); see tests/mock/test_mock_request_path_as_sent.py.
    request = normalise_request(
        "post",
        "/a%20b/c?x=1&x=2&y=&z=%2F",
        [("Accept", "text/plain"), ("X-Id", "1"), ("X-Id", "2"), ("content-type", "application/json")],
        b'{"a": 1}',
    )
    assert (request.method, request.path) == ("POST", "/a%20b/c")
    assert request.query == {"x": ("1", "2"), "y": ("",), "z": ("/",)}
    assert request.headers == {"Accept": ("text/plain",), "X-Id": ("1", "2"), "content-type": ("application/json",)}
    assert request.body == model.Body(content=b'{"a": 1}', content_type="application/json")


def test_normalise_request_takes_absolute_targets_and_drops_fragments() -> None:
    absolute = normalise_request("GET", "http://host:1234/users?id=7", [], b"")
    fragment = normalise_request("GET", "/users#top", [], b"")
    assert (absolute.path, absolute.query, absolute.body) == ("/users", {"id": ("7",)}, model.ABSENT)
    assert (fragment.path, fragment.query) == ("/users", {})
    assert normalise_request("GET", "", [], b"").path == "/"


def test_normalise_request_builds_the_request_init_would_build_with_every_field() -> None:
    from dataclasses import fields

    request = normalise_request("POST", "/a?x=1", [("Content-Type", "text/plain")], b"hi")
    built = model.Request(
        method="POST",
        path="/a",
        query={"x": ("1",)},
        headers={"Content-Type": ("text/plain",)},
        body=model.Body(content=b"hi", content_type="text/plain"),
    )
    assert request == built and repr(request) == repr(built)
    for made, cls in ((request, model.Request), (request.body, model.Body)):  # every slot filled, nothing else
        assert all(hasattr(made, f.name) for f in fields(cls)) and not hasattr(made, "__dict__")


def test_requests_sending_the_same_header_names_are_told_apart_by_their_values() -> None:
    pact = Pact(consumer="shop", provider="orders")
    for tenant in ("a", "b", "c"):
        pact.upon_receiving(f"orders of tenant {tenant}").with_request(
            "GET", f"/orders/{tenant}", headers={"X-Tenant": tenant, "Accept": "application/json"}
        ).will_respond_with(200, body={"tenant": tenant})
    with httpx.Client(transport=pact.transport(), base_url="http://orders") as client:
        answers = [
            client.get(f"/orders/{tenant}", headers={"X-Tenant": tenant, "Accept": "application/json"}).json()
            for tenant in ("c", "a", "b", "a")
        ]
    assert [a["tenant"] for a in answers] == ["c", "a", "b", "a"]


def test_a_latin_1_header_value_reaches_the_matcher_as_httpx_decodes_it() -> None:
    pact = Pact(consumer="shop", provider="orders")
    pact.upon_receiving("a greeting").with_request("GET", "/hello", headers={"X-Name": "Zoë"}).will_respond_with(204)
    with httpx.Client(transport=pact.transport(), base_url="http://orders") as client:
        assert client.get("/hello", headers={"X-Name": "Zoë".encode("latin-1")}).status_code == 204
