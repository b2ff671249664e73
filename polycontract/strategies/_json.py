"""JSON values within a body's matching rules: `from_rules` (example + rules by path) and `from_matchers` (DSL).

`from_rules` walks the example once and, at each place, applies the rule set the Pact weights select
there (`polycontract.strategies._select`), as the matching engine reads it:

- no rule, or ``equality``: the example's own shape (same keys, same array length) and values;
- a ``type`` rule (also cascaded from an ancestor): any value of the same JSON type; an array any length
  (within ``min``/``max`` where the rule is declared), each item like the example's item at that index, or
  its first; an object keeps the example's keys;
- ``values``, ``eachKey``, ``eachValue``: maps with other keys, each value like the example's;
- ``arrayContains``: the variants, each within its own rules, in any order;
- scalar matchers (``regex``, ``integer``, dates, ...): see `polycontract.strategies._scalars`;
  ``AND`` draws from the most specific matcher and keeps what the others accept, ``OR`` from any of them.

Every place offers the example first, so the example is the simplest value and failures shrink toward
it; lengths shrink toward the example's length. The engine judges every value before it is given
(`polycontract.strategies._judge`): rules these builders get wrong are refused, never passed on.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from polycontract._paths import render_path
from polycontract.codec.support import Where, parse_rule_category
from polycontract.errors import PactFormatError, UsageError
from polycontract.match import compile as compile_matchers
from polycontract.model import Matcher, RuleSet
from polycontract.strategies._judge import BodyJudge, ValueJudge
from polycontract.strategies._scalars import TYPE_LIKE, for_matcher, unsupported
from polycontract.strategies._select import Key, RuleIndex

__all__ = ["JsonBuilder", "build", "fixed_dict", "from_matchers", "from_rules"]

Strategy = st.SearchStrategy[Any]

#: How many items past the example's length (or the declared minimum) a free-length array may get.
EXTRA_ITEMS = 4
#: Rules that only mean something on a container; cascaded to a scalar they judge nothing.
_CONTAINER_ONLY = frozenset({"arrayContains", "eachKey", "eachValue", "values"})
#: Which matcher of an ``AND`` set values are drawn from (the most specific first); the rest filter.
_PRIORITY = ("equality", "null", "boolean", "statusCode", "date", "time", "datetime", "timestamp", "regex",
             "semver", "integer", "decimal", "real", "number", "include", "contentType", "notEmpty")  # fmt: skip


def from_rules(example: Any, rules: Mapping[str, RuleSet] | None = None) -> Strategy:
    """JSON values that match ``example`` under body ``rules`` (path -> `RuleSet`, paths rooted at ``$``).

    What a pact holds for a body: its example and ``matchingRules["body"]``. The example itself is the
    simplest value drawn. Raises `UsageError` naming the path and rule it cannot generate for.

    >>> from hypothesis import find
    >>> from polycontract.model import Matcher, RuleSet
    >>> rules = {"$.id": RuleSet(matchers=(Matcher(match="integer"),))}
    >>> find(from_rules({"id": 1, "name": "Ann"}, rules), lambda v: v["id"] > 9)
    {'id': 10, 'name': 'Ann'}
    """
    strategy = build(example, rules)
    return strategy.filter(BodyJudge(example, rules)) if rules else strategy


def build(example: Any, rules: Mapping[str, RuleSet] | None) -> Strategy:
    """What `from_rules` draws from before the engine judges it (the proof tests draw from this directly).

    A body of ``""`` or ``null`` reads as an empty body, so the root is never drawn empty unless its example is.
    """
    if example is None:
        return st.just(None)  # a null body is an empty body: nothing else matches it
    builder = JsonBuilder(rules)
    builder.example_first = not rules or BodyJudge(example, rules)(example)
    strategy = builder.node(example, ())
    if isinstance(example, str) and example:
        return strategy.filter(lambda value: value != "" and value is not None)
    return strategy


def from_matchers(value: Any) -> Strategy:
    """JSON values satisfying a template of plain values and `polycontract.match` matchers.

    Plain values mean themselves; each matcher allows what its rule allows. The template's example is
    the simplest value drawn.

    >>> from hypothesis import find
    >>> from polycontract import match
    >>> find(from_matchers({"ids": match.each_like(match.integer(3))}), lambda v: len(v["ids"]) > 2)
    {'ids': [3, 3, 3]}
    """
    compiled = compile_matchers(value)
    return from_rules(compiled.example, compiled.rules)


class JsonBuilder:
    """Builds the strategy of each place of one example under one category's rules."""

    __slots__ = ("example_first", "index", "ruled")

    def __init__(self, rules: Mapping[str, RuleSet] | None) -> None:
        self.index = RuleIndex(rules)
        self.ruled = bool(self.index)
        #: Whether the whole example matches its rules, so each part's example may be offered first.
        self.example_first = False

    def first(self, example: Any, drawn: Strategy) -> Strategy:
        """``drawn`` with the example (a fresh copy each time) as its simplest value, when the example matches."""
        if not self.example_first:
            return drawn
        return st.one_of(st.builds(copy.deepcopy, st.just(example)), drawn)

    def node(self, example: Any, keys: tuple[Key, ...]) -> Strategy:
        """Values for the place ``keys`` whose example is ``example``, under the rule selected there."""
        selected = self.index.select(keys) if self.ruled else None
        if selected is None or all(m.match == "equality" for m in selected.rule_set.matchers):
            return self.plain(example, keys)
        return self.ruled_node(example, keys, selected.rule_set, cascaded=selected.cascaded)

    def ruled_node(self, example: Any, keys: tuple[Key, ...], rule_set: RuleSet, *, cascaded: bool) -> Strategy:
        """Values for a place governed by ``rule_set`` (declared there, or ``cascaded`` from an ancestor)."""
        if isinstance(example, (dict, list)):
            return self.container(example, keys, rule_set, cascaded=cascaded)
        matchers = [m for m in rule_set.matchers if not (cascaded and m.match in _CONTAINER_ONLY)]
        if not matchers:
            return st.just(example)
        where = render_path(keys)
        if rule_set.combine == "OR":
            options = [for_matcher(m, example, where) for m in matchers]
            return _example_first(example, st.one_of(options), ValueJudge(example, rule_set))
        _check_kinds(matchers, example, where)
        base = min(matchers, key=_rank)
        drawn = for_matcher(base, example, where)
        judge = ValueJudge(example, RuleSet(matchers=tuple(matchers)))
        if len(matchers) > 1:
            drawn = drawn.filter(judge)
        return _example_first(example, drawn, judge)

    def plain(self, example: Any, keys: tuple[Key, ...]) -> Strategy:
        """The example's shape: every key, every item, each at its own place (its rules may vary it)."""
        if isinstance(example, dict):
            return fixed_dict({k: self.node(v, (*keys, k)) for k, v in example.items()})
        if isinstance(example, list):
            return st.tuples(*[self.node(v, (*keys, i)) for i, v in enumerate(example)]).map(list)
        return st.just(example)

    def container(self, example: Any, keys: tuple[Key, ...], rule_set: RuleSet, *, cascaded: bool) -> Strategy:
        """An object or array under rules: the engine's structural reading, and the map and array rules."""
        own = [m for m in rule_set.matchers if not cascaded or m.match in TYPE_LIKE or m.match == "equality"]
        kinds = {m.match for m in own}
        if "equality" in kinds:
            return self.plain(example, keys)
        low, high = _size(own, cascaded)
        if "notEmpty" in kinds:
            low = max(low, 1)
        if isinstance(example, list):
            contains = next((m for m in own if m.match == "arrayContains"), None)
            if contains is not None:
                return self.array_contains(example, keys, contains)
            each = next((m for m in own if m.match == "eachValue"), None)
            free = bool(kinds & TYPE_LIKE) or each is not None or "notEmpty" in kinds
            return self.array(example, keys, low, high, free=free, each=each)
        if kinds & {"values", "eachKey", "eachValue"}:
            return self.mapping(example, keys, own, low, high)
        return self.plain(example, keys)

    def array(
        self, example: list[Any], keys: tuple[Key, ...], low: int, high: int | None, *, free: bool, each: Matcher | None
    ) -> Strategy:
        """Arrays shrinking toward the example's length; item ``i`` like ``example[i]``, else ``example[0]``."""
        if not example or not free:
            return self.plain(example, keys)
        length = len(example)
        lengths = _lengths_toward(length, low, high)
        template = example[0]
        if each is not None:
            template = _each_template(each, example)
            inner = RuleSet(matchers=tuple(_inner(each)))
        cache: dict[int, Strategy] = {}

        def item(i: int) -> Strategy:
            found = cache.get(i)
            if found is None:
                if each is not None:
                    found = self.ruled_node(template, (*keys, i), inner, cascaded=False)
                else:
                    found = self.node(example[i] if i < length else template, (*keys, i))
                cache[i] = found
            return found

        @st.composite
        def arrays(draw: st.DrawFn) -> list[Any]:
            return [draw(item(i)) for i in range(draw(lengths))]

        return self.first(example, arrays())

    def mapping(
        self, example: dict[str, Any], keys: tuple[Key, ...], own: list[Matcher], low: int, high: int | None
    ) -> Strategy:
        """Objects whose keys vary (``values``, ``eachKey``, ``eachValue``), each value like the example's."""
        if not example:
            return st.just(example)
        first = next(iter(example.values()))
        each_key = next((m for m in own if m.match == "eachKey"), None)
        each_value = next((m for m in own if m.match == "eachValue"), None)
        where = render_path(keys)
        if each_key is not None:
            key_rules = RuleSet(matchers=tuple(_inner(each_key)))
            sample_key = next(iter(example))
            names = st.one_of([for_matcher(m, sample_key, where, text=True) for m in key_rules.matchers])
            names = names.filter(ValueJudge(sample_key, key_rules))
        else:
            names = st.text()
        template = _each_template(each_value, example) if each_value is not None else first
        inner = RuleSet(matchers=tuple(_inner(each_value))) if each_value is not None else None

        def value_for(key: str) -> Strategy:
            if inner is not None:
                return self.ruled_node(template, (*keys, key), inner, cascaded=False)
            return self.node(example.get(key, first), (*keys, key))

        cap = max(len(example), low) + EXTRA_ITEMS if high is None else high
        key_lists = st.lists(names, unique=True, min_size=low, max_size=max(cap, low))

        @st.composite
        def maps(draw: st.DrawFn) -> dict[str, Any]:
            return {key: draw(value_for(key)) for key in draw(key_lists)}

        return self.first(example, maps())

    def array_contains(self, example: list[Any], keys: tuple[Key, ...], matcher: Matcher) -> Strategy:
        """Each variant (the example's item at its index, within its own rules) somewhere in the array."""
        items: list[Strategy] = []
        for n, variant in enumerate(matcher.params.get("variants") or []):
            index = variant.get("index", n) if isinstance(variant, Mapping) else n
            if not isinstance(index, int) or not 0 <= index < len(example):
                raise unsupported(render_path(keys), matcher, f"variant index={index!r} is not an item of the example")
            try:
                rules = parse_rule_category("body", variant.get("rules") or {}, Where("<arrayContains>"))
            except PactFormatError as exc:
                raise unsupported(render_path(keys), matcher, f"its variant rules do not parse ({exc})") from None
            variant_builder = JsonBuilder(rules)
            variant_builder.example_first = self.example_first
            items.append(variant_builder.node(example[index], ()))
        if not items:
            return st.just(example)
        return self.first(example, st.tuples(*items).flatmap(lambda found: st.permutations(list(found))))


#: The JSON types each scalar matcher accepts in a body (a regex or include reads numbers and booleans as text).
_ACCEPTS: dict[str, frozenset[str]] = {
    "null": frozenset({"null"}),
    "boolean": frozenset({"boolean"}),
    "integer": frozenset({"number"}),
    "decimal": frozenset({"number"}),
    "real": frozenset({"number"}),
    "number": frozenset({"number"}),
    "statusCode": frozenset({"number"}),
    "regex": frozenset({"string", "number", "boolean"}),
    "include": frozenset({"string", "number", "boolean"}),
    "semver": frozenset({"string"}),
    "date": frozenset({"string"}),
    "time": frozenset({"string"}),
    "datetime": frozenset({"string"}),
    "timestamp": frozenset({"string"}),
}


def _check_kinds(matchers: list[Matcher], example: Any, where: str) -> None:
    """Refuse an ``AND`` of matchers that accept no JSON type in common (``integer`` and ``null``, say)."""
    common = {"null", "boolean", "number", "string"}
    for matcher in matchers:
        accepts = _ACCEPTS.get(matcher.match)
        if accepts is None and matcher.match in TYPE_LIKE | {"equality", "notEmpty"}:
            accepts = frozenset({_json_type(example)})
        if accepts is not None:
            common &= accepts
            if not common:
                raise unsupported(where, matcher, f"no value also satisfies {[m.to_json() for m in matchers]}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else "container"


def _rank(matcher: Matcher) -> int:
    kind = matcher.match
    return _PRIORITY.index(kind) if kind in _PRIORITY else len(_PRIORITY)


def _example_first(example: Any, drawn: Strategy, judge: ValueJudge) -> Strategy:
    """``drawn``, with the example as its simplest value when the rules accept the example."""
    return st.one_of(st.just(example), drawn) if judge(example) else drawn


def _size(own: list[Matcher], cascaded: bool) -> tuple[int, int | None]:
    """The ``min``/``max`` of the type rules declared at a place (a cascaded rule's bounds do not apply)."""
    low, high = 0, None
    if cascaded:
        return low, high
    for m in own:
        if m.match in TYPE_LIKE:
            value = m.params.get("min")
            if isinstance(value, int) and not isinstance(value, bool):
                low = max(low, value)
            value = m.params.get("max")
            if isinstance(value, int) and not isinstance(value, bool):
                high = value if high is None else min(high, value)
    if high is not None and high < low:
        raise UsageError(f"strategies: min={low} is greater than max={high}: no array can match")
    return low, high


def _lengths_toward(length: int, low: int, high: int | None) -> Strategy:
    """Lengths in ``[low, high]``, ordered by distance from ``length`` (so they shrink toward it)."""
    top = high if high is not None else max(length, low) + EXTRA_ITEMS
    start = min(max(length, low), top)
    ordered = sorted(range(low, top + 1), key=lambda n: (abs(n - start), n < start))
    return st.sampled_from(ordered)


def _inner(matcher: Matcher) -> list[Matcher]:
    """The rules an ``eachKey``/``eachValue`` matcher applies to every key or value."""
    out = []
    for raw in matcher.params.get("rules") or []:
        if isinstance(raw, Mapping):
            params = {k: v for k, v in raw.items() if k != "match"}
            out.append(Matcher(match=raw.get("match") or ("regex" if "regex" in raw else "type"), params=params))
    if not out:
        raise unsupported("$", matcher, "it has no rules")
    return out


def _each_template(matcher: Matcher, example: Any) -> Any:
    """The value an ``eachValue`` matcher compares every item with: its ``value``'s first item, or the example's."""
    template = matcher.params.get("value", example)
    if isinstance(template, dict):
        return next(iter(template.values()), None)
    if isinstance(template, list):
        return template[0] if template else None
    return template


def fixed_dict(parts: Mapping[str, Strategy]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with the keys of ``parts`` in their order, each value drawn from its strategy.

    ``st.fixed_dictionaries`` also shuffles the keys (a draw per key) and registers a printer for every
    value it makes; neither matters to a value judged by its content, and together they cost more than
    the values of a small object.
    """
    keys = tuple(parts)
    if not keys:
        return st.just({}).map(dict)
    return st.tuples(*parts.values()).map(lambda values: dict(zip(keys, values, strict=True)))
