"""Comparing bodies of any content type: presence and emptiness, then JSON, XML, text, form or binary."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from polycontract.matching._accept import json_accepts
from polycontract.matching._cache import IdentityCache
from polycontract.matching._content import (
    base_type,
    body_kind,
    decode,
    decode_json_text,
    header_content_type,
    loads_json,
)
from polycontract.matching._http import compare_query
from polycontract.matching._json import compare_json
from polycontract.matching._matchers import _json_equal, check, describe
from polycontract.matching._plan import JsonPlan, compile_plan
from polycontract.matching._select import compile_rules
from polycontract.model import ABSENT, Body, Mismatch, RuleSet

__all__ = ["UNDECODED", "compare_body", "json_body_matches"]


_EMPTY = ("", b"")
#: Prepared expected bodies of model objects, which are compared with many actual bodies.
_PREPARED: IdentityCache[_Expected] = IdentityCache(size=512)
#: What `json_body_matches` is given for an actual body that was not decoded yet.
UNDECODED: Any = object()
_MISSING: Any = object()


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
    cache: bool = False,
) -> Iterator[Mismatch]:
    """Mismatches of ``actual`` against ``expected``; ``lenient`` (responses, messages) allows extra keys.

    With ``cache``, what is derived from the expected side (decoded value, compiled rules and JSON
    plan) is kept for the next comparison with the same ``expected``, ``rules`` and headers
    objects; pass it only for objects that are not changed afterwards (frozen model objects).
    """
    if expected is ABSENT:
        return
    if cache and isinstance(expected, Body):
        owners = (expected, rules, None if expected.content_type or not expected_headers else expected_headers)
        prepared = _PREPARED.get(
            owners, (lenient, path), lambda: _Expected(expected, expected_headers, rules, lenient, path)
        )
    else:
        prepared = _Expected(expected, expected_headers, rules, lenient, path)
    yield from prepared.compare(actual, actual_headers)


class _Expected:
    """The expected side of a body comparison, decoded and compiled once."""

    __slots__ = (
        "_plan",
        "base_type",
        "compared",
        "content",
        "empty",
        "kind",
        "lenient",
        "path",
        "rules",
        "type",
        "value",
    )

    def __init__(
        self,
        expected: Body | Any,
        headers: Mapping[str, tuple[str, ...]],
        rules: Mapping[str, RuleSet] | None,
        lenient: bool,
        path: str,
    ) -> None:
        content = expected.content if isinstance(expected, Body) else expected
        self.content, self.rules, self.lenient, self.path = content, rules or {}, lenient, path
        self.empty = content is None or content in _EMPTY
        self.type = (expected.content_type if isinstance(expected, Body) else None) or header_content_type(headers)
        self.base_type = base_type(self.type)
        self.kind = "" if self.empty else body_kind(self.type, content)
        self.value = None if self.empty else decode(self.kind, content)[0]
        self._plan: JsonPlan | None = None
        self.compared = False

    def compare_json(self, actual: Any) -> list[Mismatch]:
        """Mismatches of an actual JSON value: by the walker the first time, by a compiled plan after that.

        Compiling costs about one walk, so it pays only for expected bodies compared more than once.
        """
        if not self.rules and _same_json(self.value, actual):
            return []  # no rules: JSON-equal values are all the walker or a plan would accept
        plan = self._plan
        if plan is None:
            if not self.compared:
                self.compared = True
                if json_accepts(self.value, actual, self.rules, lenient=self.lenient):
                    return []  # what the walker finds for a value that passes every check
                cursor = compile_rules(self.rules)
                return compare_json(self.value, actual, cursor, path=self.path, allow_extra_keys=self.lenient)
            plan = self._plan = compile_plan(self.value, compile_rules(self.rules), lenient=self.lenient)
        return plan.compare(actual, path=self.path)

    def compare(self, actual: Body | Any, actual_headers: Mapping[str, tuple[str, ...]]) -> list[Mismatch]:
        """Mismatches of one actual body."""
        path, exp_content, is_body = self.path, self.content, isinstance(actual, Body)
        act_content = actual.content if is_body else actual
        act_empty = act_content is ABSENT or act_content is None or act_content in _EMPTY
        if self.empty:
            if not act_empty:
                message = f"Expected an empty body but received {describe(act_content)}"
                return [_mismatch(path, exp_content, act_content, message)]
            return []
        if act_empty:
            return [_mismatch(path, exp_content, None, f"Expected body {describe(exp_content)} but the body was empty")]
        exp_type, kind = self.type, self.kind
        act_type = (actual.content_type if is_body else None) or header_content_type(actual_headers)
        if (
            exp_type
            and act_type
            and act_type != exp_type
            and self.base_type != base_type(act_type)
            and kind != body_kind(act_type or exp_type, act_content)
        ):
            message = f"Expected a body of type {self.base_type!r} but received {base_type(act_type)!r}"
            return [_mismatch(path, exp_type, act_type, message)]
        exp_value = self.value
        act_value, error = decode(kind, act_content)
        if (
            kind == "json"
            and isinstance(act_value, str)
            and isinstance(act_content, bytes | str)
            and (is_body and actual.content_type is not None and isinstance(exp_value, (dict, list)))
        ):
            act_value, error = decode_json_text(act_value)
        if error:
            return [_mismatch(path, exp_value, act_content, error)]
        rules = self.rules
        if kind == "json":
            return self.compare_json(act_value)
        if kind == "xml":
            from polycontract.matching._xml import compare_xml

            return list(compare_xml(exp_value, act_value, rules, path=path, lenient=self.lenient))
        if kind == "form":
            return list(_compare_form(exp_value, act_value, rules, path))
        return list(_compare_plain(exp_value, act_value, rules, path))


def json_body_matches(
    expected: Body,
    actual: Body | Any,
    *,
    expected_headers: Mapping[str, tuple[str, ...]],
    actual_headers: Mapping[str, tuple[str, ...]],
    rules: Mapping[str, RuleSet] | None,
    decoded: Any = UNDECODED,
) -> bool | None:
    """A quick test for the usual strict case of `compare_body`: an expected JSON object or array without
    rules, an actual JSON body of bytes. True only when `compare_body` finds no mismatch; False when the
    values differ (`compare_body` decides and words it); None when this is not that case. ``decoded``: the
    actual bytes as ``json.loads`` gives them, when they were decoded already.

    >>> expected = Body(content={"a": 1}, content_type="application/json")
    >>> json_body_matches(expected, Body(content=b'{"a": 1.0}'), expected_headers={}, actual_headers={}, rules=None)
    True
    """
    exp_value = expected.content
    kind = type(exp_value)
    if rules or (kind is not dict and kind is not list) or type(actual) is not Body:
        return None
    act_content = actual.content
    if type(act_content) is not bytes or not act_content:
        return None  # empty, or text (decoded otherwise): `compare_body` words it
    exp_type = expected.content_type or header_content_type(expected_headers)
    if exp_type != "application/json" and body_kind(exp_type, exp_value) != "json":
        return None
    act_type = actual.content_type or header_content_type(actual_headers)
    if act_type and act_type != exp_type and body_kind(act_type, act_content) != "json":
        return None  # perhaps a content type mismatch
    if decoded is UNDECODED:
        try:
            decoded = loads_json(act_content)
        except ValueError:
            return None
    if type(decoded) is str:
        return None  # perhaps JSON text in a JSON string, which `compare_body` decodes again
    # What `_Expected.compare` finds for a JSON body without rules: no mismatch for JSON-equal values.
    return _same_json(exp_value, decoded)


def _same_json(expected: Any, actual: Any) -> bool:
    """`_json_equal` (JSON equality: ``1 == 1.0``, ``True != 1``) with the usual exact types first."""
    kind = type(expected)
    if kind is str:
        return type(actual) is str and expected == actual
    if kind is dict and type(actual) is dict:
        if len(expected) != len(actual):
            return False
        for key, value in expected.items():
            other = actual.get(key, _MISSING)
            if other is _MISSING:
                return False
            if type(value) is str:  # the usual leaf, without a call
                if type(other) is not str or value != other:
                    return False
            elif not _same_json(value, other):
                return False
        return True
    if kind is list and type(actual) is list:
        if len(expected) != len(actual):
            return False
        return all(_same_json(value, other) for value, other in zip(expected, actual))
    return _json_equal(expected, actual)


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
