"""The quick JSON body test and the quick JSON decoding agree with `compare_body` and ``json.loads``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract.matching import compare_request
from polycontract.matching._body import compare_body, json_body_matches
from polycontract.matching._content import loads_json
from polycontract.matching._quick import request_matches
from polycontract.model import Body, Matcher, Request, RuleSet

_scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([1.0, 0.5, -0.0]) | st.text(max_size=3)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=8,
)
_containers = st.lists(_json, max_size=3) | st.dictionaries(st.text(max_size=2), _json, max_size=3)
_types = st.sampled_from([None, "application/json", "application/json; charset=utf-8", "text/plain", "application/xml"])


def _compare(expected: Body, actual: Body, headers: dict[str, tuple[str, ...]]) -> list[Any]:
    return list(
        compare_body(
            expected, actual, expected_headers={}, actual_headers=headers, rules=None, lenient=False, cache=True
        )
    )


@settings(max_examples=400, deadline=None)
@given(expected=_containers, actual=_json | _containers, exp_type=_types, act_type=_types, same=st.booleans())
def test_the_quick_json_body_test_agrees_with_compare_body(
    expected: Any, actual: Any, exp_type: str | None, act_type: str | None, same: bool
) -> None:
    if same:
        actual = expected
    exp_body = Body(content=expected, content_type=exp_type or "application/json")
    act_body = Body(content=json.dumps(actual).encode(), content_type=act_type)
    headers = {"Content-Type": (act_type,)} if act_type else {}
    quick = json_body_matches(exp_body, act_body, expected_headers={}, actual_headers=headers, rules=None)
    if quick:
        assert _compare(exp_body, act_body, headers) == []
    if same and act_type in (None, "application/json") and exp_type in (None, "application/json"):
        assert quick  # the usual body takes the quick way
    again = json_body_matches(
        exp_body,
        act_body,
        expected_headers={},
        actual_headers=headers,
        rules=None,
        decoded=json.loads(act_body.content),
    )
    assert again is quick


@pytest.mark.parametrize(
    "content",
    [b"", b"[1", b"\xef\xbb\xbf{}", b' {"a": 1} ', b'{"a": 1}x', "{}".encode("utf-16"), b"\xff", b'"text"', b"{}"],
)
def test_awkward_bodies_are_left_to_compare_body_or_decoded_as_json_loads_does(content: bytes) -> None:
    expected = Body(content={}, content_type="application/json")
    actual = Body(content=content, content_type="application/json")
    quick = json_body_matches(expected, actual, expected_headers={}, actual_headers={}, rules=None)
    if quick:
        assert _compare(expected, actual, {}) == []


def test_json_text_in_a_json_string_is_left_to_compare_body() -> None:
    expected = Body(content={"a": 1}, content_type="application/json")
    actual = Body(content=json.dumps('{"a": 1}').encode(), content_type="application/json")
    assert json_body_matches(expected, actual, expected_headers={}, actual_headers={}, rules=None) is None
    assert _compare(expected, actual, {}) == []


def test_rules_and_text_bodies_are_not_for_the_quick_test() -> None:
    rules = {"$.a": RuleSet(matchers=(Matcher(match="type"),))}
    expected = Body(content={"a": 1}, content_type="application/json")
    actual = Body(content=b'{"a": 1}', content_type="application/json")
    assert json_body_matches(expected, actual, expected_headers={}, actual_headers={}, rules=rules) is None
    text = Body(content='{"a": 1}', content_type="application/json")
    assert json_body_matches(expected, text, expected_headers={}, actual_headers={}, rules=None) is None
    assert json_body_matches(Body(content="x"), actual, expected_headers={}, actual_headers={}, rules=None) is None


@settings(max_examples=300, deadline=None)
@given(value=_json, pad=st.sampled_from(["", " ", "\n"]), encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_loads_json_is_json_loads(value: Any, pad: str, encoding: str) -> None:
    data = (pad + json.dumps(value, ensure_ascii=False) + pad).encode(encoding)
    assert loads_json(data) == json.loads(data)


@pytest.mark.parametrize("data", [b"{", b"[1,]", b"{} {}", b"\xff{", b"{\xff}", b"\x00"])
def test_loads_json_raises_as_json_loads_does(data: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(data)
    with pytest.raises(ValueError):
        loads_json(data)


_EXPECTED = Request(
    method="POST",
    path="/users",
    headers={"Authorization": ("Bearer abc",)},
    body=Body(content={"name": "Ann", "tags": ["a", 1, 2.5, None, True]}, content_type="application/json"),
    matching_rules={
        "header": {"Authorization": RuleSet(matchers=(Matcher(match="regex", params={"regex": r"Bearer \w+"}),))}
    },
)


@settings(max_examples=300, deadline=None)
@given(
    body=st.sampled_from(
        [
            {"name": "Ann", "tags": ["a", 1, 2.5, None, True]},
            {"name": "Ann", "tags": ["a", 1.0, 2.5, None, True]},
            {"tags": ["a", 1, 2.5, None, True], "name": "Ann"},
            {"name": "Ann", "tags": ["a", True, 2.5, None, True]},
            {"name": "Ann", "tags": ["a", 1, 2.5, None]},
            {"name": "Ann", "tags": ["a", 1, 2.5, None, True], "x": 1},
            {"name": "Bob", "tags": ["a", 1, 2.5, None, True]},
            ["name", "Ann"],
            "Ann",
        ]
    ),
    header_name=st.sampled_from(["Authorization", "authorization", "AUTHORIZATION", "X-Authorization"]),
    header_value=st.sampled_from(["Bearer xyz", "Basic xyz", "Bearer a, Bearer b"]),
    content_type=st.sampled_from(["application/json", "application/vnd.api+json", "text/plain", None]),
    pass_decoded=st.booleans(),
)
def test_request_matches_with_a_json_body_agrees_with_compare_request(
    body: Any, header_name: str, header_value: str, content_type: str | None, pass_decoded: bool
) -> None:
    data = json.dumps(body).encode()
    headers = {header_name: (header_value,), **({"Content-Type": (content_type,)} if content_type else {})}
    actual = Request(method="POST", path="/users", headers=headers, body=Body(content=data, content_type=content_type))
    extra = {"decoded": json.loads(data)} if pass_decoded else {}
    quick = request_matches(_EXPECTED, actual, spec="V4", **extra)
    if quick:
        assert compare_request(_EXPECTED, actual, spec="V4") == []
    if compare_request(_EXPECTED, actual, spec="V4") == [] and content_type != "text/plain":
        assert quick  # the usual requests do take the quick way


def test_header_names_are_found_ignoring_case_the_first_one_first() -> None:
    expected = Request(path="/", headers={"Accept": ("application/json",)})
    first_wrong = Request(path="/", headers={"ACCEPT": ("text/plain",), "Accept": ("application/json",)})
    assert not request_matches(expected, first_wrong, spec="V4")
    assert compare_request(expected, first_wrong, spec="V4") != []
    first_right = Request(path="/", headers={"accept": ("application/json",), "Accept": ("text/plain",)})
    assert request_matches(expected, first_right, spec="V4")
    assert compare_request(expected, first_right, spec="V4") == []
    kelvin = Request(path="/k", headers={"\u212a": ("1",)})  # KELVIN SIGN lowers to "k"
    assert request_matches(Request(path="/k", headers={"k": ("1",)}), kelvin, spec="V4")
    assert compare_request(Request(path="/k", headers={"k": ("1",)}), kelvin, spec="V4") == []
