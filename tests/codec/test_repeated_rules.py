"""Matching rules repeated across interactions (and pacts) read the same as the first time, errors included."""

from __future__ import annotations

from typing import Any

import pytest

from polycontract.codec import dump_pact, load_pact
from polycontract.errors import PactFormatError
from polycontract.model import HttpInteraction


def _pact(*body_rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "consumer": {"name": "shop"},
        "provider": {"name": "orders"},
        "interactions": [
            {
                "description": f"order {i}",
                "request": {"method": "GET", "path": f"/orders/{i}"},
                "response": {"status": 200, "body": {"n": 1}, "matchingRules": {"body": rules}},
            }
            for i, rules in enumerate(body_rules)
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


def _rules(pact: dict[str, Any]) -> list[Any]:
    doc = load_pact(pact)
    out = []
    for interaction in doc.interactions:
        assert isinstance(interaction, HttpInteraction)
        out.append(interaction.response.matching_rules["body"])
    return out


def test_a_rule_repeated_in_every_interaction_reads_the_same_each_time() -> None:
    rule = {"$.n": {"matchers": [{"match": "type", "min": 1}, {"match": "regex", "regex": "[0-9]+"}], "combine": "OR"}}
    pact = _pact(*(rule for _ in range(3)))

    first, second, third = _rules(pact)

    assert first == second == third
    assert [m.to_json() for m in first["$.n"].matchers] == [
        {"match": "type", "min": 1},
        {"match": "regex", "regex": "[0-9]+"},
    ]
    assert first["$.n"].combine == "OR"
    assert dump_pact(load_pact(pact), spec="V3") == dump_pact(load_pact(pact), spec="V3")


@pytest.mark.parametrize("bad", [True, 1.0, "1"])
def test_a_bound_equal_to_a_good_one_but_of_another_type_is_still_refused(bad: object) -> None:
    good = {"$.n": {"matchers": [{"match": "type", "min": 1}]}}
    _rules(_pact(good))

    with pytest.raises(PactFormatError, match=r"min=.* is not an integer") as caught:
        load_pact(_pact(good, {"$.n": {"matchers": [{"match": "type", "min": bad}]}}))

    assert caught.value.path == "$.interactions[1].response.matchingRules.body['$.n'].matchers[0].min"


def test_parameter_order_and_values_are_kept_per_rule() -> None:
    a = {"$.n": {"matchers": [{"match": "type", "min": 1, "max": 3}]}}
    b = {"$.n": {"matchers": [{"max": 3, "match": "type", "min": 1}]}}
    c = {"$.n": {"matchers": [{"match": "type", "min": 2, "max": 3}]}}

    first, second, third = _rules(_pact(a, b, c))

    assert list(first["$.n"].matchers[0].params) == ["min", "max"]
    assert list(second["$.n"].matchers[0].params) == ["max", "min"]
    assert third["$.n"].matchers[0].params == {"min": 2, "max": 3}


def test_a_bad_path_after_good_ones_names_its_place() -> None:
    good = {"$.n": {"matchers": [{"match": "type"}]}}

    with pytest.raises(PactFormatError) as caught:
        load_pact(_pact(good, {"$.n[": {"matchers": [{"match": "type"}]}}))

    assert caught.value.path == "$.interactions[1].response.matchingRules.body['$.n[']"


def test_bad_headers_and_query_still_name_their_place() -> None:
    pact = _pact({})
    pact["interactions"][0]["request"]["headers"] = {"Accept": 3}
    with pytest.raises(PactFormatError) as caught:
        load_pact(pact)
    assert caught.value.path == "$.interactions[0].request.headers.Accept"

    pact = _pact({})
    pact["interactions"][0]["request"]["query"] = {"q": {"x": 1}}
    with pytest.raises(PactFormatError) as caught:
        load_pact(pact)
    assert caught.value.path == "$.interactions[0].request.query.q"
