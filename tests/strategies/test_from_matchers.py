"""`from_matchers` and `from_rules`: every value drawn for a matcher passes the matching engine against the
rules it came from, for every matcher kind of the DSL and their combinations; the example is the simplest value."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from polycontract import match
from polycontract.errors import UsageError
from polycontract.matching import compare_request, compare_response
from polycontract.model import Body, Matcher, Request, Response, RuleSet
from polycontract.strategies import from_matchers, from_rules
from polycontract.strategies._json import build

#: What `find` needs (generate, then shrink), without the example database or the explain phase.
FIND = settings(database=None, phases=[Phase.generate, Phase.shrink])
#: One template per matcher kind of `polycontract.match` (and the plain-value and nested cases).
KINDS: dict[str, Any] = {
    "plain values": {"id": 1, "name": "Ann", "tags": ["a", "b"], "ok": True, "none": None},
    "like scalar": match.like(42),
    "like object": match.like({"name": "Ann", "age": 30, "tags": ["x"], "address": {"city": "Oslo"}}),
    "like with min and max": match.like([1, 2], min=1, max=3),
    "each_like": match.each_like({"id": match.integer(1), "name": "x"}),
    "each_like min max": match.each_like("red", min=2, max=4),
    "regex": match.regex(r"[A-Z]{2}-\d{3}", "AB-123"),
    "integer": match.integer(7),
    "integer generated": match.integer(generate_min=5, generate_max=10),
    "decimal": match.decimal(9.99),
    "number": match.number(2.5),
    "number int": match.number(3),
    "boolean": match.boolean(False),
    "string": match.string("hello"),
    "null": match.null(),
    "equals": match.equals({"exact": [1, 2]}),
    "values": match.values({"a": match.integer(1)}),
    "not_empty string": match.not_empty("abc"),
    "not_empty list": match.not_empty([1]),
    "date default": match.date("2024-05-01"),
    "date format": match.date("01/05/24", format="%d/%m/%y"),
    "time": match.time("10:00:00"),
    "time format": match.time("10:00 AM", format="%I:%M %p"),
    "datetime iso": match.datetime("2024-05-01T10:00:00+00:00"),
    "datetime format": match.datetime("01/05/2024 10:00", format="%d/%m/%Y %H:%M"),
    "uuid": match.uuid(),
    "uuid urn": match.uuid(format="URN"),
    "includes": match.includes("needle", "a needle here"),
    "semver": match.semver("1.2.3"),
    "status_code class": match.status_code("success", 200),
    "status_code list": match.status_code([200, 204], 204),
    "content_type": match.content_type("application/json", '{"a": 1}'),
    "each_key": match.each_key({"ab": 1}, match.regex("[a-z]+", "ab")),
    "each_value map": match.each_value({"x": 1}, match.integer(1)),
    "each_value list": match.each_value([1, 2], match.integer(1)),
    "array_containing": match.array_containing([{"op": match.regex("add|remove", "add")}, match.integer(3)]),
    "all_of": match.all_of(match.like("ab"), match.regex("[a-z]+", "ab")),
    "any_of": match.any_of(match.null(), match.integer(1)),
    "any_of regex or date": match.any_of(match.regex(r"\d{3}", "123"), match.date("2024-01-02")),
    "provider_state": match.provider_state("${id}", 100),
    "nested": {
        "orders": match.each_like(
            {
                "id": match.uuid(),
                "total": match.decimal(12.5),
                "lines": match.each_like({"sku": match.regex(r"SKU-\d+", "SKU-1"), "qty": match.integer(1)}, min=1),
                "placed": match.datetime("2024-05-01T10:00:00+00:00"),
                "notes": match.any_of(match.null(), match.string("n")),
                "meta": match.values({"k": match.like("v")}),
            },
            max=3,
        ),
        "page": {"next": match.like("/orders?page=2"), "size": 20},
        "exact": match.equals({"kind": "order"}),
    },
    "type cascades into equality reset": match.like({"a": 1, "b": match.equals({"c": 2})}),
    "each_like of any_of": match.each_like(match.any_of(match.null(), match.regex("[a-c]+", "ab"))),
    "values of each_like": match.values({"k": match.each_like({"n": match.number(1)}, min=1)}),
    "array_containing inside each_like": match.each_like({"ops": match.array_containing([{"op": "add"}])}),
    "not_empty of like": match.not_empty(match.like({"a": [1]})),
    "each_value of each_like": match.each_value({"a": [1]}, match.like([1])),
    "all_of like and not_empty": match.all_of(match.like("ab"), match.not_empty("ab")),
    "each_key and values": {"m": match.each_key({"ab": match.integer(1)}, match.regex("[a-z]{2}", "ab"))},
}


def response_mismatches(template: Any, value: Any) -> list[str]:
    """What the verifier's response comparison says about ``value`` as the body of a response ``template`` declares."""
    compiled = match.compile(template)
    expected = Response(body=Body(content=compiled.example, content_type="application/json"),
                        matching_rules={"body": compiled.rules})  # fmt: skip
    actual = Response(body=Body(content=value, content_type="application/json"))
    return [str(m) for m in compare_response(expected, actual)]


def request_mismatches(template: Any, value: Any) -> list[str]:
    """What the mock's request comparison (strict: no unexpected keys) says about ``value`` as a request body."""
    compiled = match.compile(template)
    expected = Request(method="POST", path="/", body=Body(content=compiled.example, content_type="application/json"),
                       matching_rules={"body": compiled.rules})  # fmt: skip
    actual = Request(method="POST", path="/", body=Body(content=value, content_type="application/json"))
    return [str(m) for m in compare_request(expected, actual)]


@pytest.mark.parametrize("name", list(KINDS))
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_value_drawn_for_a_matcher_kind_passes_the_engine(name: str, data: st.DataObject) -> None:
    template = KINDS[name]
    compiled = match.compile({"v": template})
    value = data.draw(build(compiled.example, compiled.rules), label="unjudged")

    assert response_mismatches({"v": template}, value) == []
    assert request_mismatches({"v": template}, value) == []


@pytest.mark.parametrize("name", list(KINDS))
def test_the_simplest_value_is_the_example(name: str) -> None:
    template = KINDS[name]

    assert find(from_matchers(template), lambda v: True, settings=FIND) == match.example_of(template)


def test_values_vary_beyond_the_example() -> None:
    seen = set()

    @settings(max_examples=60, derandomize=True, deadline=None)
    @given(from_matchers({"id": match.integer(7), "name": match.like("Ann")}))
    def collect(value: dict[str, Any]) -> None:
        seen.add((value["id"], value["name"]))

    collect()
    assert len(seen) > 10


def test_shrinking_keeps_everything_but_what_the_condition_needs_at_the_example() -> None:
    template = {"id": match.integer(7), "name": match.like("Ann"), "tags": match.each_like("red", min=1)}

    found = find(from_matchers(template), lambda v: v["id"] > 100 and len(v["tags"]) >= 3, settings=FIND)

    assert found == {"id": 101, "name": "Ann", "tags": ["red", "red", "red"]}


def test_shrinking_an_array_length_goes_toward_the_example_length() -> None:
    found = find(from_matchers(match.each_like(1, min=2, max=6)), lambda v: len(v) != 2, settings=FIND)

    assert found in ([1, 1, 1], [1])  # one away from the example's two items; min=2 rules out [1]
    assert found == [1, 1, 1]


def test_each_like_respects_its_bounds() -> None:
    @settings(max_examples=50, derandomize=True, deadline=None)
    @given(from_matchers(match.each_like("x", min=2, max=3)))
    def check(value: list[str]) -> None:
        assert 2 <= len(value) <= 3

    check()


def test_from_rules_reads_rules_as_a_pact_file_holds_them() -> None:
    rules = {
        "$.items": RuleSet(matchers=(Matcher(match="type", params={"min": 1}),)),
        "$.items[*].id": RuleSet(matchers=(Matcher(match="integer"),)),
        "$.*": RuleSet(matchers=(Matcher(match="type"),)),
    }
    example = {"items": [{"id": 1, "label": "x"}], "name": "n"}

    @settings(max_examples=40, derandomize=True, deadline=None)
    @given(build(example, rules))
    def check(value: dict[str, Any]) -> None:
        expected = Response(body=Body(content=example, content_type="application/json"), matching_rules={"body": rules})
        actual = Response(body=Body(content=value, content_type="application/json"))
        assert compare_response(expected, actual) == []
        assert value["items"] and all(isinstance(item["label"], str) for item in value["items"])

    check()


@pytest.mark.parametrize(
    ("example", "pattern"),
    [
        ("{id}/42", r"\Q{id}\E/\d+"),
        ("ab", r"\p{Lower}++"),
        (42, r"\d{2,4}"),
        (1.5, r"[0-9]\.[0-9]"),
        (True, "true|false"),
    ],
    ids=["java quoting", "java class and possessive", "regex on an integer", "regex on a float", "regex on a boolean"],
)
def test_pact_regexes_written_by_other_tools_generate_matching_values(example: Any, pattern: str) -> None:
    rules = {"$.v": RuleSet(matchers=(Matcher(match="regex", params={"regex": pattern}),))}
    body = {"v": example}

    @settings(max_examples=30, derandomize=True, deadline=None)
    @given(build(body, rules))
    def check(value: dict[str, Any]) -> None:
        expected = Response(body=Body(content=body, content_type="application/json"), matching_rules={"body": rules})
        assert compare_response(expected, Response(body=Body(content=value, content_type="application/json"))) == []
        assert type(value["v"]) is type(example)

    check()


def test_an_and_of_integer_and_regex_draws_integers_whose_text_matches() -> None:
    rules = {
        "$.n": RuleSet(matchers=(Matcher(match="integer"), Matcher(match="regex", params={"regex": r"[1-4][0-9]"})))
    }
    body = {"n": 12}

    @settings(max_examples=30, derandomize=True, deadline=None)
    @given(build(body, rules))
    def check(value: dict[str, Any]) -> None:
        expected = Response(body=Body(content=body, content_type="application/json"), matching_rules={"body": rules})
        assert compare_response(expected, Response(body=Body(content=value, content_type="application/json"))) == []
        assert 10 <= value["n"] <= 49

    check()


def test_without_rules_the_example_is_the_only_value() -> None:
    assert find(from_rules({"a": [1, {"b": None}]}, {}), lambda v: True, settings=FIND) == {"a": [1, {"b": None}]}


# --- what cannot be generated is refused with the path and the rule ----------------------------------------------


def test_a_rule_kind_that_does_not_exist_is_refused_naming_path_and_rule() -> None:
    rules = {"$.a": RuleSet(matchers=(Matcher(match="colour"),))}

    with pytest.raises(UsageError, match=r"path='\$\.a'.*colour"):
        from_rules({"a": "red"}, rules)


def test_null_rule_on_a_header_style_text_value_is_refused() -> None:
    from polycontract.strategies._scalars import for_matcher

    with pytest.raises(UsageError, match="can never be null"):
        for_matcher(Matcher(match="null"), "x", "$.headers.X", text=True)


def test_a_regex_that_does_not_compile_is_refused_naming_path_and_rule() -> None:
    rules = {"$.code": RuleSet(matchers=(Matcher(match="regex", params={"regex": "(unclosed"}),))}

    with pytest.raises(UsageError, match=r"path='\$\.code'.*does not compile"):
        from_rules({"code": "x"}, rules)


def test_an_unknown_status_class_is_refused() -> None:
    rules = {"$": RuleSet(matchers=(Matcher(match="statusCode", params={"status": "teapot"}),))}

    with pytest.raises(UsageError, match="teapot"):
        from_rules(200, rules)


def test_a_rule_path_that_does_not_parse_is_refused() -> None:
    with pytest.raises(UsageError, match="does not parse"):
        from_rules({"a": 1}, {"$.a[": RuleSet(matchers=(Matcher(match="type"),))})


def test_min_greater_than_max_is_refused() -> None:
    rules = {"$": RuleSet(matchers=(Matcher(match="type", params={"min": 3, "max": 1}),))}

    with pytest.raises(UsageError, match="min=3 is greater than max=1"):
        from_rules([1, 2], rules)


def test_an_and_of_matchers_with_no_common_type_is_refused_naming_path_and_rule() -> None:
    rules = {"$.a": RuleSet(matchers=(Matcher(match="integer"), Matcher(match="null")))}

    with pytest.raises(UsageError, match=r"path='\$\.a'.*'match': 'null'.*no value also satisfies"):
        from_rules({"a": 1}, rules)


def test_an_and_of_matchers_nothing_satisfies_never_yields_a_value() -> None:
    # the same type, but no string is both a date and three digits: nothing is drawn rather than a wrong value
    rules = {"$.a": RuleSet(matchers=(Matcher(match="date"), Matcher(match="regex", params={"regex": "[0-9]{3}"})))}
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    with pytest.raises((NoSuchExample, Unsatisfiable)):
        find(from_rules({"a": "2024-01-01"}, rules), lambda v: True, settings=settings(FIND, max_examples=20))
