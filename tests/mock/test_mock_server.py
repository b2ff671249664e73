"""The mock provider on a real socket (127.0.0.1, port 0), exercised with httpx."""

from __future__ import annotations

import datetime
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from polycontract import ContractViolation, Pact, UsageError, match, model
from polycontract.mock import MockServer, MockViolation
from polycontract.mock._server import _Handler


def users() -> Pact:
    pact = Pact(consumer="web", provider="users")
    pact.given("user 7 exists", id=7).upon_receiving("a request for user 7").with_request(
        "GET", "/users/7", headers={"Accept": "application/json"}
    ).will_respond_with(
        200,
        headers={"X-Trace": match.regex("[a-f0-9]{8}", "0badcafe")},
        body={"id": match.integer(), "name": match.string("Ann"), "seen": match.datetime()},
    )
    pact.upon_receiving("a new user").with_request(
        "POST", "/users", body={"name": match.string("Ann"), "age": match.integer(30)}
    ).will_respond_with(201, body={"id": match.integer(8)})
    return pact


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def test_matching_request_gets_the_example_response_with_generated_values(client: httpx.Client) -> None:
    pact = users()
    pact.upon_receiving("unused here").with_request("GET", "/other").will_respond_with(204)
    with pytest.raises(ContractViolation), pact.serve() as server:
        response = client.get(f"{server.url}/users/7", headers={"Accept": "application/json"})
        created = client.post(f"{server.url}/users", json={"name": "Bo", "age": 41})
    assert server.url.startswith("http://127.0.0.1:")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-trace"] == "0badcafe"
    body = response.json()
    assert body["name"] == "Ann"
    assert isinstance(body["id"], int)
    assert body["seen"].startswith(str(datetime.datetime.now(datetime.UTC).year))
    assert (created.status_code, created.json()) == (201, {"id": 8})


def test_clean_run_raises_nothing(client: httpx.Client) -> None:
    with users().serve() as server:
        client.get(f"{server.url}/users/7", headers={"Accept": "application/json"})
        client.post(f"{server.url}/users", json={"name": "Bo", "age": 41})


def test_mismatching_request_gets_a_500_and_the_block_raises_with_body_paths(client: httpx.Client) -> None:
    pact = users()
    with pytest.raises(ContractViolation) as caught, pact.serve() as server:
        client.get(f"{server.url}/users/7", headers={"Accept": "application/json"})
        response = client.post(f"{server.url}/users", json={"name": 5, "age": 41})
    assert response.status_code == 500
    doc = response.json()
    assert doc["error"] == "POST /users did not match the interaction 'a new user'"
    assert [m["path"] for m in doc["mismatches"]] == ["$.body.name"]
    text = str(caught.value)
    assert text.startswith("The mock provider for web -> users saw 1 problem:")
    assert "1. POST /users did not match 'a new user':\n     $.body.name: Expected 5 (number)" in text
    assert "hint:" in text
    assert isinstance(caught.value, AssertionError)


def test_closest_interaction_is_the_one_with_fewest_mismatches(client: httpx.Client) -> None:
    pact = Pact(consumer="web", provider="users")
    pact.given("a").upon_receiving("two fields").with_request("POST", "/u", body={"a": 1, "b": 2}).will_respond_with(
        200
    )
    pact.given("b").upon_receiving("one field").with_request("POST", "/u", body={"a": 1}).will_respond_with(200)
    with pytest.raises(MockViolation) as caught, pact.serve() as server:
        client.post(f"{server.url}/u", json={"a": 1, "c": 3})
        client.post(f"{server.url}/u", json={"a": 1, "b": 2})
    mismatch = caught.value.problems[0]
    assert mismatch.kind == "mismatch"
    assert mismatch.interaction == "'one field' (given 'b')"
    assert [m.path for m in mismatch.mismatches] == ["$.body.c"]
    assert len(caught.value.problems) == 1  # 'one field' is blamed, so not also listed as never exercised


def test_unexercised_interaction_is_reported(client: httpx.Client) -> None:
    with pytest.raises(MockViolation) as caught, users().serve() as server:
        client.get(f"{server.url}/users/7", headers={"Accept": "application/json"})
    assert [p.kind for p in caught.value.problems] == ["unused"]
    assert "Interaction 'a new user' (POST /users) was never exercised." in str(caught.value)


def test_unexpected_request_is_reported_with_interactions_on_the_same_path(client: httpx.Client) -> None:
    with pytest.raises(MockViolation) as caught, users().serve() as server:
        client.get(f"{server.url}/users/7", headers={"Accept": "application/json"})
        client.post(f"{server.url}/users", json={"name": "Bo", "age": 41})
        response = client.delete(f"{server.url}/users/7?hard=1")
    assert response.status_code == 500
    assert "no interaction declares it" in response.json()["error"]
    (problem,) = caught.value.problems
    assert (problem.kind, problem.request) == ("unexpected", "DELETE /users/7?hard=1")
    assert problem.similar == ("'a request for user 7' (given 'user 7 exists')",)


def test_problems_are_listed_best_first(client: httpx.Client) -> None:
    with pytest.raises(MockViolation) as caught, users().serve() as server:
        client.get(f"{server.url}/nowhere")
        client.post(f"{server.url}/users", json={"name": 5, "age": "x"})
    assert [p.kind for p in caught.value.problems] == ["mismatch", "unexpected", "unused"]


def test_path_matcher_interactions_are_found_without_an_exact_path(client: httpx.Client) -> None:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("any user").with_request("GET", match.regex(r"/users/\d+", "/users/1")).will_respond_with(
        200, body={"id": 1}
    )
    with pact.serve() as server:
        assert client.get(f"{server.url}/users/12345").json() == {"id": 1}


def test_same_request_in_two_states_exercises_both(client: httpx.Client) -> None:
    pact = Pact(consumer="web", provider="users")
    pact.given("empty").upon_receiving("list").with_request("GET", "/u").will_respond_with(200, body=[])
    pact.given("full").upon_receiving("list").with_request("GET", "/u").will_respond_with(200, body=[1])
    with pact.serve() as server:
        bodies = [client.get(f"{server.url}/u").json() for _ in range(3)]
    assert bodies == [[], [1], []]


def test_exception_in_the_server_thread_is_reraised_in_the_test(client: httpx.Client) -> None:
    broken = model.HttpInteraction(
        description="broken generator",
        response=model.Response(
            body=model.Body(content={"day": "x"}, content_type="application/json"),
            generators={"body": {"$.day": model.Generator(type="Date", params={"expression": "when pigs fly"})}},
        ),
    )
    pact = model.PactDocument(consumer="web", provider="users", interactions=(broken,))
    with pytest.raises(UsageError, match="pigs") as caught, MockServer(pact) as server:
        response = client.get(f"{server.url}/")
    assert response.status_code == 500
    assert "the mock provider failed: UsageError" in response.json()["error"]
    assert caught.value is not None


def test_crash_outside_the_matching_engine_is_reraised_too(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: _Handler) -> bytes:
        raise RuntimeError("boom in the handler")

    monkeypatch.setattr(_Handler, "_read_body", boom)
    with (
        pytest.raises(RuntimeError, match="boom in the handler"),
        users().serve() as server,
        pytest.raises(httpx.HTTPError),
    ):
        client.get(f"{server.url}/users/7")


def test_block_failing_after_a_mismatch_raises_the_violation_with_the_failure_as_context(
    client: httpx.Client,
) -> None:
    with pytest.raises(MockViolation) as caught, users().serve() as server:
        client.post(f"{server.url}/users", json={"name": 5, "age": 41}).raise_for_status()
    assert isinstance(caught.value.__context__, httpx.HTTPStatusError)


def test_block_failing_without_mismatches_keeps_its_own_error_with_a_note() -> None:
    with pytest.raises(KeyError) as caught, users().serve():
        raise KeyError("consumer bug")
    assert "never exercised" in "".join(getattr(caught.value, "__notes__", []))


def test_port_is_freed_after_exit_even_with_an_open_keep_alive_connection(client: httpx.Client) -> None:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("ping").with_request("GET", "/ping").will_respond_with(204)
    with pact.serve() as server:
        assert client.get(f"{server.url}/ping").status_code == 204  # the client keeps the connection open
        port = server.port
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    again = MockServer(pact.to_model(), port=port).start()
    try:
        assert again.url == f"http://127.0.0.1:{port}"
    finally:
        again.stop()
        again.stop()  # stopping twice is harmless


def test_port_in_use_is_a_usage_error_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"port={port} is already in use"):
            MockServer(model.PactDocument(consumer="a", provider="b"), port=port).start()


@pytest.mark.parametrize("port", [-1, 70000, "80"])
def test_bad_port_is_a_usage_error(port: object) -> None:
    with pytest.raises(UsageError, match=f"port={port!r}"):
        MockServer(model.PactDocument(consumer="a", provider="b"), port=port)  # type: ignore[arg-type]


def test_chunked_request_body_is_read(client: httpx.Client) -> None:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("upload").with_request(
        "PUT", "/blob", headers={"Content-Type": "text/plain"}, body="abcdef"
    ).will_respond_with(200)
    with pact.serve() as server:
        response = client.put(
            f"{server.url}/blob", content=iter([b"abc", b"def"]), headers={"Content-Type": "text/plain"}
        )
    assert response.status_code == 200


def test_concurrent_requests_are_all_answered_and_recorded(client: httpx.Client) -> None:
    pact = Pact(consumer="web", provider="users")
    for n in range(40):
        pact.upon_receiving(f"item {n}").with_request("GET", f"/items/{n}").will_respond_with(200, body={"n": n})
    with pact.serve() as server, ThreadPoolExecutor(max_workers=8) as pool:
        got = sorted(pool.map(lambda n: int(client.get(f"{server.url}/items/{n}").json()["n"]), range(40)))
    assert got == list(range(40))
