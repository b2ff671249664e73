"""Fuzzing keeps the request parts a provider state names: a ``ProviderState`` generator's value is the state's.

A pact whose path comes from the state (``/users/${id}``, the id the state handler created) asks a provider
about that user only; fuzzing draws other parts, but an id drawn at random would name a user no state set up, and
a correct provider would answer 404. Pact's own verifier applies such generators to every request it sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from polycontract.codec import load_pact
from polycontract.verifier import Verifier


def _pact(*, path_from_state: bool) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": "GET",
        "path": "/users/7",
        "query": {"fields": ["name"]},
        "matchingRules": {
            "path": {"matchers": [{"match": "regex", "regex": "^/users/[0-9]+$"}]},
            "query": {"fields": {"matchers": [{"match": "regex", "regex": "name|id"}]}},
        },
    }
    if path_from_state:
        request["generators"] = {"path": {"type": "ProviderState", "expression": "/users/${id}", "dataType": "STRING"}}
    return {
        "consumer": {"name": "web"},
        "provider": {"name": "users"},
        "interactions": [
            {
                "description": "a user by id",
                "providerStates": [{"name": "a user exists"}],
                "request": request,
                "response": {"status": 200},
            }
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


class Users:
    """A WSGI provider knowing the users its state handler created; every path it was asked is kept."""

    def __init__(self) -> None:
        self.known: set[int] = set()
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        self.paths.append(path)
        found = path.rsplit("/", 1)[-1]
        if found.isdigit() and int(found) in self.known:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"id": int(found)}).encode()]
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]


def _verify(pact: dict[str, Any]) -> tuple[Any, Users]:
    users = Users()
    verifier = Verifier(provider="users", app=users, fuzz=25, fuzz_seed=1)

    @verifier.state("a user exists")
    def _user(params: dict[str, Any]) -> dict[str, Any]:
        users.known.update({7, 42})
        return {"id": 42}

    return verifier.verify(load_pact(pact)), users


def test_a_path_taken_from_the_provider_state_is_not_varied_by_fuzzing() -> None:
    result, users = _verify(_pact(path_from_state=True))

    assert result.fuzz is not None
    [fuzzed] = result.fuzz.results
    assert fuzzed.outcome == "passed", result.report()
    assert fuzzed.sent == 25
    assert set(users.paths) == {"/users/42"}  # the example and every fuzzed request: the state's user


def test_a_path_with_no_state_generator_is_varied_and_may_name_users_no_state_created() -> None:
    result, users = _verify(_pact(path_from_state=False))

    assert result.fuzz is not None
    [fuzzed] = result.fuzz.results
    assert fuzzed.outcome == "failed"
    assert fuzzed.smallest is not None and fuzzed.smallest.path not in ("/users/7", "/users/42")
    assert users.paths[0] == "/users/7" and fuzzed.smallest.path in users.paths  # the example, then drawn paths
