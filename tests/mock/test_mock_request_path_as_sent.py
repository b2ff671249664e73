"""The mock provider compares the request path as it arrived (percent escapes kept), as the Pact mock server does.

What the reference does, read in pact-foundation/pact-reference:

- ``rust/pact_mock_server/src/hyper_server.rs``: ``hyper_request_to_pact_request`` takes the request path
  from ``extract_path(req.uri())``, which is ``uri.path_and_query().map(|pq| pq.path())`` — hyper's
  path as it came over the wire, never percent-decoded (only the query goes through
  ``parse_query_string``).
- ``rust/pact_matching/src/lib.rs``: ``match_path(expected, actual, context)`` compares the two with
  ``expected.matches_with(actual, &MatchingRule::Equality, false)`` unless a ``path`` matching rule is
  defined — plain string equality, no decoding on either side.

So a pact path ``/a/Pricing%20Service`` matches what a client sends for it, a pact path with a raw space
matches nothing a client can send, ``%2F`` is not ``/``, ``+`` is a plus, and ``%C3%A9`` differs from
``%c3%a9`` and from ``é`` (which only raw UTF-8 bytes on the wire reach). The interop tests below send
the same requests to pact-python 4's mock server (that Rust code) and to ours and compare the verdicts.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable

import httpx
import pytest

from polycontract import Pact
from polycontract.mock import MockViolation

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

#: The paths a consumer test declares.
DECLARED = [
    "/a/Pricing%20Service",
    "/a/Pricing Service",
    "/a/x%2Fy",
    "/a/x/y",
    "/a/a+b",
    "/a/a b",
    "/a/caf\u00e9",
    "/a/caf%C3%A9",
    "/a/caf%c3%a9",
]

#: The paths the consumer asks httpx for (httpx escapes a space and non-ASCII text, keeps escapes as given).
SENT = [
    "/a/Pricing%20Service",
    "/a/Pricing Service",
    "/a/x%2Fy",
    "/a/x/y",
    "/a/a+b",
    "/a/a%2Bb",
    "/a/caf\u00e9",
    "/a/caf%c3%a9",
]

#: Sent over a socket as raw UTF-8 bytes (no client library sends that; the servers still take it).
RAW_UTF8 = "/a/caf\u00e9"

Verdicts = dict[tuple[str, str], bool]


def _declare(path: str) -> Pact:
    pact = Pact(consumer="web", provider="pricing")
    pact.upon_receiving(f"a request for {path}").with_request("GET", path).will_respond_with(200)
    return pact


def _raw_get(port: int, target: str) -> int:
    """The status answered to ``GET target`` written on the socket as UTF-8 bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET " + target.encode() + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


def _over_http(base_url: str, port: int) -> dict[str, bool]:
    """Whether each request of `SENT` (through httpx) and `RAW_UTF8` (raw bytes) matched, at ``base_url``."""
    with httpx.Client(timeout=5) as client:
        found = {sent: client.get(f"{base_url}{sent}").status_code == 200 for sent in SENT}
    found[f"raw {RAW_UTF8}"] = _raw_get(port, RAW_UTF8) == 200
    return found


# The unmatched requests are the point of these runs: the verdicts come from the statuses, so the
# end-of-test report (a MockViolation) is set aside.
def _ours_over_a_socket() -> Verdicts:
    verdicts: Verdicts = {}
    for declared in DECLARED:
        with contextlib.suppress(MockViolation), _declare(declared).serve() as server:
            port = int(server.url.rsplit(":", 1)[1])
            verdicts.update({(declared, sent): ok for sent, ok in _over_http(server.url, port).items()})
    return verdicts


def _ours_in_process(transport_of: Callable[[Pact], httpx.BaseTransport]) -> Verdicts:
    verdicts: Verdicts = {}
    for declared in DECLARED:
        with contextlib.suppress(MockViolation), httpx.Client(transport=transport_of(_declare(declared))) as client:
            verdicts.update({(declared, sent): client.get(f"http://pricing{sent}").status_code == 200 for sent in SENT})
    return verdicts


async def _ours_in_process_async() -> Verdicts:
    verdicts: Verdicts = {}
    for declared in DECLARED:
        with contextlib.suppress(MockViolation):
            async with httpx.AsyncClient(transport=_declare(declared).async_transport()) as client:
                for sent in SENT:
                    verdicts[declared, sent] = (await client.get(f"http://pricing{sent}")).status_code == 200
    return verdicts


@pytest.fixture(scope="module")
def theirs() -> Verdicts:
    """pact-python 4's mock server (the Rust ``pact_mock_server``): each declared path against each request."""
    pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
    from pact import Pact as PactPython

    verdicts: Verdicts = {}
    for declared in DECLARED:
        pact = PactPython("web", "pricing").with_specification("V4")
        pact.upon_receiving(f"a request for {declared}").with_request("GET", declared).will_respond_with(200)
        with pact.serve(addr="127.0.0.1", raises=False, verbose=False) as server:
            base_url = str(server.url).rstrip("/")
            verdicts.update({(declared, sent): ok for sent, ok in _over_http(base_url, server.port).items()})
    return verdicts


def _without_raw(verdicts: Verdicts) -> Verdicts:
    return {key: ok for key, ok in verdicts.items() if not key[1].startswith("raw ")}


def test_the_mock_server_gives_pact_python_mock_server_verdicts_on_escaped_spaced_plus_and_non_ascii_paths(
    theirs: Verdicts,
) -> None:
    # What the reference answers, spelled out for the cases this is about:
    assert theirs["/a/Pricing%20Service", "/a/Pricing Service"]  # httpx sends %20: the escaped pact path matches
    assert not any(theirs["/a/Pricing Service", sent] for sent in SENT)  # a raw space matches nothing sent
    assert not theirs["/a/x/y", "/a/x%2Fy"] and not theirs["/a/a b", "/a/a+b"]  # %2F is no slash, + no space
    assert theirs["/a/caf%C3%A9", "/a/caf\u00e9"] and not theirs["/a/caf\u00e9", "/a/caf\u00e9"]
    assert theirs["/a/caf\u00e9", f"raw {RAW_UTF8}"]  # only raw UTF-8 bytes reach a non-ASCII pact path
    ours = _ours_over_a_socket()
    assert ours == theirs, {key: (ok, theirs.get(key)) for key, ok in ours.items() if theirs.get(key) != ok}


def test_the_httpx_transports_give_pact_python_mock_server_verdicts_on_escaped_spaced_plus_and_non_ascii_paths(
    theirs: Verdicts,
) -> None:
    import asyncio

    expected = _without_raw(theirs)
    assert _ours_in_process(lambda pact: pact.transport()) == expected
    assert asyncio.run(_ours_in_process_async()) == expected


def test_a_pact_path_with_percent_20_matches_the_request_a_client_sends_for_it() -> None:
    pact = _declare("/a/Pricing%20Service")
    with pact.serve() as server:
        assert httpx.get(f"{server.url}/a/Pricing%20Service", timeout=5).status_code == 200
    with httpx.Client(transport=_declare("/a/Pricing%20Service").transport()) as client:
        assert client.get("http://pricing/a/Pricing Service").status_code == 200  # httpx sends %20


def test_a_pact_path_with_a_raw_space_matches_no_request_and_the_report_shows_the_path_as_sent() -> None:
    with pytest.raises(MockViolation) as raised, _declare("/a/Pricing Service").serve() as server:
        assert httpx.get(f"{server.url}/a/Pricing Service", timeout=5).status_code == 500
    assert "/a/Pricing%20Service" in str(raised.value)


def test_percent_2f_in_a_request_path_is_not_a_slash() -> None:
    with pytest.raises(MockViolation), httpx.Client(transport=_declare("/a/x/y").transport()) as client:
        assert client.get("http://pricing/a/x%2Fy").status_code == 500
