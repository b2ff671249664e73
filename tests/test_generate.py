"""Example generators: every V3/V4 generator type, the paths they apply to, and the parts of a pact they touch."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import random
import re
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pact_spec import require

from polycontract import model
from polycontract.errors import UsageError
from polycontract.generate import (
    GeneratorContext,
    apply_generators,
    generate_message,
    generate_request,
    generate_response,
    generate_value,
)

NOW = datetime.datetime(2024, 1, 31, 13, 45, 7, 250000, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))


def ctx(seed: int = 1234, **kwargs: Any) -> GeneratorContext:
    return GeneratorContext(now=NOW, rng=random.Random(seed), **kwargs)


def gen(type_: str, **params: Any) -> model.Generator:
    return model.Generator(type=type_, params=params)


def load_generators(data: dict[str, Any]) -> dict[str, dict[str, model.Generator]]:
    """A ``generators`` block in pact-file form -> model, as the codec does (path/status are single values)."""

    def one(raw: dict[str, Any]) -> model.Generator:
        return model.Generator(type=raw["type"], params={k: v for k, v in raw.items() if k != "type"})

    return {
        category: {"": one(entries)} if "type" in entries else {key: one(raw) for key, raw in entries.items()}
        for category, entries in data.items()
    }


def fixture(name: str) -> Any:
    return json.loads((require("compatibility-suite/fixtures") / name).read_text())


def json_body(content: Any) -> model.Body:
    return model.Body(content=content, content_type="application/json")


UUID_SHAPES = {
    "uuid-generator.json": r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    "uuid-generator-lower-case-hyphenated.json": r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    "uuid-generator-upper-case-hyphenated.json": r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}",
    "uuid-generator-simple.json": r"[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}",
    "uuid-generator-urn.json": r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
}


def is_decimal_with_digits(value: Any, digits: int) -> bool:
    return bool(re.fullmatch(r"\d+\.\d+", value)) and len(value) == digits + 1


SHAPES: dict[str, Any] = {
    "randomint-generator.json": lambda v: re.fullmatch(r"\d+", v) and 0 <= int(v) <= 1000,
    "randomdec-generator.json": lambda v: is_decimal_with_digits(v, 6),
    "randomhex-generator.json": lambda v: re.fullmatch(r"[0-9a-fA-F]{6}", v),
    "randomstr-generator.json": lambda v: re.fullmatch(r"[A-Za-z0-9]{6}", v),
    "randomregex-generator.json": lambda v: re.fullmatch(r"\d{1,8}", v),
    "date-generator.json": lambda v: datetime.datetime.strptime(v, "%Y-%m-%d").date() == NOW.date(),
    "time-generator.json": lambda v: (
        datetime.datetime.strptime(v, "%H:%M:%S").time() == NOW.time().replace(microsecond=0)
    ),
    "datetime-generator.json": lambda v: (
        datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S") == NOW.replace(tzinfo=None, microsecond=0)
    ),
    "boolean-generator.json": lambda v: v in ("true", "false"),
    **{name: (lambda pattern: lambda v: re.fullmatch(pattern, v))(shape) for name, shape in UUID_SHAPES.items()},
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_generator_fixture_replaces_the_body_value_with_the_expected_shape(name: str) -> None:
    request = model.Request(body=json_body(fixture("basic.json")), generators=load_generators(fixture(name)))

    generated = generate_request(request, ctx())

    value = generated.body.content["one"]
    assert value != "a"
    assert SHAPES[name](value), f"{name} produced {value!r}"
    assert generated.body.content["two"] == "b"
    assert generate_request(request, ctx()).body.content["one"] == value, "same seed, same value"


def test_generator_fixtures_are_all_covered() -> None:
    names = {p.name for p in require("compatibility-suite/fixtures").glob("*-generator*.json")}
    assert names, "no generator fixtures found"
    assert names - set(SHAPES) <= {"providerstate-generator.json", "mockserver-generator.json"}


def test_provider_state_fixture_substitutes_the_state_value_in_provider_mode() -> None:
    request = model.Request(
        body=json_body(fixture("basic.json")), generators=load_generators(fixture("providerstate-generator.json"))
    )
    generated = generate_request(request, ctx(mode="provider", provider_state={"id": 1000}))
    assert generated.body.content["one"] == 1000


def test_mock_server_fixture_rebases_the_example_in_consumer_mode() -> None:
    request = model.Request(
        body=json_body(fixture("basic.json")), generators=load_generators(fixture("mockserver-generator.json"))
    )
    generated = generate_request(request, ctx(mode="consumer", mock_server_url="http://somewhere.world"))
    assert generated.body.content["one"] == "http://somewhere.world/a"


# ------------------------------------------------------------------------------------------ single types


def test_random_int_stays_within_inclusive_bounds_and_keeps_the_example_kind() -> None:
    context = ctx()
    values = [generate_value(gen("RandomInt", min=3, max=5), 0, context) for _ in range(200)]
    assert set(values) == {3, 4, 5}
    assert generate_value(gen("RandomInt", min=3, max=3), "x", context) == "3"
    assert 0 <= generate_value(gen("RandomInt"), None, context) <= 2**31 - 1


def test_random_int_rejects_min_above_max() -> None:
    with pytest.raises(UsageError, match="min=5 is greater than max=1"):
        generate_value(gen("RandomInt", min=5, max=1), 0, ctx())


@pytest.mark.parametrize("digits", [1, 2, 3, 6, 10, 15])
def test_random_decimal_has_exactly_the_requested_digits(digits: int) -> None:
    context = ctx()
    for _ in range(50):
        text = generate_value(gen("RandomDecimal", digits=digits), "", context)
        assert len(text.replace(".", "")) == digits
        assert digits == 1 or re.fullmatch(r"(0|[1-9]\d*)\.\d*[1-9]", text)
        number = generate_value(gen("RandomDecimal", digits=digits), 1.5, context)
        assert isinstance(number, float)
        assert digits == 1 or len(repr(number).replace(".", "")) == digits


def test_random_hexadecimal_and_string_have_the_requested_length() -> None:
    assert re.fullmatch(r"[0-9a-f]{10}", generate_value(gen("RandomHexadecimal"), "", ctx()))
    assert re.fullmatch(r"[0-9a-zA-Z]{20}", generate_value(gen("RandomString"), "", ctx()))
    assert generate_value(gen("RandomString", size=0), "", ctx()) == ""


def test_uuid_rejects_an_unknown_format() -> None:
    with pytest.raises(UsageError, match="format='braces'"):
        generate_value(gen("Uuid", format="braces"), "", ctx())


def test_uuid_is_a_version_4_uuid() -> None:
    assert uuid.UUID(generate_value(gen("Uuid"), "", ctx())).version == 4


def test_random_boolean_gives_both_values_and_keeps_json_booleans() -> None:
    context = ctx()
    assert {generate_value(gen("RandomBoolean"), False, context) for _ in range(50)} == {True, False}


def test_unknown_generator_type_is_a_usage_error_naming_it() -> None:
    with pytest.raises(UsageError, match="'Lorem'"):
        generate_value(gen("Lorem"), "", ctx())


def test_context_requires_an_aware_now() -> None:
    with pytest.raises(UsageError, match="timezone-aware"):
        GeneratorContext(now=datetime.datetime(2024, 1, 1), rng=random.Random(0))


# ----------------------------------------------------------------------------------------- dates, times


@pytest.mark.parametrize(
    ("type_", "expression", "expected"),
    [
        ("Date", "now", "2024-01-31"),
        ("Date", "today", "2024-01-31"),
        ("Date", "tomorrow", "2024-02-01"),
        ("Date", "yesterday", "2024-01-30"),
        ("Date", "+1 day", "2024-02-01"),
        ("Date", "today +2 weeks", "2024-02-14"),
        ("Date", "+1 month", "2024-02-29"),
        ("Date", "-1 year + 1 month", "2023-02-28"),
        ("Date", "next monday", "2024-02-05"),
        ("Date", "last wednesday", "2024-01-24"),
        ("Date", "next month", "2024-02-29"),
        ("Time", "+1 hour", "14:45:07"),
        ("Time", "- 30 minutes + 10 seconds", "13:15:17"),
        ("Time", "@ next hour", "14:45:07"),
        ("Time", "midnight", "00:00:00"),
        ("Time", "noon +5 minutes", "12:05:00"),
        ("Time", "3 o'clock pm", "15:00:00"),
        ("DateTime", "tomorrow @ noon", "2024-02-01T12:00:00"),
        ("DateTime", "+1 day @ 9 o'clock", "2024-02-01T09:00:00"),
        ("DateTime", "+ 12 hours", "2024-02-01T01:45:07"),
    ],
)
def test_date_expressions_move_from_now(type_: str, expression: str, expected: str) -> None:
    assert generate_value(gen(type_, expression=expression), "", ctx()) == expected


def test_date_expression_errors_say_what_was_expected() -> None:
    with pytest.raises(UsageError, match=r"expression='\+1 fortnights please'"):
        generate_value(gen("Date", expression="+1 fortnights please"), "", ctx())
    with pytest.raises(UsageError, match="expected a unit"):
        generate_value(gen("Date", expression="+ 2 eons"), "", ctx())
    with pytest.raises(UsageError, match="out of range"):
        generate_value(gen("Date", expression="+ 99999 years"), "", ctx())


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-01-31T13:45:07.250+02:00"),
        ("dd/MM/yy h:mm a", "31/01/24 1:45 PM"),
        ("EEE, d MMM yyyy HH:mm:ss Z", "Wed, 31 Jan 2024 13:45:07 +0200"),
        ("EEEE d MMMM", "Wednesday 31 January"),
        ("'at' HH 'o''clock'", "at 13 o'clock"),
        ("D", "31"),
    ],
)
def test_dates_render_java_patterns(pattern: str, expected: str) -> None:
    assert generate_value(gen("DateTime", format=pattern), "", ctx()) == expected


def test_date_uses_the_timezone_of_now() -> None:
    utc = GeneratorContext(now=NOW.astimezone(datetime.UTC), rng=random.Random(0))
    assert generate_value(gen("DateTime", format="HH:mmX"), "", utc) == "11:45Z"


# ----------------------------------------------------------------------------------------------- regex


def test_regex_rejects_an_invalid_pattern() -> None:
    with pytest.raises(UsageError, match=r"regex='\[a-'"):
        generate_value(gen("Regex", regex="[a-"), "", ctx())


REALISTIC_REGEXES = [
    r"\d{1,8}",
    r"[A-Z]{3}-\d{4}",
    r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$",
    r"(?i)[a-z]+_(ok|fail)",
    r"\w+@\w+\.(com|org|net)",
    r"\d+(\.\d{1,2})?",
    r"[^,;\s]{2,5}",
    r"(GET|POST|PUT|DELETE) /api/v\d+/\w*",
    r"\s*\S+\s*",
    r"https?://[a-z0-9.-]+(:\d{2,5})?(/\w+)*/?",
    r"(ab|cd)\1x*?",
    r"\bv\d\.\d\.\d\b",
    r"[\u00c0-\u017f]{1,3}",
    r"(?!admin)\w{5}",
    r".+",
    r"\D\W\S",
    r"(?P<y>\d{4})-(?P=y)",
    r"[+-]?(0|[1-9][0-9]*)",
]


@settings(database=None, max_examples=300)
@given(regex=st.sampled_from(REALISTIC_REGEXES), seed=st.integers(min_value=0, max_value=2**32))
def test_regex_output_fully_matches_the_regex(regex: str, seed: int) -> None:
    value = generate_value(gen("Regex", regex=regex), "", ctx(seed))
    assert re.fullmatch(regex, value), value


# -------------------------------------------------------------------------------------- provider state


def test_provider_state_sole_placeholder_keeps_the_value_type() -> None:
    context = ctx(mode="provider", provider_state={"id": 1000, "tags": ["a"], "ok": True})
    assert generate_value(gen("ProviderState", expression="${id}"), "x", context) == 1000
    assert generate_value(gen("ProviderState", expression="${tags}"), "x", context) == ["a"]
    assert generate_value(gen("ProviderState", expression="${ ok }"), "x", context) is True


def test_provider_state_interpolates_several_placeholders_as_text() -> None:
    context = ctx(mode="provider", provider_state={"id": 7, "name": "ann", "ok": False})
    expression = "/users/${id}/${name}?ok=${ok}"
    assert generate_value(gen("ProviderState", expression=expression), "/", context) == "/users/7/ann?ok=false"


def test_provider_state_missing_key_leaves_the_value() -> None:
    context = ctx(mode="provider", provider_state={"id": 7})
    assert generate_value(gen("ProviderState", expression="${other}"), "keep", context) == "keep"
    assert generate_value(gen("ProviderState", expression="/a/${id}/${other}"), "keep", context) == "keep"


def test_provider_state_is_left_alone_in_consumer_mode() -> None:
    context = ctx(mode="consumer", provider_state={"id": 7})
    assert generate_value(gen("ProviderState", expression="${id}"), "keep", context) == "keep"


@pytest.mark.parametrize(
    ("data_type", "state_value", "expected"),
    [("STRING", 1000, "1000"), ("INTEGER", "42", 42), ("DECIMAL", "1.5", 1.5), ("FLOAT", 2, 2.0),
     ("BOOLEAN", "true", True), ("RAW", [1], [1])],
)  # fmt: skip
def test_provider_state_converts_to_the_data_type(data_type: str, state_value: Any, expected: Any) -> None:
    context = ctx(mode="provider", provider_state={"v": state_value})
    result = generate_value(gen("ProviderState", expression="${v}", dataType=data_type), "", context)
    assert result == expected
    assert type(result) is type(expected)


def test_provider_state_conversion_failure_is_a_usage_error() -> None:
    context = ctx(mode="provider", provider_state={"v": "abc"})
    with pytest.raises(UsageError, match="dataType=INTEGER"):
        generate_value(gen("ProviderState", expression="${v}", dataType="INTEGER"), "", context)


# --------------------------------------------------------------------------------------- mock server


def test_mock_server_url_replaces_the_matched_prefix_keeping_the_group() -> None:
    url = gen("MockServerURL", regex=r"^.*(/orders/\d+)$", example="http://localhost:8080/orders/12")
    context = ctx(mode="consumer", mock_server_url="http://127.0.0.1:50123/")
    assert generate_value(url, "", context) == "http://127.0.0.1:50123/orders/12"


def test_mock_server_url_without_a_group_replaces_the_match() -> None:
    url = gen("MockServerURL", regex=r"http://[^/]+", example="http://example.com/a/b")
    assert generate_value(url, "", ctx(mock_server_url="http://mock:1")) == "http://mock:1/a/b"


def test_mock_server_url_is_left_alone_in_provider_mode_or_without_a_url() -> None:
    url = gen("MockServerURL", regex=".*(/a)", example="http://1234:8080/a")
    assert generate_value(url, "keep", ctx(mode="provider", mock_server_url="http://x")) == "keep"
    assert generate_value(url, "keep", ctx(mode="consumer")) == "keep"


# ---------------------------------------------------------------------------------------------- paths


def test_apply_generators_follows_wildcards_indexes_and_quoted_names() -> None:
    value = {"items": [{"id": 1}, {"id": 2}], "x y": "q", "list": ["a", "b"], "other": {"p": 1, "q": 2}}
    fixed = gen("RandomInt", min=9, max=9)
    generators = {"$.items[*].id": fixed, "$['x y']": fixed, "$.list[1]": fixed, "$.other.*": fixed}

    result = apply_generators(value, generators, ctx())

    assert result == {"items": [{"id": 9}, {"id": 9}], "x y": "9", "list": ["a", "9"], "other": {"p": 9, "q": 9}}


def test_apply_generators_on_the_root_and_on_arrays_at_the_root() -> None:
    fixed = gen("RandomInt", min=9, max=9)
    assert apply_generators(1, {"$": fixed}, ctx()) == 9
    assert apply_generators([1, 2, 3], {"$[0]": fixed, "$[2]": fixed}, ctx()) == [9, 2, 9]


def test_apply_generators_ignores_paths_that_match_nothing() -> None:
    value = {"a": [1], "b": {"c": 1}}
    fixed = gen("RandomInt", min=9, max=9)
    generators = {"$.missing": fixed, "$.a[5]": fixed, "$.b.c.d": fixed, "$.a.x": fixed, "$.b[0]": fixed}
    assert apply_generators(value, generators, ctx()) == value


def test_apply_generators_runs_shallow_paths_first() -> None:
    value = {"a": {"b": 1}}
    generators = {"$.a.b": gen("RandomInt", min=9, max=9), "$.a": gen("RandomInt", min=1, max=1)}
    assert apply_generators(value, generators, ctx()) == {"a": 1}


def test_apply_generators_never_mutates_the_input() -> None:
    value = {"items": [{"id": 1, "tags": ["t"]}], "n": 0}
    before = copy.deepcopy(value)
    result = apply_generators(value, {"$.items[*].id": gen("RandomInt"), "$.n": gen("RandomInt")}, ctx())
    assert value == before
    result["items"][0]["tags"].append("changed")
    assert value == before


def test_apply_generators_rejects_a_malformed_path() -> None:
    with pytest.raises(UsageError, match=r"path='\$\.a\[x'"):
        apply_generators({}, {"$.a[x": gen("RandomInt")}, ctx())


# -------------------------------------------------------------------------------- requests and friends


def test_request_path_uses_a_provider_state_expression() -> None:
    request = model.Request(path="/path/1", generators=load_generators(
        {"path": {"type": "ProviderState", "expression": "/path/${id}"}}
    ))  # fmt: skip
    generated = generate_request(request, ctx(mode="provider", provider_state={"id": 1000}))
    assert generated.path == "/path/1000"
    assert request.path == "/path/1"


def test_request_headers_match_names_ignoring_case_and_replace_every_value() -> None:
    request = model.Request(
        headers={"x-test": ("1", "2"), "Other": ("o",)},
        generators=load_generators({"header": {"X-TEST": {"type": "RandomInt", "min": 1, "max": 10}}}),
    )
    generated = generate_request(request, ctx())
    assert all(re.fullmatch(r"\d+", v) for v in generated.headers["x-test"])
    assert len(generated.headers["x-test"]) == 2
    assert generated.headers["Other"] == ("o",)


def test_request_query_values_are_generated_as_text() -> None:
    request = model.Request(
        query={"v1": ("a",), "v2": ("b",)},
        generators=load_generators({"query": {"v1": {"type": "RandomInt", "min": 1, "max": 10}}}),
    )
    generated = generate_request(request, ctx())
    assert re.fullmatch(r"\d+", generated.query["v1"][0])
    assert generated.query["v2"] == ("b",)


def test_generators_for_absent_headers_and_query_parameters_add_them() -> None:
    request = model.Request(
        generators=load_generators({
            "header": {"X-TEST": {"type": "RandomInt", "min": 1, "max": 10}},
            "query": {"v1": {"type": "RandomInt", "min": 1, "max": 10}},
        }),
    )  # fmt: skip
    generated = generate_request(request, ctx())
    assert [re.fullmatch(r"\d+", v) is not None for v in generated.headers["X-TEST"]] == [True]
    assert [re.fullmatch(r"\d+", v) is not None for v in generated.query["v1"]] == [True]


def test_generator_with_nothing_to_give_does_not_add_an_absent_header() -> None:
    request = model.Request(
        generators=load_generators({"header": {"X-ID": {"type": "ProviderState", "expression": "${id}"}}}),
    )
    assert "X-ID" not in generate_request(request, ctx(mode="provider")).headers
    assert generate_request(request, ctx(mode="provider", provider_state={"id": 7})).headers["X-ID"] == ("7",)


def test_request_body_that_is_not_json_is_left_alone() -> None:
    body = model.Body(content="one=a", content_type="text/plain")
    request = model.Request(body=body, generators={"body": {"$.one": gen("RandomInt")}})
    assert generate_request(request, ctx()).body is body


def test_request_without_generators_is_returned_as_is() -> None:
    request = model.Request(path="/x")
    assert generate_request(request, ctx()) is request


def test_response_status_headers_and_body_are_generated() -> None:
    response = model.Response(
        status=200,
        headers={"X-Test": ("a",)},
        body=json_body({"one": "a"}),
        generators=load_generators({
            "status": {"type": "RandomInt", "min": 201, "max": 599},
            "header": {"x-test": {"type": "RandomInt", "min": 1, "max": 10}},
            "body": {"$.one": {"type": "RandomInt", "min": 0, "max": 1000}},
        }),
    )  # fmt: skip
    generated = generate_response(response, ctx())
    assert isinstance(generated.status, int)
    assert 201 <= generated.status <= 599
    assert re.fullmatch(r"\d+", generated.headers["X-Test"][0])
    assert re.fullmatch(r"\d+", generated.body.content["one"])
    assert dataclasses.replace(generated, status=200, headers=response.headers, body=response.body) == response


def test_message_metadata_and_contents_are_generated() -> None:
    message = model.MessageContents(
        contents=json_body({"id": 0, "name": "n"}),
        metadata={"ID": "x", "kept": 1},
        generators={"metadata": {"ID": gen("Uuid")}, "content": {"$.id": gen("RandomInt", min=5, max=5)}},
    )
    generated = generate_message(message, ctx())
    assert uuid.UUID(generated.metadata["ID"])
    assert generated.metadata["kept"] == 1
    assert generated.contents.content == {"id": 5, "name": "n"}
    assert message.contents.content == {"id": 0, "name": "n"}
