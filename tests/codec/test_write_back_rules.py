"""Matching rules and generators written back as the Pact reference writes them, in V2 and V3 files.

The reference (pact-reference rust/pact_models) writes every matcher type with ``MatchingRule::to_json``
and every generator with ``generators_to_json`` into V3 files; V2 files get every matcher type too, but
only the first rule of a path (``RuleList::to_v2_json``) and no generators. Header and query rule keys
of V2 files are built with ``DocPath::push_field``, which brackets names that are not plain identifiers:
``$.headers['Content-Type']``, ``$.query['a b']`` (the shapes below are what pact-python 4.2 writes).
"""

from __future__ import annotations

from typing import Any

import pytest

from polycontract.codec import dump_pact, load_pact
from polycontract.errors import UsageError
from polycontract.model import HttpInteraction


def _pact(request: dict[str, Any], response: dict[str, Any], version: str) -> dict[str, Any]:
    return {
        "consumer": {"name": "shop"},
        "provider": {"name": "orders"},
        "interactions": [{"description": "an order", "request": request, "response": response}],
        "metadata": {"pactSpecification": {"version": version}},
    }


def pact_python_v2() -> dict[str, Any]:
    """The V2 layout pact-python 4.2 writes for a header rule, a query rule and an integer body rule."""
    return _pact(
        {
            "method": "GET",
            "path": "/orders",
            "query": "page size=10",
            "headers": {"Content-Type": "application/json"},
            "matchingRules": {
                "$.headers['Content-Type']": {"match": "regex", "regex": "application/.*"},
                "$.query['page size']": {"match": "regex", "regex": "\\d+"},
            },
        },
        {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": {"id": 7},
            "generators": None,
            "matchingRules": {"$.body.id": {"match": "integer"}},
        },
        "2.0.0",
    )


def test_v2_header_and_query_rules_in_bracket_form_are_read() -> None:
    interaction = load_pact(pact_python_v2()).interactions[0]
    assert isinstance(interaction, HttpInteraction)
    request = interaction.request
    assert request.matching_rules["header"]["Content-Type"].matchers[0].params == {"regex": "application/.*"}
    assert request.matching_rules["query"]["page size"].matchers[0].params == {"regex": "\\d+"}


def test_v2_rule_names_that_are_not_plain_identifiers_are_written_in_bracket_form() -> None:
    rules = dump_pact(load_pact(pact_python_v2()), spec="V2")["interactions"][0]["request"]["matchingRules"]
    assert rules == {
        "$.headers.Content-Type": {"match": "regex", "regex": "application/.*"},
        "$.query['page size']": {"match": "regex", "regex": "\\d+"},
    }
    assert load_pact(dump_pact(load_pact(pact_python_v2()), spec="V2")) == load_pact(pact_python_v2())


def test_a_v2_pact_keeps_the_matcher_types_the_reference_writes_into_v2() -> None:
    written = dump_pact(load_pact(pact_python_v2()), spec="V2")
    assert written["interactions"][0]["response"]["matchingRules"] == {"$.body.id": {"match": "integer"}}


def _v4_rules_and_generators() -> dict[str, Any]:
    return _pact(
        {
            "method": "GET",
            "path": "/orders/7",
            "generators": {"path": {"type": "ProviderState", "expression": "/orders/${id}"}},
        },
        {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": {"tags": ["x1"], "labels": {"a": 1}, "prices": {"net": "v1"}, "version": "1.0.0", "self": "u"},
            "matchingRules": {
                "status": {"matchers": [{"match": "statusCode", "status": "success"}]},
                "body": {
                    "$.tags": {"matchers": [{"match": "arrayContains", "variants": [{"index": 0, "rules": {}}]}]},
                    "$.labels": {"matchers": [{"match": "eachKey", "rules": [{"match": "regex", "regex": "[a-z]+"}]}]},
                    "$.prices": {"matchers": [{"match": "eachValue", "rules": [{"match": "type"}]}]},
                    "$.version": {"matchers": [{"match": "semver"}]},
                    "$.self": {"matchers": [{"match": "notEmpty"}]},
                },
            },
            "generators": {"body": {"$.self": {"type": "MockServerURL", "regex": ".*", "example": "u"}}},
        },
        "4.0",
    )


def test_every_matcher_and_generator_the_reference_writes_into_v3_is_written_into_v3() -> None:
    pact = load_pact(_v4_rules_and_generators())
    v3 = dump_pact(pact, spec="V3")
    assert v3["metadata"]["pactSpecification"] == {"version": "3.0.0"}
    assert load_pact(v3).interactions[0] == pact.interactions[0]


def test_v2_refuses_generators_and_several_matchers_naming_the_interaction_the_path_and_why() -> None:
    doc = pact_python_v2()
    doc["interactions"][0]["response"]["generators"] = {"body": {"$.id": {"type": "RandomInt"}}}
    doc["interactions"][0]["response"]["matchingRules"] = {
        "body": {"$.id": {"matchers": [{"match": "integer"}, {"match": "type"}], "combine": "AND"}}
    }
    with pytest.raises(UsageError) as raised:
        dump_pact(load_pact(doc), spec="V2")
    message = str(raised.value)
    assert "interaction 'an order' response: several matchers at body '$.id'; a V2 pact holds one per path" in message
    assert "interaction 'an order' response: generator at body '$.id'; V2 pacts hold no generators" in message
