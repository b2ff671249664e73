"""The consumer DSL: matchers that carry an example plus the Pact matching rules and generators for it.

Write what you expect with plain values and put matchers anywhere inside; `compile` turns the
structure into the example to send, the rules by path and the generators by path (V3/V4 format).

>>> from polycontract import match
>>> body = {"id": match.integer(7), "tags": match.each_like("red", min=2)}
>>> compiled = match.compile(body)
>>> compiled.example
{'id': 7, 'tags': ['red', 'red']}
>>> compiled.rules_json()["$.tags"]
{'combine': 'AND', 'matchers': [{'match': 'type', 'min': 2}]}

Arguments are checked when a matcher is built; a wrong one raises `UsageError` quoting ``name=value``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import math
import re
import uuid as _uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from polycontract._javatime import format_java, matches_java_pattern, strftime_to_java
from polycontract.errors import UsageError
from polycontract.model import Generator, Matcher, RuleSet

__all__ = [
    "STATUS_CLASSES",
    "Compiled",
    "MatchingValue",
    "all_of",
    "any_of",
    "array_containing",
    "boolean",
    "compile",
    "content_type",
    "date",
    "datetime",
    "decimal",
    "each_key",
    "each_like",
    "each_value",
    "equals",
    "example_of",
    "includes",
    "integer",
    "like",
    "not_empty",
    "null",
    "number",
    "provider_state",
    "regex",
    "semver",
    "status_code",
    "string",
    "time",
    "uuid",
    "values",
]

#: Status classes of the V4 ``statusCode`` matcher and the codes each one allows.
STATUS_CLASSES: Mapping[str, range] = {
    "info": range(100, 200), "success": range(200, 300), "redirect": range(300, 400),
    "clientError": range(400, 500), "serverError": range(500, 600), "nonError": range(100, 400),
    "error": range(400, 600),
}  # fmt: skip
_STATUS_EXAMPLES = {"info": 100, "success": 200, "redirect": 301, "clientError": 400, "serverError": 500,
                    "nonError": 200, "error": 400}  # fmt: skip
_HEX = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UUID_FORMATS = {"simple": "[0-9a-f]{32}", "lower-case-hyphenated": _HEX,
                 "upper-case-hyphenated": _HEX.replace("a-f", "A-F"), "URN": "urn:uuid:" + _HEX}  # fmt: skip
_UUID_EXAMPLE = _uuid.UUID("e2490de5-5bd3-43d5-b7c4-526e33f71304")
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_MIME = re.compile(r"[\w.+-]+/[\w.+-]+(?:\s*;.*)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The instant examples are rendered from when a date/time matcher has none; no clock is read.
_FIXED_INSTANT = _dt.datetime(2000, 2, 1, 12, 30, tzinfo=_dt.timezone.utc)


@dataclass(frozen=True, kw_only=True)
class MatchingValue:
    """An example value together with the matching rules (and maybe a generator) that apply where it sits.

    Build one with the functions of this module, never directly. ``value`` is the template (plain
    values and nested matchers); ``shape`` says how `compile` walks it: ``node`` into its children,
    ``each`` into one element at ``[*]`` repeated ``count`` times, ``wildcard`` into every child at
    ``.*``/``[*]``, ``leaf`` not at all (its rules already hold everything).

    >>> integer(3).example, integer(3).rule_set.matchers[0].to_json()
    (3, {'match': 'integer'})
    """

    matchers: tuple[Matcher, ...]
    value: Any = None
    combine: Literal["AND", "OR"] = "AND"
    generator: Generator | None = None
    shape: Literal["node", "each", "wildcard", "leaf"] = "node"
    count: int = 1

    @property
    def example(self) -> Any:
        """The example value with every nested matcher replaced by its example (a fresh copy each time)."""
        return example_of(self)

    @property
    def rule_set(self) -> RuleSet:
        """The rules at this matcher's own path."""
        return RuleSet(matchers=self.matchers, combine=self.combine)


_Rules: TypeAlias = "MatchingValue | Sequence[MatchingValue]"


@dataclass(frozen=True, kw_only=True)
class Compiled:
    """What `compile` returns: the plain example, the rules by path and the generators by path."""

    example: Any
    rules: dict[str, RuleSet] = field(default_factory=dict)
    generators: dict[str, Generator] = field(default_factory=dict)

    def rules_json(self) -> dict[str, dict[str, Any]]:
        """The rules as a V3/V4 ``matchingRules`` category: path -> ``{"combine", "matchers"}``."""
        return {path: _rule_set_json(rs) for path, rs in self.rules.items()}

    def generators_json(self) -> dict[str, dict[str, Any]]:
        """The generators as a V3/V4 ``generators`` category: path -> ``{"type", ...}``."""
        return {path: gen.to_json() for path, gen in self.generators.items()}


def _rule_set_json(rs: RuleSet) -> dict[str, Any]:
    return {"combine": rs.combine, "matchers": [m.to_json() for m in rs.matchers]}


def compile(value: Any, *, root: str = "$") -> Compiled:
    """Walk ``value`` once and collect its example, rules and generators, with paths rooted at ``root``.

    Object keys become ``.name`` (or ``['odd name']``), list items ``[i]``; `each_like` puts its
    rule on the array and its element's rules under ``[*]``.

    >>> compile({"a b": [like(1)]}).rules_json()
    {"$['a b'][0]": {'combine': 'AND', 'matchers': [{'match': 'type'}]}}
    """
    collector = _Collector()
    example = _walk(value, root, collector)
    return Compiled(example=example, rules=collector.rules, generators=collector.generators)


def example_of(value: Any) -> Any:
    """The plain example of any structure of values and matchers.

    >>> example_of({"ids": each_like(integer(5), min=2)})
    {'ids': [5, 5]}
    """
    return _walk(value, "$", None)


class _Collector:
    def __init__(self) -> None:
        self.rules: dict[str, RuleSet] = {}
        self.generators: dict[str, Generator] = {}

    def add(self, path: str, mv: MatchingValue) -> None:
        rs = mv.rule_set
        if self.rules.setdefault(path, rs) != rs:
            first, second = _rule_set_json(self.rules[path]), _rule_set_json(rs)
            raise UsageError(f"path={path!r} gets two different rule sets, {first} and {second}; "
                             "give the entries under a wildcard the same matchers")  # fmt: skip
        if mv.generator is not None and self.generators.setdefault(path, mv.generator) != mv.generator:
            raise UsageError(f"path={path!r} gets two different generators")


def _child(path: str, key: str) -> str:
    if _IDENT.fullmatch(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


def _walk(value: Any, path: str, out: _Collector | None) -> Any:
    if isinstance(value, MatchingValue):
        if out is not None:
            out.add(path, value)
        inner = value.value
        if value.shape == "each":
            first = _walk(inner, f"{path}[*]", out)
            return [first] + [copy.deepcopy(first) for _ in range(value.count - 1)]
        if value.shape == "wildcard":
            if isinstance(inner, Mapping):
                return {k: _walk(v, f"{path}.*", out) for k, v in inner.items()}
            return [_walk(v, f"{path}[*]", out) for v in inner]
        if value.shape == "leaf":
            return inner if isinstance(inner, bytes) else _walk(inner, path, None)
        return _walk(inner, path, out)
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise UsageError(f"key={key!r} at path={path!r} is not a str; JSON object keys are strings")
            result[key] = _walk(item, _child(path, key), out)
        return result
    if isinstance(value, (list, tuple)):
        return [_walk(item, f"{path}[{i}]", out) for i, item in enumerate(value)]
    return _plain(value, f"value at path={path!r}")


def _plain(value: Any, name: str) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (float, Decimal)) and math.isfinite(value):
        return float(value)
    raise UsageError(f"{name}: {value!r} is not a JSON value (use dict, list, str, int, float, bool or None)")


def _snapshot(value: Any, name: str) -> Any:
    """A private copy of a user's template, checked to be JSON; matchers inside are kept as they are."""
    if isinstance(value, MatchingValue):
        return value
    if isinstance(value, Mapping):
        if bad := [k for k in value if not isinstance(k, str)]:
            raise UsageError(f"{name}: key={bad[0]!r} is not a str; JSON object keys are strings")
        return {k: _snapshot(v, f"{name}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_snapshot(v, f"{name}[{i}]") for i, v in enumerate(value)]
    return _plain(value, name)


def _node(
    rule: str,
    value: Any = None,
    params: Mapping[str, Any] | None = None,
    *,
    generator: Generator | None = None,
    shape: Literal["node", "wildcard", "leaf"] = "node",
) -> MatchingValue:
    """One matcher over ``value``; a matcher given as the value is merged in (both rules apply)."""
    own = Matcher(match=rule, params=dict(params or {}))
    if isinstance(value, MatchingValue):
        if value.combine == "OR" and len(value.matchers) > 1:
            raise UsageError(f"{rule}: example is an any_of() matcher; combine them with all_of() instead")
        return replace(value, matchers=(own, *value.matchers), generator=value.generator or generator)
    result = MatchingValue(matchers=(own,), value=value, generator=generator, shape=shape)
    if shape == "wildcard":
        compile(result)  # entries under ".*" must agree on their rules: say so now, not at pact-writing time
    return result


def _int_arg(func: str, name: str, value: Any, *, at_least: int | None = None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{func}: {name}={value!r} must be an int")
    if at_least is not None and value < at_least:
        raise UsageError(f"{func}: {name}={value!r} must be >= {at_least}")


def _bounds(func: str, min_: int | None, max_: int | None, *, max_at_least: int = 0) -> None:
    _int_arg(func, "min", min_, at_least=0)
    _int_arg(func, "max", max_, at_least=max_at_least)
    if min_ is not None and max_ is not None and min_ > max_:
        raise UsageError(f"{func}: min={min_!r} is greater than max={max_!r}")


def _type_params(min: int | None, max: int | None) -> dict[str, int]:
    return {k: v for k, v in (("min", min), ("max", max)) if v is not None}


def like(example: Any, *, min: int | None = None, max: int | None = None) -> MatchingValue:
    """Match by type (``{"match": "type"}``): any value of the example's JSON type; ``min``/``max`` bound lengths.

    >>> like({"name": "Ann"}).example
    {'name': 'Ann'}
    """
    _bounds("like", min, max)
    value = _snapshot(example, "like: example")
    if min is not None or max is not None:
        plain = example_of(value)
        if not isinstance(plain, (list, dict)):
            raise UsageError(f"like: min/max bound the length of an array or object, not example={plain!r}")
        if (min is not None and len(plain) < min) or (max is not None and len(plain) > max):
            raise UsageError(f"like: example={plain!r} has length {len(plain)}, outside min={min!r}, max={max!r}")
    return _node("type", value, _type_params(min, max))


def each_like(example: Any, *, min: int = 1, max: int | None = None) -> MatchingValue:
    """An array whose every element is like ``example``, with at least ``min`` (and at most ``max``) items.

    The example array holds ``min`` copies (at least one), so it satisfies its own rule.

    >>> each_like({"id": 1}, min=2).example
    [{'id': 1}, {'id': 1}]
    """
    _bounds("each_like", min, max, max_at_least=1)
    value = _snapshot(example, "each_like: example")
    rule = Matcher(match="type", params=_type_params(min, max))
    return MatchingValue(matchers=(rule,), value=value, shape="each", count=1 if min < 1 else min)


@functools.lru_cache(maxsize=1024)
def _regex(func: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as err:
        raise UsageError(f"{func}: pattern={pattern!r} is not a valid regular expression: {err}") from None


def regex(pattern: str, example: str) -> MatchingValue:
    """A string that fully matches ``pattern`` (``{"match": "regex", "regex": pattern}``).

    >>> regex(r"\\d+", "42").example
    '42'
    """
    if not isinstance(pattern, str):
        raise UsageError(f"regex: pattern={pattern!r} must be a str")
    compiled = _regex("regex", pattern)
    if not isinstance(example, str):
        raise UsageError(f"regex: example={example!r} must be a str")
    if compiled.fullmatch(example) is None:
        raise UsageError(f"regex: example={example!r} does not match pattern={pattern!r} (the whole string must)")
    return _node("regex", example, {"regex": pattern})


def _check_number(func: str, example: Any, kinds: tuple[type, ...], what: str) -> None:
    if isinstance(example, bool) or not isinstance(example, kinds):
        raise UsageError(f"{func}: example={example!r} must be {what}")
    if isinstance(example, (float, Decimal)) and not math.isfinite(example):
        raise UsageError(f"{func}: example={example!r} is not a JSON number")


def integer(example: int | None = None, *, min: int | None = None, max: int | None = None) -> MatchingValue:
    """An integer (``{"match": "integer"}``). Without an example, or with bounds, a ``RandomInt`` generator
    (``min``/``max`` inclusive) makes values; the stand-in example is 1, moved into the bounds.

    >>> integer(min=5).example
    5
    """
    _int_arg("integer", "min", min)
    _int_arg("integer", "max", max)
    if min is not None and max is not None and min > max:
        raise UsageError(f"integer: min={min!r} is greater than max={max!r}")
    params = _type_params(min, max)
    gen = Generator(type="RandomInt", params=params) if params or example is None else None
    if example is None:
        example = 1 if min is None or min <= 1 else min
        example = example if max is None or example <= max else max
    _check_number("integer", example, (int,), "an int (not bool)")
    if (min is not None and example < min) or (max is not None and example > max):
        raise UsageError(f"integer: example={example!r} is outside min={min!r}, max={max!r}")
    return _node("integer", example, generator=gen)


def decimal(example: float | Decimal | None = None, *, digits: int | None = None) -> MatchingValue:
    """A number with a fractional part (``{"match": "decimal"}``); no example or ``digits`` adds ``RandomDecimal``.

    >>> decimal(9.99).example
    9.99
    """
    _int_arg("decimal", "digits", digits, at_least=1)
    gen = None
    if example is None or digits is not None:
        gen = Generator(type="RandomDecimal", params={} if digits is None else {"digits": digits})
    if example is None:
        example = 1.5
    _check_number("decimal", example, (float, Decimal), "a float or Decimal (not int)")
    return _node("decimal", float(example), generator=gen)


def number(example: float | Decimal | None = None) -> MatchingValue:
    """Any number, integer or not (``{"match": "number"}``); no example adds a ``RandomInt`` generator."""
    gen = Generator(type="RandomInt") if example is None else None
    example = 1 if example is None else example
    _check_number("number", example, (int, float, Decimal), "an int, float or Decimal")
    return _node("number", float(example) if isinstance(example, Decimal) else example, generator=gen)


def boolean(example: bool | None = None) -> MatchingValue:
    """``true`` or ``false`` (``{"match": "boolean"}``); no example adds a ``RandomBoolean`` generator."""
    if example is not None and not isinstance(example, bool):
        raise UsageError(f"boolean: example={example!r} must be a bool")
    gen = Generator(type="RandomBoolean") if example is None else None
    return _node("boolean", True if example is None else example, generator=gen)


def string(example: str | None = None, *, size: int | None = None) -> MatchingValue:
    """Any string (a type rule); no example or ``size`` adds a ``RandomString`` generator of that size."""
    _int_arg("string", "size", size, at_least=1)
    if example is not None and not isinstance(example, str):
        raise UsageError(f"string: example={example!r} must be a str")
    gen = None
    if example is None or size is not None:
        gen = Generator(type="RandomString", params={} if size is None else {"size": size})
    if example is None:
        example = "string" if size is None else "a" * size
    return _node("type", example, generator=gen)


def _temporal(func: str, generator: str, example: Any, fmt: str) -> MatchingValue:
    if not isinstance(fmt, str):
        raise UsageError(f"{func}: format={fmt!r} must be a strftime format str")
    try:
        java = strftime_to_java(fmt)
        gen = None
        if example is None:
            gen = Generator(type=generator, params={"format": java})
            example = format_java(_FIXED_INSTANT, java)
        elif isinstance(example, _dt.datetime):
            example = format_java(example, java)
        elif isinstance(example, _dt.date):
            example = format_java(_dt.datetime.combine(example, _dt.time()), java)
        elif isinstance(example, _dt.time):
            example = format_java(_dt.datetime.combine(_FIXED_INSTANT.date(), example), java)
    except UsageError as err:
        raise UsageError(f"{func}: {err}") from None
    if not isinstance(example, str):
        raise UsageError(f"{func}: example={example!r} must be a str or a datetime/date/time")
    if not matches_java_pattern(example, java):
        raise UsageError(f"{func}: example={example!r} does not match format={fmt!r} (Java pattern {java!r})")
    return _node(func, example, {"format": java}, generator=gen)


def datetime(example: str | _dt.datetime | None = None, format: str = "%Y-%m-%dT%H:%M:%S%z") -> MatchingValue:
    """A timestamp in ``format`` (Python strftime, written as a Java pattern: ``{"match": "datetime"}``).

    Without an example a ``DateTime`` generator is added and the example is 2000-02-01T12:30:00Z rendered.

    >>> datetime().example
    '2000-02-01T12:30:00+0000'
    """
    return _temporal("datetime", "DateTime", example, format)


def date(example: str | _dt.date | None = None, format: str = "%Y-%m-%d") -> MatchingValue:
    """A date in ``format`` (``{"match": "date", "format": javaPattern}``); no example adds a ``Date`` generator.

    >>> date("2024-02-29").example
    '2024-02-29'
    """
    return _temporal("date", "Date", example, format)


def time(example: str | _dt.time | None = None, format: str = "%H:%M:%S") -> MatchingValue:
    """A time of day in ``format`` (``{"match": "time", "format": javaPattern}``); no example adds ``Time``."""
    return _temporal("time", "Time", example, format)


def uuid(example: str | _uuid.UUID | None = None, *, format: str = "lower-case-hyphenated") -> MatchingValue:
    """A UUID, as a regex rule (``format``: simple, lower-case-hyphenated, upper-case-hyphenated or URN).

    >>> uuid(format="URN").example
    'urn:uuid:e2490de5-5bd3-43d5-b7c4-526e33f71304'
    """
    if format not in _UUID_FORMATS:
        raise UsageError(f"uuid: format={format!r} is not one of {sorted(_UUID_FORMATS)}")
    gen = Generator(type="Uuid", params={"format": format}) if example is None else None
    value = _UUID_EXAMPLE if example is None else example
    if isinstance(value, _uuid.UUID):
        text = {"simple": value.hex, "URN": value.urn, "upper-case-hyphenated": str(value).upper()}
        value = text.get(format, str(value))
    pattern = _UUID_FORMATS[format]
    if not isinstance(value, str) or _regex("uuid", pattern).fullmatch(value) is None:
        raise UsageError(f"uuid: example={value!r} is not a {format} UUID")
    return _node("regex", value, {"regex": pattern}, generator=gen)


def includes(value: str, example: str | None = None) -> MatchingValue:
    """A string that contains ``value`` (``{"match": "include", "value": value}``); the example defaults to it."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"includes: value={value!r} must be a non-empty str")
    example = value if example is None else example
    if not isinstance(example, str) or value not in example:
        raise UsageError(f"includes: example={example!r} must be a str containing value={value!r}")
    return _node("include", example, {"value": value})


def null() -> MatchingValue:
    """JSON ``null`` only (``{"match": "null"}``)."""
    return _node("null", None)


def equals(example: Any) -> MatchingValue:
    """Exactly this value (``{"match": "equality"}``); stops rules of enclosing matchers from cascading."""
    return _node("equality", _snapshot(example, "equals: example"))


def values(example: Mapping[str, Any]) -> MatchingValue:
    """A map whose values are like the example's, whatever the keys (``{"match": "values"}``; entries at ``.*``)."""
    if not isinstance(example, Mapping) or not example:
        raise UsageError(f"values: example={example!r} must be a non-empty dict")
    return _node("values", _snapshot(example, "values: example"), shape="wildcard")


def not_empty(example: Any) -> MatchingValue:
    """A value of the example's type that is not null, ``""``, ``[]`` or ``{}`` (``{"match": "notEmpty"}``)."""
    value = _snapshot(example, "not_empty: example")
    if example_of(value) in (None, "", [], {}):
        raise UsageError(f"not_empty: example={example!r} is empty; give a non-empty example")
    return _node("notEmpty", value)


def semver(example: str | None = None) -> MatchingValue:
    """A semantic version such as ``1.2.3`` (``{"match": "semver"}``); the example defaults to ``1.0.0``."""
    example = "1.0.0" if example is None else example
    if not isinstance(example, str) or _SEMVER.fullmatch(example) is None:
        raise UsageError(f"semver: example={example!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return _node("semver", example)


def status_code(status: str | Sequence[int], example: int | None = None) -> MatchingValue:
    """An HTTP status in a class (``info``, ``success``, ``redirect``, ``clientError``, ``serverError``,
    ``nonError``, ``error``) or a list of codes (``{"match": "statusCode", "status": ...}``).

    >>> status_code("success").example, status_code([201, 202]).example
    (200, 201)
    """
    if isinstance(status, str):
        if status not in STATUS_CLASSES:
            raise UsageError(f"status_code: status={status!r} is not one of {list(STATUS_CLASSES)}")
        allowed: Sequence[int] = STATUS_CLASSES[status]
        default = _STATUS_EXAMPLES[status]
        allowed_text: str | list[int] = status
    else:
        codes: list[Any] = list(status) if isinstance(status, Sequence) else []
        if not codes or any(isinstance(c, bool) or not isinstance(c, int) or not 100 <= c <= 599 for c in codes):
            raise UsageError(f"status_code: status={status!r} must be a status class or a non-empty list of codes")
        allowed, default, allowed_text = codes, codes[0], codes
    example = default if example is None else example
    if isinstance(example, bool) or not isinstance(example, int) or example not in allowed:
        raise UsageError(f"status_code: example={example!r} is not a status allowed by status={status!r}")
    return _node("statusCode", example, {"status": allowed_text})


def content_type(mime: str, example: str | bytes) -> MatchingValue:
    """Binary or text whose detected media type is ``mime`` (``{"match": "contentType", "value": mime}``)."""
    if not isinstance(mime, str) or _MIME.fullmatch(mime) is None:
        raise UsageError(f"content_type: mime={mime!r} must be a media type such as 'image/png'")
    if not isinstance(example, (str, bytes)) or not example:
        raise UsageError(f"content_type: example={example!r} must be non-empty str or bytes")
    return _node("contentType", example, {"value": mime}, shape="leaf")


def provider_state(expression: str, example: Any) -> MatchingValue:
    """A value the verifier takes from provider-state data (``ProviderState`` generator, e.g. ``"${id}"``).

    The example is used on the consumer side; a type rule keeps the provider's value honest.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise UsageError(f"provider_state: expression={expression!r} must be a non-empty str such as '${{id}}'")
    gen = Generator(type="ProviderState", params={"expression": expression})
    return _node("type", _snapshot(example, "provider_state: example"), generator=gen)


def array_containing(variants: Sequence[Any]) -> MatchingValue:
    """An array that holds, in any order, an element matching each variant (``{"match": "arrayContains"}``).

    >>> array_containing([{"op": regex("add|remove", "add")}]).rule_set.matchers[0].to_json()["variants"][0]["rules"]
    {'$.op': {'combine': 'AND', 'matchers': [{'match': 'regex', 'regex': 'add|remove'}]}}
    """
    if isinstance(variants, (str, bytes, Mapping)) or not isinstance(variants, Sequence) or not variants:
        raise UsageError(f"array_containing: variants={variants!r} must be a non-empty list")
    value = _snapshot(variants, "array_containing: variants")
    parts = [compile(v) for v in value]
    written = [{"index": i, "rules": c.rules_json(), "generators": c.generators_json()} for i, c in enumerate(parts)]
    return _node("arrayContains", value, {"variants": written}, shape="leaf")


def _rule_list(func: str, rules: _Rules) -> list[Matcher]:
    given = [rules] if isinstance(rules, MatchingValue) else rules
    if isinstance(given, (str, bytes)) or not isinstance(given, Sequence) or not given:
        raise UsageError(f"{func}: rules={rules!r} must be one matcher or a non-empty list of matchers")
    out: list[Matcher] = []
    for rule in given:
        if not isinstance(rule, MatchingValue) or rule.shape != "node" or rule.combine != "AND":
            raise UsageError(f"{func}: rules entry {rule!r} must be a simple matcher such as match.regex(...)")
        out.extend(rule.matchers)
    return out


def _check_rules(func: str, what: str, items: Sequence[Any], rules: list[Matcher]) -> None:
    for rule in rules:
        if rule.match == "regex":
            pattern = _regex(func, rule.params["regex"])
            for item in items:
                if isinstance(item, str) and pattern.fullmatch(item) is None:
                    raise UsageError(f"{func}: {what}={item!r} in the example does not match {pattern.pattern!r}")


def each_key(example: Mapping[str, Any], rules: _Rules) -> MatchingValue:
    """A map whose every key satisfies ``rules`` (``{"match": "eachKey", "rules": [...], "value": example}``).

    >>> each_key({"a": 1}, regex("[a-z]+", "a")).rule_set.matchers[0].to_json()
    {'match': 'eachKey', 'rules': [{'match': 'regex', 'regex': '[a-z]+'}], 'value': {'a': 1}}
    """
    if not isinstance(example, Mapping) or not example:
        raise UsageError(f"each_key: example={example!r} must be a non-empty dict")
    matchers = _rule_list("each_key", rules)
    value = _snapshot(example, "each_key: example")
    _check_rules("each_key", "key", list(value), matchers)
    params = {"rules": [m.to_json() for m in matchers], "value": example_of(value)}
    return _node("eachKey", value, params, shape="wildcard")


def each_value(example: Mapping[str, Any] | Sequence[Any], rules: _Rules) -> MatchingValue:
    """A map or list whose every value satisfies ``rules`` (``{"match": "eachValue", "rules": [...], "value": ex}``)."""
    if isinstance(example, (str, bytes)) or not isinstance(example, (Mapping, Sequence)) or not example:
        raise UsageError(f"each_value: example={example!r} must be a non-empty dict or list")
    matchers = _rule_list("each_value", rules)
    value = _snapshot(example, "each_value: example")
    plain = example_of(value)
    _check_rules("each_value", "value", list(plain.values()) if isinstance(plain, dict) else plain, matchers)
    params = {"rules": [m.to_json() for m in matchers], "value": plain}
    return _node("eachValue", value, params, shape="wildcard")


def _combine(func: str, matchers: tuple[MatchingValue, ...], how: Literal["AND", "OR"]) -> MatchingValue:
    if not matchers or not all(isinstance(m, MatchingValue) for m in matchers):
        raise UsageError(f"{func}: give one or more matchers, got {matchers!r}")
    if any(m.combine == "OR" and len(m.matchers) > 1 for m in matchers):
        raise UsageError(f"{func}: an any_of() cannot be nested in {func}()")
    structural = [m for m in matchers if m.shape != "node" or _has_matchers(m.value)]
    rules = tuple(r for m in matchers for r in m.matchers)
    if how == "OR":
        if structural or len(rules) != len(matchers):
            raise UsageError("any_of: alternatives must be one-rule matchers with nothing nested (no each_like)")
        return replace(matchers[0], matchers=rules, combine="OR")
    examples = [m.example for m in matchers]
    if any(e != examples[0] for e in examples):
        raise UsageError(f"all_of: the matchers' examples differ ({examples!r}); they must share one example")
    generators = [m.generator for m in matchers if m.generator is not None]
    if any(g != generators[0] for g in generators):
        raise UsageError(f"all_of: the matchers have different generators ({generators!r})")
    if len(structural) > 1:
        raise UsageError("all_of: at most one of the matchers may have matchers nested inside it")
    base = structural[0] if structural else matchers[0]
    return replace(base, matchers=rules, generator=generators[0] if generators else None)


def _has_matchers(value: Any) -> bool:
    if isinstance(value, MatchingValue):
        return True
    if isinstance(value, Mapping):
        return any(_has_matchers(v) for v in value.values())
    return isinstance(value, list) and any(_has_matchers(v) for v in value)


def all_of(*matchers: MatchingValue) -> MatchingValue:
    """All the matchers must pass (``combine: AND``); they must share one example.

    >>> all_of(like("ab"), regex("[a-z]+", "ab")).rule_set.combine
    'AND'
    """
    return _combine("all_of", matchers, "AND")


def any_of(*matchers: MatchingValue) -> MatchingValue:
    """At least one of the matchers must pass (``combine: OR``); the example and generator are the first one's.

    >>> any_of(null(), integer(1)).example is None
    True
    """
    return _combine("any_of", matchers, "OR")
