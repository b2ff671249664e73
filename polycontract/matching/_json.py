"""Comparing JSON values with matching rules: objects, arrays, cascading type rules, min/max,
values, eachKey/eachValue and arrayContains."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from polycontract._paths import child_path
from polycontract.matching._matchers import TYPE_LIKE, check, check_size, describe, json_type
from polycontract.matching._select import Cursor, Selected, compile_rules
from polycontract.model import Matcher, Mismatch, RuleSet

__all__ = ["compare_json"]

_CONTAINER_RULES = TYPE_LIKE | {"values", "eachKey", "eachValue", "arrayContains", "notEmpty"}


def compare_json(
    expected: Any, actual: Any, cursor: Cursor, *, path: str, allow_extra_keys: bool, kind: str = "body"
) -> list[Mismatch]:
    """All mismatches between two JSON values; ``path`` is the rendered root (``$.body``)."""
    return list(_Walker(kind, allow_extra_keys).compare(expected, actual, path, cursor))


class _Walker:
    __slots__ = ("allow_extra", "kind")

    def __init__(self, kind: str, allow_extra: bool) -> None:
        self.kind = kind
        self.allow_extra = allow_extra

    def mismatch(self, path: str, expected: Any, actual: Any, message: str) -> Mismatch:
        return Mismatch(kind=self.kind, path=path, expected=expected, actual=actual, message=message)

    def compare(self, exp: Any, act: Any, path: str, cur: Cursor) -> Iterator[Mismatch]:
        sel = cur.best
        if sel is not None and not _only_equality(sel.rule_set):
            yield from self.with_rules(exp, act, path, cur, sel)
        else:
            yield from self.plain(exp, act, path, cur)

    # -- without rules -------------------------------------------------------------------------
    def plain(self, exp: Any, act: Any, path: str, cur: Cursor) -> Iterator[Mismatch]:
        if isinstance(exp, dict):
            if not isinstance(act, dict):
                yield self.mismatch(path, exp, act, f"Expected an object {describe(exp)} but received {describe(act)}")
                return
            yield from self.compare_object(exp, act, path, cur, allow_extra=self.allow_extra)
        elif isinstance(exp, list):
            if not isinstance(act, list):
                yield self.mismatch(path, exp, act, f"Expected a list {describe(exp)} but received {describe(act)}")
                return
            if len(exp) != len(act):
                yield self.mismatch(
                    path,
                    exp,
                    act,
                    f"Expected a list of {len(exp)} item(s) but received {len(act)}: {describe(act)}",
                )
            for i, (e, a) in enumerate(zip(exp, act)):
                yield from self.compare(e, a, f"{path}[{i}]", cur.descend(i))
        else:
            failure = check(_EQUALITY, exp, act)
            if failure:
                yield self.mismatch(path, exp, act, failure)

    def compare_object(
        self, exp: dict[str, Any], act: dict[str, Any], path: str, cur: Cursor, *, allow_extra: bool
    ) -> Iterator[Mismatch]:
        for key, e in exp.items():
            child = child_path(path, key)
            if key not in act:
                yield self.mismatch(child, e, None, f"Expected key {key!r} with value {describe(e)} but it was missing")
            else:
                yield from self.compare(e, act[key], child, cur.descend(key))
        if not allow_extra:
            for key in act.keys() - exp.keys():
                yield self.mismatch(
                    child_path(path, key), None, act[key], f"Unexpected key {key!r} with value {describe(act[key])}"
                )

    # -- with rules ----------------------------------------------------------------------------
    def with_rules(self, exp: Any, act: Any, path: str, cur: Cursor, sel: Selected) -> Iterator[Mismatch]:
        rules = sel.rule_set
        if isinstance(act, (dict, list)) and isinstance(exp, (dict, list)):
            yield from self.container(exp, act, path, cur, sel)
            return
        failures: list[str] = []
        for matcher in rules.matchers:
            if sel.cascaded and matcher.match in ("arrayContains", "eachKey", "eachValue", "values"):
                continue
            failure = check(matcher, exp, act)
            if failure is None and rules.combine == "OR":
                return
            if failure:
                failures.append(failure)
        for failure in failures:
            yield self.mismatch(path, exp, act, failure)

    def container(self, exp: Any, act: Any, path: str, cur: Cursor, sel: Selected) -> Iterator[Mismatch]:
        rules = sel.rule_set
        own = [m for m in rules.matchers if not sel.cascaded or m.match in TYPE_LIKE or m.match == "equality"]
        structural = True
        for matcher in own:
            kind = matcher.match
            if kind in TYPE_LIKE:
                if json_type(exp) != json_type(act):
                    yield self.mismatch(path, exp, act, check(matcher, exp, act) or "type mismatch")
                    return
                if not sel.cascaded:
                    failure = check_size(matcher.params, act)
                    if failure:
                        yield self.mismatch(path, exp, act, failure)
            elif kind == "values" and isinstance(act, dict) and isinstance(exp, dict):
                structural = False
                yield from self.values(exp, act, path, cur)
            elif kind in ("eachKey", "eachValue"):
                structural = False
                yield from self.each(matcher, exp, act, path, cur)
            elif kind == "arrayContains" and isinstance(act, list):
                structural = False
                yield from self.array_contains(matcher, exp if isinstance(exp, list) else [], act, path)
            elif kind == "equality":
                yield from self.plain(exp, act, path, cur)
                return
            else:
                failure = check(matcher, exp, act)
                if failure:
                    yield self.mismatch(path, exp, act, failure)
        if not structural:
            return
        if isinstance(exp, dict) and isinstance(act, dict):
            yield from self.compare_object(exp, act, path, cur, allow_extra=True)
        elif isinstance(exp, list) and isinstance(act, list):
            if not exp:
                return
            for i, a in enumerate(act):
                e = exp[i] if i < len(exp) else exp[0]
                yield from self.compare(e, a, f"{path}[{i}]", cur.descend(i))
        else:
            yield self.mismatch(
                path,
                exp,
                act,
                f"Expected {describe(act)} ({json_type(act)}) "
                f"to be the same type as {describe(exp)} ({json_type(exp)})",
            )

    def values(self, exp: dict[str, Any], act: dict[str, Any], path: str, cur: Cursor) -> Iterator[Mismatch]:
        if not exp:
            return
        first = next(iter(exp.values()))
        for key, a in act.items():
            yield from self.compare(exp.get(key, first), a, child_path(path, key), cur.descend(key))

    def each(self, matcher: Matcher, exp: Any, act: Any, path: str, cur: Cursor) -> Iterator[Mismatch]:
        inner = RuleSet(matchers=tuple(_inner_matchers(matcher)))
        if matcher.match == "eachKey":
            if not isinstance(act, dict):
                yield self.mismatch(path, exp, act, f"Expected an object for eachKey but received {describe(act)}")
                return
            for key in act:
                for m in inner.matchers:
                    failure = check(m, key, key)
                    if failure:
                        yield self.mismatch(child_path(path, key), None, key, f"Key {key!r}: {failure}")
            if isinstance(exp, dict):
                yield from self.compare_object(
                    {k: v for k, v in exp.items() if k in act}, act, path, cur, allow_extra=True
                )
            return
        items = act.items() if isinstance(act, dict) else enumerate(act)
        template = matcher.params.get("value", exp)
        if isinstance(template, dict):
            template = next(iter(template.values()), None)
        elif isinstance(template, list):
            template = template[0] if template else None
        for key, a in items:
            child = child_path(path, key)
            for m in inner.matchers:
                failure = check(m, template, a)
                if failure:
                    yield self.mismatch(child, template, a, failure)
            if isinstance(a, (dict, list)) and isinstance(template, (dict, list)):
                yield from self.compare(template, a, child, cur.descend(key))

    def array_contains(self, matcher: Matcher, exp: list[Any], act: list[Any], path: str) -> Iterator[Mismatch]:
        from polycontract.codec.support import Where, parse_rule_category

        example = exp
        for n, variant in enumerate(matcher.params.get("variants", [])):
            index = variant.get("index", n)
            expected_item = (
                example[index]
                if isinstance(example, list) and index < len(example)
                else variant.get("example", variant.get("value"))
            )
            rules = parse_rule_category("body", variant.get("rules") or {}, Where("<arrayContains>"))
            root = compile_rules(rules)
            found = False
            for i, item in enumerate(act):
                probe = _Walker(self.kind, True)
                if expected_item is None and not rules:
                    found = True
                    break
                if not any(True for _ in probe.compare(expected_item, item, f"{path}[{i}]", root)):
                    found = True
                    break
            if not found:
                yield self.mismatch(
                    path,
                    expected_item,
                    act,
                    f"Variant at index {index} ({describe(expected_item)}) was not found in the actual list",
                )


_EQUALITY = Matcher(match="equality")


def _only_equality(rule_set: RuleSet) -> bool:
    return all(m.match == "equality" for m in rule_set.matchers)


def _inner_matchers(matcher: Matcher) -> Iterator[Matcher]:
    for raw in matcher.params.get("rules") or []:
        params = {k: v for k, v in raw.items() if k != "match"}
        kind = raw.get("match") or ("regex" if "regex" in raw else "type")
        yield Matcher(match=kind, params=params)
