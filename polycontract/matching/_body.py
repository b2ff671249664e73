"""Comparing bodies of any content type: presence and emptiness, then JSON, XML, text, form or binary."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from polycontract.matching._content import base_type, body_kind, decode, decode_json_text, header_content_type
from polycontract.matching._http import compare_query
from polycontract.matching._json import compare_json
from polycontract.matching._matchers import check, describe
from polycontract.matching._select import compile_rules
from polycontract.model import ABSENT, Body, Mismatch, RuleSet

__all__ = ["compare_body"]


def _mismatch(path: str, expected: Any, actual: Any, message: str) -> Mismatch:
    return Mismatch(kind="body", path=path, expected=expected, actual=actual, message=message)


def compare_body(
    expected: Body | Any,
    actual: Body | Any,
    *,
    expected_headers: Mapping[str, tuple[str, ...]],
    actual_headers: Mapping[str, tuple[str, ...]],
    rules: Mapping[str, RuleSet] | None,
    lenient: bool,
    path: str = "$.body",
) -> Iterator[Mismatch]:
    """Mismatches of ``actual`` against ``expected``; ``lenient`` (responses, messages) allows extra keys."""
    if expected is ABSENT:
        return
    exp_content = expected.content if isinstance(expected, Body) else expected
    act_present = isinstance(actual, Body) or (actual is not ABSENT)
    act_content = (actual.content if isinstance(actual, Body) else actual) if act_present else ABSENT
    if exp_content is None or exp_content in ("", b""):
        if act_content is ABSENT or act_content is None or act_content in ("", b""):
            return
        yield _mismatch(path, exp_content, act_content, f"Expected an empty body but received {describe(act_content)}")
        return
    if act_content is ABSENT or act_content is None or act_content in ("", b""):
        yield _mismatch(path, exp_content, None, f"Expected body {describe(exp_content)} but the body was empty")
        return
    exp_type = (expected.content_type if isinstance(expected, Body) else None) or header_content_type(expected_headers)
    act_type = (actual.content_type if isinstance(actual, Body) else None) or header_content_type(actual_headers)
    kind = body_kind(exp_type, exp_content)
    act_kind = body_kind(act_type or exp_type, act_content)
    if exp_type and act_type and base_type(exp_type) != base_type(act_type) and kind != act_kind:
        yield _mismatch(
            path,
            exp_type,
            act_type,
            f"Expected a body of type {base_type(exp_type)!r} but received {base_type(act_type)!r}",
        )
        return
    exp_value, _ = decode(kind, exp_content)
    act_value, error = decode(kind, act_content)
    if (
        kind == "json"
        and isinstance(act_value, str)
        and isinstance(act_content, bytes | str)
        and (isinstance(actual, Body) and actual.content_type is not None and isinstance(exp_value, (dict, list)))
    ):
        act_value, error = decode_json_text(act_value)
    if error:
        yield _mismatch(path, exp_value, act_content, error)
        return
    rules = rules or {}
    if kind == "json":
        yield from compare_json(exp_value, act_value, compile_rules(rules), path=path, allow_extra_keys=lenient)
    elif kind == "xml":
        from polycontract.matching._xml import compare_xml

        yield from compare_xml(exp_value, act_value, rules, path=path, lenient=lenient)
    elif kind == "form":
        yield from _compare_form(exp_value, act_value, rules, path)
    else:
        yield from _compare_plain(exp_value, act_value, rules, path)


def _compare_plain(expected: Any, actual: Any, rules: Mapping[str, RuleSet], path: str) -> Iterator[Mismatch]:
    rule_set = rules.get("$")
    if rule_set is not None:
        failures = []
        for matcher in rule_set.matchers:
            failure = check(matcher, expected, actual)
            if failure is None and rule_set.combine == "OR":
                return
            if failure:
                failures.append(failure)
        for failure in failures:
            yield _mismatch(path, expected, actual, failure)
        return
    if expected != actual:
        yield _mismatch(path, expected, actual, f"Expected body {describe(expected)} but received {describe(actual)}")


def _form(text: Any) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(str(text), keep_blank_values=True):
        out.setdefault(key, []).append(value)
    return {k: tuple(v) for k, v in out.items()}


def _compare_form(expected: Any, actual: Any, rules: Mapping[str, RuleSet], path: str) -> Iterator[Mismatch]:
    by_name = {key[2:] if key.startswith("$.") else key: rs for key, rs in rules.items()}
    for m in compare_query(_form(expected), _form(actual), by_name):
        yield Mismatch(
            kind="body",
            path=path + m.path[len("$.query") :],
            expected=m.expected,
            actual=m.actual,
            message=m.message.replace("query parameter", "form field"),
        )
