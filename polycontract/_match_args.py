"""Argument checks of `polycontract.match`'s functions, and combining matchers with ``all_of``/``any_of``.

Each check raises `UsageError` quoting ``name=value`` and the function it was given to. Users see these
through `polycontract.match`; not part of the public API.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from polycontract._match_core import MatchingValue
from polycontract.errors import UsageError
from polycontract.model import Matcher

__all__ = [
    "Rules",
    "bounds",
    "check_number",
    "check_rules",
    "combine",
    "compile_regex",
    "int_arg",
    "rule_list",
    "type_params",
]

#: What ``each_key``/``each_value`` take as their rules: one simple matcher or a list of them.
Rules: TypeAlias = "MatchingValue | Sequence[MatchingValue]"


def int_arg(func: str, name: str, value: Any, *, at_least: int | None = None) -> None:
    """Check that ``value`` (argument ``name`` of ``func``) is None or an int, at least ``at_least`` when given."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{func}: {name}={value!r} must be an int")
    if at_least is not None and value < at_least:
        raise UsageError(f"{func}: {name}={value!r} must be >= {at_least}")


def bounds(func: str, min_: int | None, max_: int | None, *, max_at_least: int = 0) -> None:
    """Check ``min`` and ``max`` of ``func``: ints when given, not negative, ``min`` not above ``max``."""
    int_arg(func, "min", min_, at_least=0)
    int_arg(func, "max", max_, at_least=max_at_least)
    if min_ is not None and max_ is not None and min_ > max_:
        raise UsageError(f"{func}: min={min_!r} is greater than max={max_!r}")


def type_params(min: int | None, max: int | None) -> dict[str, int]:
    """The ``min``/``max`` parameters of a type matcher, only those given."""
    if min is None and max is None:
        return {}
    params = {} if min is None else {"min": min}
    if max is not None:
        params["max"] = max
    return params


@functools.lru_cache(maxsize=1024)
def compile_regex(func: str, pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled (cached), or `UsageError` naming ``func`` when it is not a valid regex."""
    try:
        return re.compile(pattern)
    except re.error as err:
        raise UsageError(f"{func}: pattern={pattern!r} is not a valid regular expression: {err}") from None


def check_number(func: str, example: Any, kinds: tuple[type, ...], what: str) -> None:
    """Check that ``example`` is one of ``kinds`` (``what`` names them), not a bool, and finite."""
    if isinstance(example, bool) or not isinstance(example, kinds):
        raise UsageError(f"{func}: example={example!r} must be {what}")
    if isinstance(example, (float, Decimal)) and not math.isfinite(example):
        raise UsageError(f"{func}: example={example!r} is not a JSON number")


def rule_list(func: str, rules: Rules) -> list[Matcher]:
    """The matchers of ``rules``: one simple matcher or a non-empty list of them."""
    given = [rules] if isinstance(rules, MatchingValue) else rules
    if isinstance(given, (str, bytes)) or not isinstance(given, Sequence) or not given:
        raise UsageError(f"{func}: rules={rules!r} must be one matcher or a non-empty list of matchers")
    out: list[Matcher] = []
    for rule in given:
        if not isinstance(rule, MatchingValue) or rule.shape != "node" or rule.combine != "AND":
            raise UsageError(f"{func}: rules entry {rule!r} must be a simple matcher such as match.regex(...)")
        out.extend(rule.matchers)
    return out


def check_rules(func: str, what: str, items: Sequence[Any], rules: list[Matcher]) -> None:
    """Check that each string of ``items`` (the example's keys or values) matches every regex of ``rules``."""
    for rule in rules:
        if rule.match == "regex":
            pattern = compile_regex(func, rule.params["regex"])
            for item in items:
                if isinstance(item, str) and pattern.fullmatch(item) is None:
                    raise UsageError(f"{func}: {what}={item!r} in the example does not match {pattern.pattern!r}")


def combine(func: str, matchers: tuple[MatchingValue, ...], how: Literal["AND", "OR"]) -> MatchingValue:
    """``all_of`` (``AND``: one example, every rule) or ``any_of`` (``OR``: one-rule alternatives) of ``matchers``."""
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
