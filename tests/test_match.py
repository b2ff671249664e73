"""The consumer DSL: each matcher's example, its rule and generator JSON, compile paths, and bad arguments."""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuid_module
from dataclasses import fields
from decimal import Decimal
from typing import Any

import pytest

from polycontract import match
from polycontract.errors import UsageError
from polycontract.match import MatchingValue
from polycontract.model import Body, Generator, Matcher, RuleSet


def rules_at(value: Any, path: str = "$") -> dict[str, Any]:
    """The rule JSON ``{"combine", "matchers"}`` that compiling ``value`` puts at ``path``."""
    return match.compile(value).rules_json()[path]


def only(*matchers: dict[str, Any], combine: str = "AND") -> dict[str, Any]:
    return {"combine": combine, "matchers": list(matchers)}


def test_public_names_are_pinned() -> None:
    assert sorted(match.__all__) == sorted(
        [
            "STATUS_CLASSES", "Compiled", "MatchingValue", "all_of", "any_of", "array_containing", "boolean",
            "compile", "content_type", "date", "datetime", "decimal", "each_key", "each_like", "each_value",
            "equals", "example_of", "includes", "integer", "like", "not_empty", "null", "number",
            "provider_state", "regex", "semver", "status_code", "string", "time", "uuid", "values",
        ]
    )  # fmt: skip
    for name in match.__all__:
        assert getattr(match, name).__doc__, name


def test_match_is_reachable_from_the_package() -> None:
    import polycontract

    assert polycontract.match is match


# --- rule JSON, examples and generators of each matcher --------------------------------------------------------


@pytest.mark.parametrize(
    ("matcher", "example", "rule"),
    [
        (match.like({"a": 1}), {"a": 1}, {"match": "type"}),
        (match.like([1, 2], min=1, max=3), [1, 2], {"match": "type", "min": 1, "max": 3}),
        (match.regex(r"\d+", "42"), "42", {"match": "regex", "regex": r"\d+"}),
        (match.integer(7), 7, {"match": "integer"}),
        (match.decimal(9.99), 9.99, {"match": "decimal"}),
        (match.decimal(Decimal("1.25")), 1.25, {"match": "decimal"}),
        (match.number(3), 3, {"match": "number"}),
        (match.number(2.5), 2.5, {"match": "number"}),
        (match.boolean(False), False, {"match": "boolean"}),
        (match.string("Ann"), "Ann", {"match": "type"}),
        (match.date("2024-02-29"), "2024-02-29", {"match": "date", "format": "yyyy-MM-dd"}),
        (match.time("23:59:59"), "23:59:59", {"match": "time", "format": "HH:mm:ss"}),
        (
            match.datetime("2020-01-01T10:00:00+0100"),
            "2020-01-01T10:00:00+0100",
            {"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ssXX"},
        ),
        (
            match.uuid("e2490de5-5bd3-43d5-b7c4-526e33f71304"),
            "e2490de5-5bd3-43d5-b7c4-526e33f71304",
            {"match": "regex", "regex": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"},
        ),
        (match.includes("lo", "hello"), "hello", {"match": "include", "value": "lo"}),
        (match.includes("hello"), "hello", {"match": "include", "value": "hello"}),
        (match.null(), None, {"match": "null"}),
        (match.equals({"status": "ok"}), {"status": "ok"}, {"match": "equality"}),
        (match.semver("1.2.3-rc.1+build.5"), "1.2.3-rc.1+build.5", {"match": "semver"}),
        (match.semver(), "1.0.0", {"match": "semver"}),
        (match.not_empty(["x"]), ["x"], {"match": "notEmpty"}),
        (match.status_code("success"), 200, {"match": "statusCode", "status": "success"}),
        (match.status_code("clientError", 404), 404, {"match": "statusCode", "status": "clientError"}),
        (match.status_code([201, 204]), 201, {"match": "statusCode", "status": [201, 204]}),
        (match.content_type("image/jpeg", b"\xff\xd8"), b"\xff\xd8", {"match": "contentType", "value": "image/jpeg"}),
        (match.values({"a": 1, "b": 2}), {"a": 1, "b": 2}, {"match": "values"}),
    ],
)
def test_each_matcher_writes_the_v3_v4_rule_json_and_keeps_its_example(
    matcher: match.MatchingValue, example: Any, rule: dict[str, Any]
) -> None:
    assert matcher.example == example
    assert rules_at(matcher) == only(rule)
    assert [m.to_json() for m in matcher.rule_set.matchers] == [rule]


def test_rules_match_the_compatibility_suite_fixtures() -> None:
    # Rule JSON copied from compatibility-suite/fixtures/*-matcher-v3.json / *-v4.json, checked for equality.
    body = {
        "date": match.date("2019-07-23"),  # date-matcher-v3.json
        "include": match.includes("a", "abc"),  # include-matcher-v3.json
        "ids": match.like([1], min=1, max=4),  # minmax-type-matcher-v3.json
        "semver": match.semver("1.0.0"),  # semver-matcher-v4.json
        "keys": match.each_key({"one": 1}, match.regex("[a-z]+", "one")),  # eachkey-matcher-v4.json
        "vals": match.each_value({"x": "one"}, match.regex("[a-z]+", "one")),  # eachvalue-matcher-v4.json
    }
    rules = match.compile(body).rules_json()
    assert rules["$.date"] == {"combine": "AND", "matchers": [{"match": "date", "format": "yyyy-MM-dd"}]}
    assert rules["$.include"] == {"combine": "AND", "matchers": [{"match": "include", "value": "a"}]}
    assert rules["$.ids"] == {"combine": "AND", "matchers": [{"match": "type", "min": 1, "max": 4}]}
    assert rules["$.semver"] == {"combine": "AND", "matchers": [{"match": "semver"}]}
    assert rules["$.keys"]["matchers"][0]["rules"] == [{"match": "regex", "regex": "[a-z]+"}]
    assert rules["$.vals"]["matchers"][0]["rules"] == [{"match": "regex", "regex": "[a-z]+"}]
    assert json.loads(json.dumps(rules)) == rules  # plain JSON all the way down


def test_status_code_rule_matches_the_v4_fixture() -> None:
    # statuscode-matcher-v4.json: {"combine": "AND", "matchers": [{"match": "statusCode", "status": "success"}]}
    assert rules_at(match.status_code("success")) == only({"match": "statusCode", "status": "success"})


@pytest.mark.parametrize(
    ("matcher", "example", "generator"),
    [
        (match.integer(), 1, {"type": "RandomInt"}),
        (match.integer(generate_min=5, generate_max=9), 5, {"type": "RandomInt", "min": 5, "max": 9}),
        (match.integer(generate_max=-3), -3, {"type": "RandomInt", "max": -3}),
        (match.integer(4, generate_min=0, generate_max=10), 4, {"type": "RandomInt", "min": 0, "max": 10}),
        (match.decimal(), 1.5, {"type": "RandomDecimal"}),
        (match.decimal(digits=6), 1.5, {"type": "RandomDecimal", "digits": 6}),
        (match.number(), 1, {"type": "RandomInt"}),
        (match.number(generate_min=3, generate_max=4), 3, {"type": "RandomInt", "min": 3, "max": 4}),
        (match.boolean(), True, {"type": "RandomBoolean"}),
        (match.string(), "string", {"type": "RandomString"}),
        (match.string(size=6), "aaaaaa", {"type": "RandomString", "size": 6}),
        (match.date(), "2000-02-01", {"type": "Date", "format": "yyyy-MM-dd"}),
        (match.time(), "12:30:00", {"type": "Time", "format": "HH:mm:ss"}),
        (match.datetime(), "2000-02-01T12:30:00Z", {"type": "DateTime", "format": "yyyy-MM-dd'T'HH:mm:ssXXX"}),
        (
            match.datetime(format="%d %b %Y %I:%M %p"),
            "01 Feb 2000 12:30 PM",
            {"type": "DateTime", "format": "dd MMM yyyy hh:mm a"},
        ),
        (match.uuid(), "e2490de5-5bd3-43d5-b7c4-526e33f71304", {"type": "Uuid", "format": "lower-case-hyphenated"}),
        (match.uuid(format="simple"), "e2490de55bd343d5b7c4526e33f71304", {"type": "Uuid", "format": "simple"}),
        (
            match.uuid(format="upper-case-hyphenated"),
            "E2490DE5-5BD3-43D5-B7C4-526E33F71304",
            {"type": "Uuid", "format": "upper-case-hyphenated"},
        ),
        (match.uuid(format="URN"), "urn:uuid:e2490de5-5bd3-43d5-b7c4-526e33f71304", {"type": "Uuid", "format": "URN"}),
        (match.provider_state("${id}", 7), 7, {"type": "ProviderState", "expression": "${id}"}),
    ],
)
def test_a_matcher_without_example_gets_a_generator_and_a_fixed_example(
    matcher: match.MatchingValue, example: Any, generator: dict[str, Any]
) -> None:
    compiled = match.compile(matcher)
    assert compiled.example == example
    assert compiled.generators_json() == {"$": generator}


@pytest.mark.parametrize(
    "matcher",
    [match.integer(1), match.decimal(1.5), match.boolean(True), match.string("x"), match.date("2020-01-01"),
     match.uuid("e2490de5-5bd3-43d5-b7c4-526e33f71304"), match.like(1), match.regex("a", "a")],
)  # fmt: skip
def test_a_matcher_with_an_example_has_no_generator(matcher: match.MatchingValue) -> None:
    assert match.compile(matcher).generators == {}


def test_provider_state_also_carries_a_type_rule() -> None:
    assert rules_at(match.provider_state("${id}", 7)) == only({"match": "type"})


def test_temporal_matchers_accept_python_date_objects_rendered_in_their_format() -> None:
    assert match.date(dt.date(2020, 1, 2), "%d %b %Y").example == "02 Jan 2020"
    assert match.time(dt.time(9, 5), "%I:%M %p").example == "09:05 AM"
    moment = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert match.datetime(moment).example == "2020-01-02T03:04:05+02:00"  # isoformat(), without a format
    assert match.datetime(moment, "%Y-%m-%dT%H:%M:%S%z").example == "2020-01-02T03:04:05+0200"


def test_uuid_accepts_a_uuid_object_rendered_in_its_format() -> None:
    value = uuid_module.UUID("12345678-1234-5678-1234-567812345678")
    assert match.uuid(value, format="simple").example == "12345678123456781234567812345678"
    assert match.uuid(value, format="URN").example == "urn:uuid:12345678-1234-5678-1234-567812345678"


def test_each_like_example_holds_min_copies() -> None:
    assert match.each_like("x").example == ["x"]
    assert match.each_like("x", min=3).example == ["x", "x", "x"]
    assert match.each_like("x", min=0).example == ["x"]
    assert rules_at(match.each_like("x", min=0)) == only({"match": "type", "min": 0})
    assert rules_at(match.each_like("x", min=2, max=4)) == only({"match": "type", "min": 2, "max": 4})


def test_each_like_copies_are_independent() -> None:
    example = match.each_like({"a": [1]}, min=2).example
    example[0]["a"].append(2)
    assert example[1] == {"a": [1]}


def test_array_containing_writes_variants_with_their_own_rules_and_generators() -> None:
    matcher = match.array_containing(
        [{"name": match.regex(r"add\-item", "add-item"), "n": match.integer()}, {"name": "delete-item"}]
    )
    assert matcher.example == [{"name": "add-item", "n": 1}, {"name": "delete-item"}]
    assert rules_at({"actions": matcher}, "$.actions") == only(
        {
            "match": "arrayContains",
            "variants": [
                {
                    "index": 0,
                    "rules": {
                        "$.name": only({"match": "regex", "regex": r"add\-item"}),
                        "$.n": only({"match": "integer"}),
                    },
                    "generators": {"$.n": {"type": "RandomInt"}},
                },
                {"index": 1, "rules": {}, "generators": {}},
            ],
        }
    )
    assert set(match.compile({"actions": matcher}).rules) == {"$.actions"}  # variant rules stay inside the rule


def test_each_key_and_each_value_write_rules_and_value() -> None:
    keys = match.each_key({"a": 1}, match.regex("[a-z]+", "a"))
    assert rules_at(keys) == only(
        {"match": "eachKey", "rules": [{"match": "regex", "regex": "[a-z]+"}], "value": {"a": 1}}
    )
    values = match.each_value(["x", "y"], [match.regex("[a-z]", "x"), match.like("x")])
    assert rules_at(values) == only(
        {
            "match": "eachValue",
            "rules": [{"match": "regex", "regex": "[a-z]"}, {"match": "type"}],
            "value": ["x", "y"],
        }
    )


def test_all_of_and_any_of_combine_rules_at_one_path() -> None:
    both = match.all_of(match.like("ab"), match.regex("[a-z]+", "ab"))
    assert rules_at(both) == only({"match": "type"}, {"match": "regex", "regex": "[a-z]+"})
    either = match.any_of(match.null(), match.integer(1))
    assert either.example is None
    assert rules_at(either) == only({"match": "null"}, {"match": "integer"}, combine="OR")


def test_a_matcher_given_as_an_example_is_merged_into_one_rule_set() -> None:
    assert rules_at(match.like(match.integer(3))) == only({"match": "type"}, {"match": "integer"})
    assert rules_at(match.not_empty(match.each_like(1))) == only({"match": "notEmpty"}, {"match": "type", "min": 1})


def test_matchers_are_immutable_and_examples_are_fresh_copies() -> None:
    template = {"a": [1]}
    matcher = match.like(template)
    template["a"].append(2)
    assert matcher.example == {"a": [1]}
    matcher.example["a"].append(3)
    assert matcher.example == {"a": [1]}
    with pytest.raises(AttributeError):
        matcher.value = 1  # type: ignore[misc]


# --- compile ------------------------------------------------------------------------------------------------------


def test_compile_puts_rules_on_paths_through_objects_and_arrays() -> None:
    body = {
        "orders": match.each_like(
            {
                "id": match.integer(1),
                "lines": match.each_like({"sku": match.regex("[A-Z]{3}", "ABC"), "qty": match.integer()}, min=2),
                "tags": ["plain", match.like("t")],
            },
            max=5,
        ),
        "first name": match.string("Ann"),
        "it's": match.null(),
        "meta": {"_next": match.like("/p/2"), "0": match.boolean(True)},
    }
    compiled = match.compile(body)
    line = {"sku": "ABC", "qty": 1}
    assert compiled.example == {
        "orders": [{"id": 1, "lines": [line, line], "tags": ["plain", "t"]}],
        "first name": "Ann",
        "it's": None,
        "meta": {"_next": "/p/2", "0": True},
    }
    assert compiled.rules_json() == {
        "$.orders": only({"match": "type", "max": 5, "min": 1}),
        "$.orders[*].id": only({"match": "integer"}),
        "$.orders[*].lines": only({"match": "type", "min": 2}),
        "$.orders[*].lines[*].sku": only({"match": "regex", "regex": "[A-Z]{3}"}),
        "$.orders[*].lines[*].qty": only({"match": "integer"}),
        "$.orders[*].tags[1]": only({"match": "type"}),
        "$['first name']": only({"match": "type"}),
        "$['it\\'s']": only({"match": "null"}),
        "$.meta._next": only({"match": "type"}),
        "$.meta['0']": only({"match": "boolean"}),
    }
    assert compiled.generators == {"$.orders[*].lines[*].qty": Generator(type="RandomInt")}


def test_compile_of_a_top_level_array_and_nested_each_like() -> None:
    compiled = match.compile(match.each_like(match.each_like(match.integer(2))))
    assert compiled.example == [[2]]
    assert set(compiled.rules) == {"$", "$[*]", "$[*][*]"}


def test_compile_roots_paths_where_asked() -> None:
    assert set(match.compile({"a": match.like(1)}, root="$.body").rules) == {"$.body.a"}


def test_compile_puts_wildcard_rules_for_values_and_each_key() -> None:
    compiled = match.compile({"m": match.values({"x": match.integer(1), "y": match.integer(2)})})
    assert compiled.rules_json() == {"$.m": only({"match": "values"}), "$.m.*": only({"match": "integer"})}
    assert compiled.example == {"m": {"x": 1, "y": 2}}


def test_compile_of_plain_values_has_no_rules() -> None:
    compiled = match.compile({"a": [1, 2.5, None, True, "x"], "b": (1, 2)})
    assert compiled == match.Compiled(example={"a": [1, 2.5, None, True, "x"], "b": [1, 2]})


def test_header_and_query_values_take_the_rule_at_the_root() -> None:
    compiled = match.compile(match.regex(r"Bearer \w+", "Bearer abc"))
    assert compiled.example == "Bearer abc"
    assert compiled.rules == {"$": RuleSet(matchers=(Matcher(match="regex", params={"regex": r"Bearer \w+"}),))}


def test_example_of_resolves_nested_matchers() -> None:
    assert match.example_of({"ids": match.each_like(match.integer(5), min=2), "x": 1}) == {"ids": [5, 5], "x": 1}


# --- usage errors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "quoted"),
    [
        (lambda: match.regex("[0-9]+", "abc"), ["pattern='[0-9]+'", "example='abc'"]),
        (lambda: match.regex("[0-9", "1"), ["pattern='[0-9'"]),
        (lambda: match.regex("a", 1), ["example=1"]),  # type: ignore[arg-type]
        (lambda: match.each_like(1, min=2, max=1), ["min=2", "max=1"]),
        (lambda: match.each_like(1, min=-1), ["min=-1"]),
        (lambda: match.each_like(1, max=0), ["max=0"]),
        (lambda: match.each_like(1, min=True), ["min=True"]),
        (lambda: match.like([1, 2, 3], max=2), ["example=[1, 2, 3]", "max=2"]),
        (lambda: match.like(5, min=1), ["example=5"]),
        (lambda: match.integer(True), ["example=True"]),
        (lambda: match.integer(1.0), ["example=1.0"]),  # type: ignore[arg-type]
        (lambda: match.integer("1"), ["example='1'"]),  # type: ignore[arg-type]
        (lambda: match.integer(11, generate_min=0, generate_max=10), ["example=11"]),
        (lambda: match.integer(generate_min=5, generate_max=1), ["generate_min=5"]),
        (lambda: match.number(0.5, generate_min=1), ["example=0.5"]),
        (lambda: match.decimal(1), ["example=1"]),
        (lambda: match.decimal(float("nan")), ["example=nan"]),
        (lambda: match.decimal(1.5, digits=0), ["digits=0"]),
        (lambda: match.number(True), ["example=True"]),
        (lambda: match.number("1"), ["example='1'"]),  # type: ignore[arg-type]
        (lambda: match.boolean(1), ["example=1"]),  # type: ignore[arg-type]
        (lambda: match.string(1), ["example=1"]),  # type: ignore[arg-type]
        (lambda: match.string(size=0), ["size=0"]),
        (lambda: match.date("2020-02-30"), ["example='2020-02-30'", "yyyy-MM-dd"]),
        (lambda: match.date("2020-02-30", "%Y-%m-%d"), ["example='2020-02-30'", "format='%Y-%m-%d'"]),
        (lambda: match.date("23/07/19"), ["example='23/07/19'", "ISO 8601", "format='%d/%m/%y'"]),
        (lambda: match.time("25:00:00"), ["example='25:00:00'"]),
        (lambda: match.datetime("2020-01-01T10:00:00", "%Y-%m-%dT%H:%M:%S%z"), ["example='2020-01-01T10:00:00'"]),
        (lambda: match.datetime(dt.datetime(2020, 1, 1), "%Y-%m-%dT%H:%M:%S%z"), ["no tzinfo"]),
        (lambda: match.date(format="%c"), ["format='%c'", "%c"]),
        (lambda: match.date(20200101), ["example=20200101"]),  # type: ignore[arg-type]
        (lambda: match.uuid("not-a-uuid"), ["example='not-a-uuid'"]),
        (lambda: match.uuid("E2490DE5-5BD3-43D5-B7C4-526E33F71304"), ["example='E2490DE5"]),
        (lambda: match.uuid(format="braces"), ["format='braces'"]),
        (lambda: match.semver("1.0"), ["example='1.0'"]),
        (lambda: match.semver("01.0.0"), ["example='01.0.0'"]),
        (lambda: match.not_empty(""), ["example=''"]),
        (lambda: match.not_empty([]), ["example=[]"]),
        (lambda: match.not_empty(None), ["example=None"]),
        (lambda: match.includes("x", "abc"), ["example='abc'", "value='x'"]),
        (lambda: match.includes(""), ["value=''"]),
        (lambda: match.status_code("ok"), ["status='ok'"]),
        (lambda: match.status_code("success", 404), ["example=404"]),
        (lambda: match.status_code([200, 700]), ["status=[200, 700]"]),
        (lambda: match.status_code([]), ["status=[]"]),
        (lambda: match.content_type("jpeg", b"x"), ["mime='jpeg'"]),
        (lambda: match.content_type("image/jpeg", b""), ["example=b''"]),
        (lambda: match.values([1]), ["example=[1]"]),  # type: ignore[arg-type]
        (lambda: match.values({"a": match.integer(1), "b": match.regex("x", "x")}), ["path='$.*'"]),
        (lambda: match.each_key(["a"], match.regex("a", "a")), ["example=['a']"]),  # type: ignore[arg-type]
        (lambda: match.each_key({"A": 1}, match.regex("[a-z]+", "a")), ["key='A'"]),
        (lambda: match.each_key({"a": 1}, "[a-z]+"), ["rules='[a-z]+'"]),  # type: ignore[arg-type]
        (lambda: match.each_key({"a": 1}, []), ["rules=[]"]),
        (lambda: match.each_value({"a": "B"}, match.regex("[a-z]", "b")), ["value='B'"]),
        (lambda: match.each_value({"a": 1}, match.each_like(1)), ["rules entry"]),
        (lambda: match.array_containing([]), ["variants=[]"]),
        (lambda: match.array_containing({"a": 1}), ["variants={'a': 1}"]),  # type: ignore[arg-type]
        (lambda: match.provider_state("", 1), ["expression=''"]),
        (lambda: match.like({1: "a"}), ["key=1"]),
        (lambda: match.like({"when": dt.date(2020, 1, 1)}), ["datetime.date(2020, 1, 1)"]),
        (lambda: match.equals(float("inf")), ["inf"]),
        (lambda: match.all_of(match.like(1), match.like(2)), ["[1, 2]"]),
        (lambda: match.all_of(match.integer(), match.integer(generate_min=1)), ["generators"]),
        (lambda: match.any_of(match.null(), match.each_like(1)), ["any_of"]),
        (lambda: match.all_of(), ["all_of"]),
        (lambda: match.like(match.any_of(match.null(), match.integer(1))), ["any_of"]),
    ],
)
def test_bad_arguments_raise_usage_error_quoting_the_value(build: Any, quoted: list[str]) -> None:
    with pytest.raises(UsageError) as info:
        build()
    for text in quoted:
        assert text in str(info.value)


def test_compile_rejects_values_that_are_not_json() -> None:
    with pytest.raises(UsageError, match=r"path='\$\.a\[1\]'"):
        match.compile({"a": [1, {1, 2}]})
    with pytest.raises(UsageError, match="key=3"):
        match.compile({"a": {3: "x"}})


def test_usage_errors_are_value_errors_too() -> None:
    with pytest.raises(ValueError):
        match.integer("x")  # type: ignore[arg-type]


def test_matchers_built_by_the_fast_paths_equal_those_init_builds() -> None:
    from dataclasses import fields, replace

    from polycontract.match import MatchingValue

    for made in (match.integer(3), match.string("a"), match.decimal(1.5), match.each_like({"a": 1}, min=2)):
        assert set(vars(made)) - {"_rule_set"} == {f.name for f in fields(MatchingValue)}
        assert made == replace(made) and repr(made) == repr(replace(made))
        assert made.rule_set == replace(made).rule_set
    compiled = match.compile({"a": match.integer(1)})
    assert (compiled.example, list(compiled.rules)) == ({"a": 1}, ["$.a"])
    assert set(vars(compiled)) == {f.name for f in fields(match.Compiled)}


def test_the_one_step_matchers_equal_what_node_builds() -> None:
    """The usual matchers skip `node`: what they build is what `node` builds, whether seen before or not."""
    from polycontract._match_core import matching_value, node

    fmt = "%Y-%m-%dT%H:%M:%S%z"
    java = "yyyy-MM-dd'T'HH:mm:ssZ"
    stamp = "2024-01-02T03:04:05+0000"
    for _ in range(2):  # the first call of a pattern or format takes the general path, the next ones the short one
        pairs = [
            (match.integer(3), node("integer", 3)),
            (match.string("a"), node("type", "a")),
            (match.decimal(1.5), node("decimal", 1.5)),
            (match.regex(r"x\d+", "x12"), node("regex", "x12", {"regex": r"x\d+"})),
            (match.datetime(stamp, fmt), node("datetime", stamp, {"format": java})),
            (match.like("s"), node("type", "s")),
            (match.like({"a": match.integer(1)}), node("type", {"a": match.integer(1)})),
            (match.like(match.integer(1)), node("type", match.integer(1))),
        ]
        for each_min in (0, 1, 3):
            general = match.each_like({"a": [1]}, min=each_min, max=5)  # bounds: the general path
            rule = Matcher(match="type", params={"min": each_min})
            expected = matching_value((rule,), {"a": [1]}, None, "each", max(each_min, 1), None)
            pairs.append((match.each_like({"a": [1]}, min=each_min), expected))
            assert general.rule_set.matchers[0].params["max"] == 5
        for made, expected in pairs:
            assert made == expected and repr(made) == repr(expected)
            assert made.rule_set == expected.rule_set and made.generator == expected.generator
            assert set(vars(made)) - {"_rule_set"} == {f.name for f in fields(MatchingValue)}


def test_one_step_matchers_still_check_their_arguments() -> None:
    match.regex(r"\d+", "1")
    match.datetime("2024-01-02T03:04:05+0000")
    with pytest.raises(UsageError, match="example='x' does not match"):
        match.regex(r"\d+", "x")
    with pytest.raises(UsageError, match="example='2024' is not an ISO 8601 datetime"):
        match.datetime("2024")
    with pytest.raises(UsageError, match="example='2024' does not match format"):
        match.datetime("2024", "%Y-%m-%dT%H:%M:%S%z")
    with pytest.raises(UsageError, match="example=1 must be a str"):
        match.regex(r"\d+", 1)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="min=-1"):
        match.each_like(1, min=-1)
    with pytest.raises(UsageError, match="min=True"):
        match.each_like(1, min=True)
    with pytest.raises(UsageError, match="key=3 is not a str"):
        match.like({3: match.integer(1)})
    assert match.decimal(2.5).example == 2.5
    with pytest.raises(UsageError, match="not a JSON number"):
        match.decimal(float("inf"))


def _reference_compile(value: Any, path: str, rules: dict[str, Any], gens: dict[str, Any]) -> Any:
    """`compile` written plainly (no shortcuts), for bodies of node, each and wildcard matchers."""
    if isinstance(value, MatchingValue):
        assert rules.setdefault(path, value.rule_set) == value.rule_set
        if value.generator is not None:
            gens[path] = value.generator
        if value.shape == "each":
            first = _reference_compile(value.value, f"{path}[*]", rules, gens)
            return [first] + [json.loads(json.dumps(first)) for _ in range(value.count - 1)]
        return _reference_compile(value.value, path, rules, gens)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            child = f"{path}.{key}" if key.isidentifier() and key.isascii() else f"{path}['{key}']"
            out[key] = _reference_compile(item, child, rules, gens)
        return out
    if isinstance(value, list):
        return [_reference_compile(item, f"{path}[{i}]", rules, gens) for i, item in enumerate(value)]
    return float(value) if isinstance(value, float) else value


def test_compile_shortcuts_give_what_the_plain_walk_gives() -> None:
    """Plain floats, matchers over plain examples and `each_like` of a plain value are taken in the loop."""
    body = {
        "id": match.integer(7),
        "f": 2.5,
        "d": match.decimal(12.5),
        "t": match.each_like("admin"),
        "t2": match.each_like("x", min=2),
        "g": match.integer(),
        "n": {"deep": match.each_like({"x": match.string("s"), "y": 1.0})},
        "l": [match.like(1), 0.5, None, True],
        "odd key": match.uuid(),
    }
    for _ in range(2):  # paths come from the cache the second time
        compiled = match.compile(body)
        rules: dict[str, Any] = {}
        gens: dict[str, Any] = {}
        assert compiled.example == _reference_compile(body, "$", rules, gens)
        assert compiled.rules == rules and list(compiled.rules) == list(rules)
        assert compiled.generators == gens
    with pytest.raises(UsageError, match="is not a JSON value"):
        match.compile({"a": float("nan")})
    with pytest.raises(UsageError, match="is not a JSON value"):
        match.compile({"a": match.like(float("inf"))})


# What reads as a check is one: number bounds no Pact tool checks are refused, generator bounds say so.


@pytest.mark.parametrize(
    ("build", "quoted"),
    [
        (lambda: match.integer(5, min=1, max=5), ["min=1, max=5", "generate_min=1, generate_max=5"]),  # type: ignore[arg-type]
        (lambda: match.integer(min=1), ["min=1", "generate_min=1"]),  # type: ignore[arg-type]
        (lambda: match.number(2.5, max=3), ["max=3", "generate_max=3"]),  # type: ignore[arg-type]
        (lambda: match.decimal(1.5, min=0), ["min=0", "digits=N"]),  # type: ignore[arg-type]
    ],
)
def test_number_matchers_refuse_min_and_max_that_no_pact_tool_would_check(build: Any, quoted: list[str]) -> None:
    with pytest.raises(UsageError, match="never be checked against the provider") as info:
        build()
    for text in quoted:
        assert text in str(info.value)


def test_generate_bounds_shape_only_the_generated_values() -> None:
    made = match.integer(5, generate_min=1, generate_max=5)
    assert made.rule_set.matchers == (Matcher(match="integer"),)  # the provider's value: an integer, nothing more
    assert made.generator == Generator(type="RandomInt", params={"min": 1, "max": 5})
    assert match.number(generate_min=7).generator == Generator(type="RandomInt", params={"min": 7})


# Datetimes without a format take the example's ISO 8601 shape.


@pytest.mark.parametrize(
    ("example", "pattern"),
    [
        ("2024-05-01T10:00:00+00:00", "yyyy-MM-dd'T'HH:mm:ssXXX"),
        ("2024-05-01T10:00:00Z", "yyyy-MM-dd'T'HH:mm:ssXXX"),
        ("2024-05-01T10:00:00.123456+02:00", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"),
        ("2024-05-01T10:00:00.123Z", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"),
        ("2024-05-01T10:00:00+0200", "yyyy-MM-dd'T'HH:mm:ssXX"),
        ("2024-05-01T10:00:00", "yyyy-MM-dd'T'HH:mm:ss"),
        ("2024-05-01 10:00", "yyyy-MM-dd HH:mm"),
        (dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC), "yyyy-MM-dd'T'HH:mm:ssXXX"),
    ],
)
def test_datetime_without_a_format_takes_the_iso_8601_shape_of_its_example(example: Any, pattern: str) -> None:
    made = match.datetime(example)
    assert made.rule_set.matchers == (Matcher(match="datetime", params={"format": pattern}),)
    assert made.generator is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2024-05-01T10:00:00+00:00", True),
        ("2031-12-31T23:59:59Z", True),  # what pydantic and FastAPI write for UTC
        ("1999-01-02T03:04:05-05:30", True),
        ("2024-05-01T10:00:00", False),  # no offset
        ("2024-05-01T10:00:00+0000", False),  # another shape of offset
        ("2024-05-01T10:00:00.5+00:00", False),  # a fraction the example did not have
    ],
)
def test_datetime_of_an_isoformat_example_accepts_what_a_provider_writes_in_that_shape(value: str, ok: bool) -> None:
    from polycontract.matching import compare_response

    expected = {
        "status": 200,
        "body": match.compile({"at": match.datetime("2024-05-01T10:00:00+00:00")}).example,
        "matchingRules": {"body": match.compile({"at": match.datetime("2024-05-01T10:00:00+00:00")}).rules_json()},
    }
    mismatches = compare_response(expected, {"status": 200, "body": {"at": value}}, spec="V3")
    assert (not mismatches) is ok, mismatches


def test_time_without_a_format_takes_the_iso_8601_shape_of_its_example() -> None:
    assert match.time("10:00").rule_set.matchers[0].params == {"format": "HH:mm"}
    assert match.time("10:00:00.123+02:00").rule_set.matchers[0].params == {"format": "HH:mm:ss.SSSXXX"}
    assert match.time(dt.time(9, 5, 1)).example == "09:05:01"


def test_datetime_example_that_is_not_iso_8601_asks_for_a_format() -> None:
    with pytest.raises(UsageError, match=r"example='01/05/2024 10:00' is not an ISO 8601 datetime.*format="):
        match.datetime("01/05/2024 10:00")
    assert match.datetime("01/05/2024 10:00", "%d/%m/%Y %H:%M").example == "01/05/2024 10:00"


# A format error names the directive that fits the value (data-driven: value, format, what the error says).

HINTS = [
    ("2024-05-01T10:00:00+00:00", "%Y-%m-%dT%H:%M:%S%z", "the offset '+00:00' needs %:z (Java XXX"),
    ("2024-05-01T10:00:00Z", "%Y-%m-%dT%H:%M:%S%z", "the offset 'Z' needs %:z (Java XXX"),
    ("2024-05-01T10:00:00.123456+00:00", "%Y-%m-%dT%H:%M:%S%:z", "the fraction '.123456' needs .%f (Java .SSSSSS"),
    ("2024-05-01T10:00:00.123Z", "%Y-%m-%dT%H:%M:%S.%f%:z", "the fraction '.123' needs .SSS (3 digits"),
    ("2024-05-01T10:00:00+00:00", "%Y-%m-%dT%H:%M:%S.%f%:z", "the value has no fraction; remove .%f"),
    ("2024-05-01T10:00+00:00", "%Y-%m-%dT%H:%M:%S%:z", "the value has no seconds; remove :%S"),
    ("2024-05-01T10:00:00", "%Y-%m-%dT%H:%M:%S%z", "the value has no offset; remove %z"),
    ("2024-05-01T10:00:00+00:00", "%Y-%m-%dT%H:%M:%SZ", "instead of 'Z' (a literal Z only)"),
]


@pytest.mark.parametrize(("example", "fmt", "hint"), HINTS)
def test_a_datetime_example_its_format_rejects_names_the_directive_that_fits(example: str, fmt: str, hint: str) -> None:
    with pytest.raises(UsageError) as info:
        match.datetime(example, fmt)
    message = str(info.value)
    assert f"example={example!r} does not match format={fmt!r}" in message
    assert hint in message and "leave format out" in message
    assert "\n" not in message


def test_a_provider_value_a_datetime_format_rejects_names_the_directive_that_fits() -> None:
    from polycontract.matching import compare_response

    stamp = match.datetime("2024-05-01T10:00:00+0000", "%Y-%m-%dT%H:%M:%S%z")
    expected = {
        "status": 200,
        "body": {"at": stamp.example},
        "matchingRules": {"body": match.compile({"at": stamp}).rules_json()},
    }
    (mismatch,) = compare_response(expected, {"status": 200, "body": {"at": "2024-05-01T10:00:00+00:00"}}, spec="V3")
    assert mismatch.path == "$.body.at"
    assert "needs XXX (an offset like +02:00 or Z) instead of Z (an offset like +0200)" in mismatch.message


_PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


def test_content_type_refuses_an_example_that_is_not_of_that_type() -> None:
    with pytest.raises(UsageError, match=r"is detected as 'image/gif', not mime='image/png'"):
        match.content_type("image/png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")


def test_content_type_as_the_whole_body_is_a_binary_body_with_one_root_rule() -> None:
    from polycontract import Pact

    pact = Pact(consumer="web", provider="images")
    pact.upon_receiving("logo").with_request("GET", "/logo").will_respond_with(
        200, body=match.content_type("image/png", _PNG_HEADER)
    )
    from polycontract.model import HttpInteraction

    interaction = pact.to_model().interactions[0]
    assert isinstance(interaction, HttpInteraction)
    response = interaction.response
    assert isinstance(response.body, Body)
    assert (response.body.content, response.body.content_type) == (_PNG_HEADER, "image/png")
    assert dict(response.matching_rules["body"]) == {
        "$": RuleSet(matchers=(Matcher(match="contentType", params={"value": "image/png"}),))
    }


def test_content_type_inside_a_json_body_says_a_binary_body_is_the_whole_body() -> None:
    from polycontract import Pact

    declared = Pact(consumer="web", provider="images").upon_receiving("logo").with_request("GET", "/logo")
    with pytest.raises(UsageError, match=r"match.content_type at '\$.logo' puts binary data inside a JSON body"):
        declared.will_respond_with(200, body={"logo": match.content_type("image/png", _PNG_HEADER)})


def test_content_type_body_refuses_a_different_content_type_header() -> None:
    from polycontract import Pact

    declared = Pact(consumer="web", provider="images").upon_receiving("logo").with_request("GET", "/logo")
    with pytest.raises(UsageError, match=r"but the Content-Type is 'image/jpeg'"):
        declared.will_respond_with(
            200, headers={"Content-Type": "image/jpeg"}, body=match.content_type("image/png", _PNG_HEADER)
        )
