"""XML bodies matched as the Pact reference matches them.

The reference is pact-reference ``rust/pact_matching/src/xml.rs``: attribute values and the
``#text`` of an element are strings handed to ``match_values`` (``compare_value`` and
``compare_text``), and ``rust/pact_matching/src/matchingrules.rs`` (``impl DoMatch<&str> for
MatchingRule``) applies ``integer`` / ``decimal`` / ``number`` / ``boolean`` to the string's value:
``"5"`` is an integer, ``"9.5"`` and ``"5"`` are numbers and decimals, ``"true"`` / ``"false"`` are
booleans. A ``type`` rule with ``min``/``max`` on a repeated element (``$.catalog.item``, as
pact-python's ``xml.element(...).each(min=, max=)`` writes it) counts the elements, as the
reference's newer matching engine does (``rust/pact_matching/src/engine/bodies/xml.rs``,
``process_children``: the length rules are applied to the group of child elements); on the root
element it counts the children, as the specification's ``array size less than required xml``
case requires.
"""

from __future__ import annotations

from typing import Any

import pytest

from polycontract.matching import compare_response


def _response(xml: str, rules: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "status": 200,
        "headers": {"Content-Type": "application/xml"},
        "body": {"content": xml, "contentType": "application/xml", "encoded": False},
    }
    if rules is not None:
        response["matchingRules"] = {"body": {k: {"matchers": [v]} for k, v in rules.items()}}
    return response


def _mismatches(expected_xml: str, rules: dict[str, Any], actual_xml: str) -> list[str]:
    found = compare_response(_response(expected_xml, rules), _response(actual_xml), spec="V4")
    return [f"{m.path}: {m.message}" for m in found]


@pytest.mark.parametrize(
    ("kind", "example", "good", "bad"),
    [
        ("integer", "7", "12345", "7.5"),
        ("integer", "7", "-3", "seven"),
        ("decimal", "9.5", "0.25", "cheap"),
        ("decimal", "9.5", "10", "1.2.3"),
        ("number", "2", "2.5", "two"),
        ("boolean", "true", "false", "yes"),
    ],
)
def test_a_numeric_or_boolean_rule_on_an_attribute_applies_to_its_value(
    kind: str, example: str, good: str, bad: str
) -> None:
    rules = {"$.item['@v']": {"match": kind}}

    assert _mismatches(f'<item v="{example}"/>', rules, f'<item v="{good}"/>') == []
    assert _mismatches(f'<item v="{example}"/>', rules, f'<item v="{example}"/>') == []
    found = _mismatches(f'<item v="{example}"/>', rules, f'<item v="{bad}"/>')
    assert len(found) == 1 and found[0].startswith("$.body.item.@v:"), found


@pytest.mark.parametrize(
    ("kind", "example", "good", "bad"),
    [
        ("integer", "5", "42", "5.0"),
        ("decimal", "9.5", "12.75", "n/a"),
        ("number", "1e3", "17", "lots"),
        ("boolean", "false", "true", "0"),
    ],
)
def test_a_numeric_or_boolean_rule_on_text_applies_to_its_value(kind: str, example: str, good: str, bad: str) -> None:
    rules = {"$.order.qty.#text": {"match": kind}}

    assert _mismatches(f"<order><qty>{example}</qty></order>", rules, f"<order><qty>{good}</qty></order>") == []
    found = _mismatches(f"<order><qty>{example}</qty></order>", rules, f"<order><qty>{bad}</qty></order>")
    assert len(found) == 1 and found[0].startswith("$.body.order.qty.#text:"), found


@pytest.mark.parametrize("key", ["$.a.b['@id']", "$.a.b.@id", "$.a.*['@id']", "$['a']['b']['@id']"])
def test_attribute_rule_paths_in_every_form_the_pact_tools_write_are_read(key: str) -> None:
    rules = {key: {"match": "integer"}}

    assert _mismatches('<a><b id="1"/></a>', rules, '<a><b id="200"/></a>') == []
    assert _mismatches('<a><b id="1"/></a>', rules, '<a><b id="x"/></a>') != []


@pytest.mark.parametrize("key", ["$.a.b.#text", "$.a.b['#text']", "$.a.*.#text", "$.a.*['#text']"])
def test_text_rule_paths_in_every_form_the_pact_tools_write_are_read(key: str) -> None:
    rules = {key: {"match": "regex", "regex": "[A-Z]+-\\d+"}}

    assert _mismatches("<a><b>AB-1</b></a>", rules, "<a><b>XYZ-42</b></a>") == []
    assert _mismatches("<a><b>AB-1</b></a>", rules, "<a><b>ab</b></a>") != []


ITEM = '<item id="{i}"><name>n</name><price>1.5</price><qty>1</qty><active>true</active></item>'


def _catalog(count: int) -> str:
    return "<catalog>" + "".join(ITEM.format(i=i) for i in range(count)) + "</catalog>"


def test_min_and_max_on_a_repeated_element_count_the_elements_not_their_children() -> None:
    rules = {"$.catalog.item": {"match": "type", "min": 1, "max": 3}, "$.catalog.item['@id']": {"match": "integer"}}

    # Each item has four children, more than max=3: the bounds are about how many items there are.
    for count in (1, 2, 3):
        assert _mismatches(_catalog(2), rules, _catalog(count)) == [], count


def test_a_repeated_element_beyond_its_max_is_a_mismatch_naming_the_count() -> None:
    rules = {"$.catalog.item": {"match": "type", "min": 1, "max": 3}}

    found = _mismatches(_catalog(2), rules, _catalog(4))

    assert found == ["$.body.catalog.item: Expected at most 3 <item> element(s) but received 4"]


def test_a_repeated_element_below_its_min_is_a_mismatch_naming_the_count() -> None:
    rules = {"$.catalog.item": {"match": "type", "min": 2}}

    found = _mismatches(_catalog(2), rules, _catalog(1))

    assert found == ["$.body.catalog.item: Expected at least 2 <item> element(s) but received 1"]


def test_min_on_the_root_element_counts_its_children() -> None:
    # The specification's case "array size less than required xml" (V2, V3 and V4 request bodies).
    rules = {"$.animals": {"match": "type", "min": 2}}

    assert _mismatches("<animals><a/></animals>", rules, "<animals><a/><a/></animals>") == []
    assert _mismatches("<animals><a/></animals>", rules, "<animals><a/></animals>") == [
        "$.body.animals: Expected <animals> to have at least 2 child element(s) but it has 1"
    ]


def test_a_min_rule_inherited_from_an_ancestor_does_not_count_elements() -> None:
    rules = {"$.catalog": {"match": "type", "min": 1}}

    assert _mismatches(_catalog(2), rules, _catalog(1)) == []
