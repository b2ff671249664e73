"""Every request fuzzing sends is one the pact allows, for the path, query, header and body regexes pacts carry."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from polycontract.codec import load_pact
from polycontract.matching import compare_request
from polycontract.model import Body, HttpInteraction, Request
from polycontract.verifier import Verifier

PACT = {
    "consumer": {"name": "shop"},
    "provider": {"name": "items"},
    "interactions": [
        {
            "description": "search items",
            "request": {
                "method": "POST",
                "path": "/items/7",
                "query": {"sort": ["asc"], "page": ["1"]},
                "headers": {"X-Trace": "0a1b2c3d", "Content-Type": "application/json"},
                "body": {"sku": "SKU-00001", "code": "AB-123"},
                "matchingRules": {
                    "path": {"matchers": [{"match": "regex", "regex": "^/items/[0-9]{1,6}$"}]},
                    "query": {
                        "sort": {"matchers": [{"match": "regex", "regex": "asc|desc"}]},
                        "page": {"matchers": [{"match": "regex", "regex": "\\d+"}]},
                    },
                    "header": {"X-Trace": {"matchers": [{"match": "regex", "regex": "^[0-9a-f]{8}$"}]}},
                    "body": {
                        "$.sku": {"matchers": [{"match": "regex", "regex": "^SKU-[0-9]{5}$"}]},
                        "$.code": {"matchers": [{"match": "regex", "regex": "[A-Z]{2}-\\d{3}"}]},
                    },
                },
            },
            "response": {"status": 200},
        }
    ],
    "metadata": {"pactSpecification": {"version": "3.0.0"}},
}


class Recorder:
    """A WSGI provider answering 200 to everything, keeping each request as a model `Request`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length)) if length else None
        query = {k: tuple(v) for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        headers = {"X-Trace": (environ.get("HTTP_X_TRACE", ""),), "Content-Type": (environ.get("CONTENT_TYPE", ""),)}
        self.requests.append(
            Request(
                method=environ["REQUEST_METHOD"],
                path=environ["PATH_INFO"],
                query=query,
                headers=headers,
                body=Body(content=body, content_type="application/json"),
            )
        )
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]


def test_every_fuzzed_request_matches_the_rules_it_was_drawn_from() -> None:
    pact = load_pact(PACT)
    (interaction,) = pact.interactions
    assert isinstance(interaction, HttpInteraction)
    app = Recorder()

    result = Verifier(provider="items", app=app, fuzz=60, fuzz_seed=3).verify(pact)

    assert result.ok and result.fuzz is not None
    assert result.fuzz.results[0].sent == 60
    assert len(app.requests) == 61  # the example, then each fuzzed request
    expected = interaction.request
    for sent in app.requests:
        assert compare_request(expected, sent, spec=pact.spec) == [], sent
    # They vary. How much depends on what else the process loaded: hypothesis also draws constants it finds in
    # the loaded modules' source, so the same seed gives other requests after other tests ran.
    assert len({(r.path, r.query["page"], r.headers["X-Trace"]) for r in app.requests}) > 20
    assert {r.query["sort"] for r in app.requests} == {("asc",), ("desc",)}
