"""A quick acceptance test for requests, for the mock provider's hot path.

`request_matches` says True only for actual requests `compare_request` certainly finds no mismatch
in; False means "ask `compare_request`", which then decides and words every mismatch. So it can only
make matching faster, never different. It prepares and keeps nothing: a mock provider usually sees
each interaction once, so anything prepared would be built for one use and then kept.

It covers what consumers send: exact paths, query values equal or passing regex-like rules, headers
equal (comma lists item by item) or passing such rules, and bodies (JSON ones without rules by
`json_body_matches`, which can reuse the caller's decoding; others through the cached comparison of
`compare_body`, the one `compare_request` runs).

>>> from polycontract.model import Request
>>> expected = Request(method="GET", path="/users", query={"page": ("1",)})
>>> request_matches(expected, Request(method="get", path="/users", query={"page": ("1",)}), spec="V4")
True
>>> request_matches(expected, Request(method="GET", path="/users", query={"page": ("2",)}), spec="V4")
False
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from polycontract.matching._body import UNDECODED, compare_body, json_body_matches
from polycontract.matching._fast import text_passes
from polycontract.model import ABSENT, Body, Request, RuleSet

__all__ = ["headers_match", "query_matches", "request_matches"]


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(","))
    return out


def _rule_for(rules: Mapping[str, RuleSet], name: str) -> RuleSet | None:
    found = rules.get(name)
    if found is not None or not rules:
        return found
    lower = name.lower()
    return next((rs for key, rs in rules.items() if key.lower() == lower), None)


def _find(headers: Mapping[str, tuple[str, ...]], name: str) -> tuple[str, ...] | None:
    """The values of the first header named ``name`` ignoring case, as `compare_headers` finds them."""
    lower = name.lower()
    if name.isascii():
        # A name whose lower case is ASCII has as many characters as its own: no character lowers to
        # several ASCII ones. So names of another length are skipped without lowering them.
        size = len(name)
        for key, values in headers.items():
            if len(key) == size and key.lower() == lower:
                return values
        return None
    for key, values in headers.items():
        if key.lower() == lower:
            return values
    return None


def query_matches(expected: Mapping[str, Any], actual: Mapping[str, Any], rules: Mapping[str, RuleSet]) -> bool:
    if len(actual) != len(expected):
        return False
    for name, exp_values in expected.items():
        act_values = actual.get(name)
        if act_values is None:
            return False
        rule_set = rules.get(name) if rules else None
        if rule_set is None:
            if act_values != exp_values and tuple(act_values) != tuple(exp_values):
                return False
        elif len(act_values) != len(exp_values) and all(m.match == "equality" for m in rule_set.matchers):
            return False
        else:
            for value in act_values:
                if type(value) is not str or not text_passes(rule_set, value):
                    return False
    return True


def headers_match(
    expected: Mapping[str, tuple[str, ...]], actual: Mapping[str, tuple[str, ...]], rules: Mapping[str, RuleSet]
) -> bool:
    for name, exp_values in expected.items():
        act_values = _find(actual, name)
        if act_values is None:
            return False
        rule_set = _rule_for(rules, name) if rules else None
        if rule_set is None:
            # Equal values are equal item by item, and the same media types.
            if act_values != exp_values and _split(act_values) != _split(exp_values):
                return False
        elif (
            len(exp_values) != 1
            or len(act_values) != 1
            or "," in exp_values[0]
            or "," in act_values[0]
            or not text_passes(rule_set, act_values[0])
        ):
            return False
    return True


def request_matches(expected: Request, actual: Request, *, spec: str, decoded: Any = UNDECODED) -> bool:
    """True only when `compare_request` certainly finds no mismatch; False: ask it.

    ``expected`` is a frozen model object (its body's comparison is cached); ``spec`` is normalised.
    ``decoded``: the actual body's bytes as ``json.loads`` gives them, when the caller decoded them already.
    """
    if actual.path != expected.path:
        return False
    if actual.method != expected.method and actual.method.upper() != expected.method.upper():
        return False
    rules = expected.matching_rules
    if spec == "V1" or rules.get("path"):
        return False  # V1 compares raw query strings; a path rule needs `compare_path`
    if (expected.query or actual.query) and not query_matches(expected.query, actual.query, rules.get("query") or {}):
        return False
    if expected.headers and not headers_match(expected.headers, actual.headers, rules.get("header") or {}):
        return False
    body = expected.body
    if body is ABSENT:
        return True
    if type(body) is Body:
        quick = json_body_matches(
            body,
            actual.body,
            expected_headers=expected.headers,
            actual_headers=actual.headers,
            rules=rules.get("body"),
            decoded=decoded,
        )
        if quick is not None:
            return quick
    found: Any = compare_body(
        body,
        actual.body,
        expected_headers=expected.headers,
        actual_headers=actual.headers,
        rules=rules.get("body"),
        lenient=False,
        cache=True,
    )
    return next(found, None) is None
