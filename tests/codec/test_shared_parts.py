"""Rules, generators and headers repeated across interactions read once, shared read-only, and read alike."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from polycontract.codec import dump_pact, load_pact
from polycontract.errors import PactFormatError
from polycontract.model import HttpInteraction

RULES = {
    "body": {
        "$.id": {"matchers": [{"match": "integer"}]},
        "$.sku": {"matchers": [{"match": "regex", "regex": "S-[0-9]+"}]},
    }
}
GENERATORS = {"body": {"$.id": {"type": "RandomInt", "min": 1, "max": 9}}}


def _interaction(i: int, **response: Any) -> dict[str, Any]:
    return {
        "description": f"item {i}",
        "request": {"method": "GET", "path": f"/items/{i}", "headers": {"Accept": "application/json"}},
        "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"id": i}, **response},
    }


def _pact(*interactions: dict[str, Any]) -> dict[str, Any]:
    return {
        "consumer": {"name": "shop"},
        "provider": {"name": "items"},
        "interactions": list(interactions),
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


def _http(pact: Any) -> list[HttpInteraction]:
    out = []
    for interaction in load_pact(pact).interactions:
        assert isinstance(interaction, HttpInteraction)
        out.append(interaction)
    return out


def test_interactions_ruled_alike_share_one_read_only_set_of_rules() -> None:
    pact = _pact(*(_interaction(i, matchingRules=RULES, generators=GENERATORS) for i in range(3)))

    first, second, third = _http(json.dumps(pact))

    assert first.response.matching_rules is second.response.matching_rules is third.response.matching_rules
    assert first.response.generators is third.response.generators
    assert first.request.headers is second.request.headers
    assert first.response.matching_rules["body"]["$.sku"].matchers[0].params == {"regex": "S-[0-9]+"}
    with pytest.raises(TypeError, match="read-only"):
        first.response.matching_rules["body"]["$.other"] = first.response.matching_rules["body"]["$.id"]  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        first.request.headers["Accept"] = ("text/plain",)  # type: ignore[index]


def test_a_pact_read_from_text_writes_back_as_the_same_pact_read_from_a_custom_mapping() -> None:
    pact = _pact(*(_interaction(i, matchingRules=RULES, generators=GENERATORS) for i in range(3)))

    from_text = load_pact(json.dumps(pact))
    from_mapping = load_pact(_Frozen(pact))  # a mapping type marshal cannot name: read field by field

    assert from_text == from_mapping
    assert dump_pact(from_text, spec="V3") == dump_pact(from_mapping, spec="V3")
    written = dump_pact(from_text, spec="V3")["interactions"][2]["response"]["matchingRules"]
    assert written == {"body": {path: {**rule, "combine": "AND"} for path, rule in RULES["body"].items()}}


def test_empty_parts_read_as_empty_mappings_that_equal_and_write_as_nothing() -> None:
    pact = _pact({"description": "ping", "request": {"method": "GET", "path": "/ping"}, "response": {"status": 204}})

    [ping] = _http(pact)

    assert ping.request.query == {} and ping.request.headers == {} and ping.request.matching_rules == {}
    assert ping.response.generators == {} and ping.extra == {} and ping.comments == {}
    assert dump_pact(load_pact(pact), spec="V3")["interactions"][0] == {
        "description": "ping",
        "request": {"method": "GET", "path": "/ping"},
        "response": {"status": 204},
    }


@pytest.mark.parametrize("bad", [["application/json", 1], 7, None])
def test_a_bad_header_after_good_equal_ones_names_its_place(bad: Any) -> None:
    good = _interaction(0)
    worse = _interaction(1)
    worse["request"]["headers"] = {"Accept": bad}

    with pytest.raises(PactFormatError, match="header 'Accept' has value") as caught:
        load_pact(json.dumps(_pact(good, good, worse)))

    assert caught.value.path == "$.interactions[2].request.headers.Accept"


def test_a_bad_generator_after_good_equal_ones_names_its_place() -> None:
    bad = {"body": {"$.id": {"type": "NoSuchGenerator"}}}
    pact = _pact(_interaction(0, generators=GENERATORS), _interaction(1, generators=bad))

    with pytest.raises(PactFormatError, match="unknown generator type 'NoSuchGenerator'") as caught:
        load_pact(json.dumps(pact))

    assert caught.value.path == "$.interactions[1].response.generators.body['$.id'].type"


def test_extra_keys_of_an_interaction_and_its_parts_are_kept_for_writing_back() -> None:
    interaction = _interaction(0, note="kept")
    interaction["_links"] = {"self": "x"}
    interaction["request"]["trace"] = True

    [read] = _http(_pact(interaction))

    assert read.extra == {"_links": {"self": "x"}}
    assert read.request.extra == {"trace": True}
    assert read.response.extra == {"note": "kept"}


class _Frozen(Mapping[str, Any]):
    """A read-only mapping of JSON values (lists and objects inside it are `_Frozen` and lists)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = {k: _freeze(v) for k, v in data.items()}

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return _Frozen(value)
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    return value
