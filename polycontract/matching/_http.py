"""Comparing the non-body parts: method, path, query, headers, status and message metadata."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from polycontract._paths import child_path
from polycontract.matching._fast import text_passes
from polycontract.matching._matchers import TYPE_LIKE, check, check_size, describe
from polycontract.model import Matcher, Mismatch, ReadOnlyDict, RuleSet

__all__ = ["compare_headers", "compare_metadata", "compare_method", "compare_path", "compare_query", "compare_status"]

_MEDIA_HEADERS = frozenset({"content-type", "accept"})


def _apply(rule_set: RuleSet, expected: Any, actual: Any, *, coerce: bool) -> list[str]:
    failures = []
    for matcher in rule_set.matchers:
        failure = check(matcher, expected, actual, coerce=coerce)
        if failure is None and rule_set.combine == "OR":
            return []
        if failure:
            failures.append(failure)
    return failures


def compare_method(expected: str, actual: str) -> Iterator[Mismatch]:
    """Methods are equal ignoring case."""
    if expected.upper() != actual.upper():
        yield Mismatch(
            kind="method",
            path="$.method",
            expected=expected,
            actual=actual,
            message=f"Expected method {expected.upper()} but received {actual.upper()}",
        )


def _single_value(
    kind: str, expected: Any, actual: Any, rules: Mapping[str, RuleSet] | None, *, coerce: bool, message: str
) -> Iterator[Mismatch]:
    """A single-valued part (path, status): equal unless its one rule set says otherwise."""
    rule_set = (rules or {}).get("")
    if rule_set is not None:
        for failure in _apply(rule_set, expected, actual, coerce=coerce):
            yield Mismatch(kind=kind, path=f"$.{kind}", expected=expected, actual=actual, message=failure)
    elif expected != actual:
        yield Mismatch(kind=kind, path=f"$.{kind}", expected=expected, actual=actual, message=message)


def compare_path(expected: str, actual: str, rules: Mapping[str, RuleSet] | None) -> Iterator[Mismatch]:
    """Paths are equal (case-sensitive) unless a rule says otherwise."""
    return _single_value(
        "path", expected, actual, rules, coerce=True, message=f"Expected path {expected!r} but received {actual!r}"
    )


def compare_status(expected: int, actual: int, rules: Mapping[str, RuleSet] | None) -> Iterator[Mismatch]:
    """Status codes are equal unless a ``statusCode`` rule allows a class of them."""
    return _single_value(
        "status", expected, actual, rules, coerce=False, message=f"Expected status {expected} but received {actual}"
    )


def compare_query(
    expected: Mapping[str, tuple[str, ...]],
    actual: Mapping[str, tuple[str, ...]],
    rules: Mapping[str, RuleSet] | None,
) -> Iterator[Mismatch]:
    """Query parameters as a multimap: every expected name present, no unexpected names, values in order."""
    rules = rules or {}
    for name, exp_values in expected.items():
        act_values = actual.get(name)
        rule_set = rules.get(name)
        if act_values is not None and (
            exp_values == act_values
            if rule_set is None
            else all(type(value) is str and text_passes(rule_set, value) for value in act_values)
        ):
            continue  # equal values, or values each matcher certainly accepts: nothing to report
        path = child_path("$.query", name)
        if act_values is None:
            yield Mismatch(
                kind="query",
                path=path,
                expected=list(exp_values),
                actual=None,
                message=f"Expected query parameter {name!r} with value(s) {list(exp_values)} but it was missing",
            )
            continue
        if rule_set is None:
            if list(exp_values) != list(act_values):
                yield Mismatch(
                    kind="query",
                    path=path,
                    expected=list(exp_values),
                    actual=list(act_values),
                    message=f"Expected query parameter {name!r} to be {list(exp_values)} "
                    f"but received {list(act_values)}",
                )
            continue
        yield from _values_with_rules("query", path, rule_set, exp_values, act_values)
    for name in actual.keys() - expected.keys():
        yield Mismatch(
            kind="query",
            path=child_path("$.query", name),
            expected=None,
            actual=list(actual[name]),
            message=f"Unexpected query parameter {name!r} with value(s) {list(actual[name])}",
        )


def _values_with_rules(
    kind: str,
    path: str,
    rule_set: RuleSet,
    exp_values: tuple[str, ...],
    act_values: tuple[str, ...],
    *,
    split: bool = False,
) -> Iterator[Mismatch]:
    type_like = [m for m in rule_set.matchers if m.match in TYPE_LIKE]
    for m in type_like:
        failure = check_size(m.params, list(act_values))
        if failure:
            yield Mismatch(kind=kind, path=path, expected=list(exp_values), actual=list(act_values), message=failure)
    # A value rule (regex, number...) judges each repeated value; only equality (or one header value
    # split at its commas) also asks for as many values (the compatibility suite's V2/http_consumer
    # "repeated request query parameters / headers" scenarios).
    counted = split or all(m.match == "equality" for m in rule_set.matchers)
    if not type_like and counted and len(exp_values) != len(act_values):
        yield Mismatch(
            kind=kind,
            path=path,
            expected=list(exp_values),
            actual=list(act_values),
            message=f"Expected {len(exp_values)} value(s) {list(exp_values)} but received {list(act_values)}",
        )
    for i, value in enumerate(act_values):
        exp = exp_values[i] if i < len(exp_values) else (exp_values[0] if exp_values else None)
        for failure in _apply(rule_set, exp, value, coerce=True):
            yield Mismatch(kind=kind, path=path, expected=exp, actual=value, message=failure)


def _quick(rule_set: RuleSet, values: tuple[str, ...]) -> bool:
    """True only for one value without a comma that each matcher (any, for ``OR``) certainly accepts."""
    return len(values) == 1 and "," not in values[0] and text_passes(rule_set, values[0])


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(","))
    return out


def _by_lower_name(items: Mapping[str, Any]) -> dict[str, Any]:
    """Values by lower-cased name; of names equal ignoring case, the first one's."""
    if type(items) is dict or isinstance(items, ReadOnlyDict):  # the first one written last
        return dict(zip(map(str.lower, reversed(items)), reversed(items.values())))
    out: dict[str, Any] = {}
    for key, value in items.items():
        out.setdefault(key.lower(), value)
    return out


def compare_headers(
    expected: Mapping[str, tuple[str, ...]],
    actual: Mapping[str, tuple[str, ...]],
    rules: Mapping[str, RuleSet] | None,
    *,
    media_types: bool,
) -> Iterator[Mismatch]:
    """Every expected header present (names ignore case); extra actual headers are fine."""
    rules = rules or {}
    found = _by_lower_name(actual)
    lower_rules: dict[str, RuleSet] | None = None
    for name, exp_values in expected.items():
        lower = name.lower()
        act_values = found.get(lower)
        rule_set = rules.get(name) if rules else None
        if rule_set is None and rules:  # a rule named in another case
            if lower_rules is None:
                lower_rules = _by_lower_name(rules)
            rule_set = lower_rules.get(lower)
        if act_values is not None and (
            (rule_set is None and act_values == exp_values) or (rule_set is not None and _quick(rule_set, act_values))
        ):
            continue  # equal values, or one value every matcher certainly accepts: nothing to report
        path = child_path("$.headers", name)
        if act_values is None:
            yield Mismatch(
                kind="header",
                path=path,
                expected=", ".join(exp_values),
                actual=None,
                message=f"Expected header {name!r} with value {', '.join(exp_values)!r} but it was missing",
            )
            continue
        if rule_set is not None:
            exp_list = tuple(exp_values) if len(exp_values) > 1 else (", ".join(exp_values),)
            act_list = tuple(act_values) if len(act_values) > 1 else (", ".join(act_values),)
            split = len(exp_list) == 1 and len(act_list) == 1 and "," in act_list[0] and "," not in exp_list[0]
            if split:
                act_list = tuple(_split(act_list))
            yield from _values_with_rules("header", path, rule_set, exp_list, act_list, split=split)
            continue
        exp_text, act_text = ", ".join(exp_values), ", ".join(act_values)
        if media_types and name.lower() in _MEDIA_HEADERS and _media_equal(exp_text, act_text) is not None:
            if not _media_equal(exp_text, act_text):
                yield Mismatch(
                    kind="header",
                    path=path,
                    expected=exp_text,
                    actual=act_text,
                    message=f"Expected header {name!r} to have media type {exp_text!r} but received {act_text!r}",
                )
            continue
        if _split(exp_values) != _split(act_values):
            yield Mismatch(
                kind="header",
                path=path,
                expected=exp_text,
                actual=act_text,
                message=f"Expected header {name!r} to have value {exp_text!r} but received {act_text!r}",
            )


def _parse_media(text: str) -> tuple[str, dict[str, str]] | None:
    parts = [p.strip() for p in text.replace("\n", " ").split(";")]
    main = parts[0].lower()
    if "/" not in main or " " in main:
        return None
    params: dict[str, str] = {}
    for part in parts[1:]:
        if not part:
            continue
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return main, params


@lru_cache(maxsize=1024)  # the same few Content-Type and Accept values, request after request
def _media_equal(expected: str, actual: str) -> bool | None:
    """True/False when both sides are media type lists, None when either is not one."""
    exp_items = [e for e in (x.strip() for x in _top_split(expected)) if e]
    act_items = [a for a in (x.strip() for x in _top_split(actual)) if a]
    parsed_exp = [_parse_media(e) for e in exp_items]
    parsed_act = [_parse_media(a) for a in act_items]
    if not parsed_exp or any(p is None for p in parsed_exp) or any(p is None for p in parsed_act):
        return None
    if len(parsed_exp) != len(parsed_act):
        return False
    for e, a in zip(parsed_exp, parsed_act):
        assert e is not None and a is not None
        if e[0] != a[0]:
            return False
        for key, value in e[1].items():
            other = a[1].get(key)
            if other is None:
                return False
            if (value.lower() != other.lower()) if key == "charset" else (value != other):
                return False
    return True


def _top_split(text: str) -> list[str]:
    return text.split(",")


def compare_metadata(
    expected: Mapping[str, Any], actual: Mapping[str, Any], rules: Mapping[str, RuleSet] | None
) -> Iterator[Mismatch]:
    """Message metadata: every expected key present with an equal (or rule-matching) value."""
    rules = rules or {}
    for key, exp in expected.items():
        path = child_path("$.metadata", key)
        if key not in actual:
            yield Mismatch(
                kind="metadata",
                path=path,
                expected=exp,
                actual=None,
                message=f"Expected metadata {key!r} with value {describe(exp)} but it was missing",
            )
            continue
        act = actual[key]
        rule_set = rules.get(key)
        if rule_set is not None:
            for failure in _apply(rule_set, exp, act, coerce=True):
                yield Mismatch(kind="metadata", path=path, expected=exp, actual=act, message=failure)
        elif key.lower() in ("contenttype", "content-type") and isinstance(exp, str) and isinstance(act, str):
            if not _media_equal(exp, act):
                yield Mismatch(
                    kind="metadata",
                    path=path,
                    expected=exp,
                    actual=act,
                    message=f"Expected metadata {key!r} to be {exp!r} but received {act!r}",
                )
        elif check(Matcher(match="equality"), exp, act):
            yield Mismatch(
                kind="metadata",
                path=path,
                expected=exp,
                actual=act,
                message=f"Expected metadata {key!r} to be {describe(exp)} but received {describe(act)}",
            )
