"""A Java ``DateTimeFormatter`` pattern read into its fields, and compiled to a regex for a value's shape.

Shared by `polycontract._javatime` (checking values, translating formats), `polycontract._javarender`
(rendering instants) and `polycontract._isotime` (patterns of ISO 8601 examples); not part of the public API.

>>> parse_pattern("yyyy-MM[-dd]")
(Field(letter='y', count=4), '-', Field(letter='M', count=2), Section(items=('-', Field(letter='d', count=2))))
>>> bool(compile_pattern("HH:mm").regex.fullmatch("12:30"))
True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from polycontract.errors import UsageError

__all__ = [
    "DAYS",
    "MONTHS",
    "SHORT_DAYS",
    "SHORT_MONTHS",
    "ZONE_SHORT",
    "Compiled",
    "Field",
    "Item",
    "Section",
    "compile_pattern",
    "parse_pattern",
]

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
SHORT_MONTHS = tuple(m[:3] for m in MONTHS)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHORT_DAYS = tuple(d[:3] for d in DAYS)
ZONE_SHORT = r"[A-Z][A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?"
_ZONE_ID = r"Z|(?:UTC|GMT|UT)?[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?|[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*"


@dataclass(frozen=True)
class Field:
    """A run of one pattern letter: ``yyyy`` is ``Field("y", 4)``."""

    letter: str
    count: int


@dataclass(frozen=True)
class Section:
    """An optional section, ``[...]`` in the pattern."""

    items: tuple[Item, ...]


Item: TypeAlias = "str | Field | Section"


@dataclass(frozen=True)
class Compiled:
    """A parsed pattern, its shape regex (a named group per field) and its quick test, if it has one."""

    items: tuple[Item, ...]
    regex: re.Pattern[str]
    groups: tuple[tuple[str, Field], ...]
    quick: Callable[[str], object] | None = None  # truthy only for valid values: see `_quick_check`


def parse_pattern(pattern: str) -> tuple[Item, ...]:
    """The literals, fields and optional sections of ``pattern``; a malformed one raises `UsageError`."""
    stack: list[list[Item]] = [[]]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "'":
            i, text = _read_quoted(pattern, i)
            stack[-1].append(text)
        elif ch == "[":
            stack.append([])
            i += 1
        elif ch == "]":
            if len(stack) == 1:
                raise UsageError(f"pattern={pattern!r}: ']' at index {i} closes no optional section")
            items = stack.pop()
            stack[-1].append(Section(tuple(items)))
            i += 1
        elif ch in "{}#":
            raise UsageError(f"pattern={pattern!r}: {ch!r} is reserved in Java patterns; quote it as '{ch}'")
        elif ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
            j = i
            while j < n and pattern[j] == ch:
                j += 1
            stack[-1].append(Field(ch, j - i))
            i = j
        else:
            stack[-1].append(ch)
            i += 1
    if len(stack) != 1:
        raise UsageError(f"pattern={pattern!r}: an optional section '[' is never closed")
    return tuple(stack[0])


def _read_quoted(pattern: str, start: int) -> tuple[int, str]:
    if pattern[start + 1 : start + 2] == "'":
        return start + 2, "'"
    text: list[str] = []
    j = start + 1
    while j < len(pattern):
        if pattern[j] == "'":
            if pattern[j + 1 : j + 2] == "'":
                text.append("'")
                j += 2
                continue
            return j + 1, "".join(text)
        text.append(pattern[j])
        j += 1
    raise UsageError(f"pattern={pattern!r}: the quote at index {start} is never closed")


def _alt(names: tuple[str, ...]) -> str:
    return "|".join(names)


def _year_regex(count: int) -> str:
    if count == 1:
        return r"\d{1,9}"
    if count == 2:
        return r"\d{2}"
    if count == 3:
        return r"\d{3,9}"
    return rf"\d{{{count}}}|\+\d{{{count + 1},10}}"


def _offset_regex(letter: str, count: int) -> str | None:
    z = "Z|" if letter == "X" else ""
    if letter in "Xx":
        return z + (r"[+-]\d{2}(?:\d{2})?", r"[+-]\d{4}", r"[+-]\d{2}:\d{2}", r"[+-]\d{4}(?:\d{2})?",
                    r"[+-]\d{2}:\d{2}(?::\d{2})?")[count - 1] if count <= 5 else None  # fmt: skip
    if letter == "Z":
        return {1: r"[+-]\d{4}", 2: r"[+-]\d{4}", 3: r"[+-]\d{4}", 4: r"GMT(?:[+-]\d{2}:\d{2}(?::\d{2})?)?",
                5: r"Z|[+-]\d{2}:\d{2}(?::\d{2})?"}.get(count)  # fmt: skip
    # "O": localized offset, short (GMT+8) or full (GMT+08:00).
    return {1: r"GMT(?:[+-]\d{1,2}(?::\d{2}(?::\d{2})?)?)?", 4: r"GMT(?:[+-]\d{2}:\d{2}(?::\d{2})?)?"}.get(count)


def _field_regex(f: Field) -> str | None:
    """The regex for one field, or None when the letter count is not allowed (unknown letters raise)."""
    letter, c = f.letter, f.count
    if letter in "dHhKkmsw":
        return {1: r"\d{1,2}", 2: r"\d{2}"}.get(c)
    if letter in "yuY":
        return _year_regex(c) if c <= 9 else None
    if letter in "ML":
        return {1: r"\d{1,2}", 2: r"\d{2}", 3: _alt(SHORT_MONTHS), 4: _alt(MONTHS), 5: "[JFMASOND]"}.get(c)
    if letter == "D":
        return {1: r"\d{1,3}", 2: r"\d{2,3}", 3: r"\d{3}"}.get(c)
    if letter in "Qq":
        return {1: r"\d", 2: r"\d{2}", 3: r"Q\d", 4: r"[1-4](?:st|nd|rd|th) quarter", 5: r"\d"}.get(c)
    if letter == "E":
        return _alt(SHORT_DAYS) if c <= 3 else {4: _alt(DAYS), 5: "[MTWFS]"}.get(c)
    if letter == "S":
        return rf"\d{{{c}}}" if c <= 9 else None
    if letter == "n":
        return (r"\d{1,9}" if c == 1 else rf"\d{{{c}}}") if c <= 9 else None
    simple = {("W", 1): r"\d", ("a", 1): "AM|PM", ("V", 2): _ZONE_ID, ("z", 4): r"[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*"}
    if (letter, c) in simple:
        return simple[(letter, c)]
    if letter == "G":
        return {1: "AD|BC", 2: "AD|BC", 3: "AD|BC", 4: "Anno Domini|Before Christ", 5: "A|B"}.get(c)
    if letter == "z":
        return ZONE_SHORT if c <= 3 else None
    if letter in "XxZO":
        return _offset_regex(letter, c)
    if letter in "aWV":
        return None
    raise UsageError(f"pattern letter {letter!r} is not supported (supported: y u Y M L d D Q q w W E a G "
                     "H h K k m s S n X x Z O z VV and quoted literals)")  # fmt: skip


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Compiled:
    """``pattern`` parsed and compiled (cached); an unknown letter or a bad letter count raises `UsageError`."""
    groups: list[tuple[str, Field]] = []

    def build(items: tuple[Item, ...]) -> str:
        parts: list[str] = []
        for item in items:
            if isinstance(item, str):
                parts.append(re.escape(item))
            elif isinstance(item, Section):
                parts.append(f"(?:{build(item.items)})?")
            else:
                try:
                    body = _field_regex(item)
                except UsageError as err:
                    raise UsageError(f"pattern={pattern!r}: {err}") from None
                if body is None:
                    raise UsageError(f"pattern={pattern!r}: {item.letter * item.count!r} is not a valid "
                                     f"number of {item.letter!r} letters")  # fmt: skip
                name = f"g{len(groups)}"
                groups.append((name, item))
                parts.append(f"(?P<{name}>{body})")
        return "".join(parts)

    if not isinstance(pattern, str):
        raise UsageError(f"pattern={pattern!r} must be a str")
    items = parse_pattern(pattern)
    regex = re.compile(build(items))
    return Compiled(items=items, regex=regex, groups=tuple(groups), quick=_quick_check(items))


# Fixed-width fields whose values a regex can range-check (the day against its month: `_days_lookahead`).
_QUICK = {("y", 4): "(?!0000)[0-9]{4}", ("u", 4): "[0-9]{4}", ("M", 2): "0[1-9]|1[0-2]",
          ("d", 2): "0[1-9]|[12][0-9]|3[01]", ("H", 2): "[01][0-9]|2[0-3]", ("m", 2): "[0-5][0-9]",
          ("s", 2): "[0-5][0-9]"}  # fmt: skip
# Zone offsets of at most 18 hours (+18:00 itself left to the full check), as the last field of a pattern.
_HOURS = "[+-](?:0[0-9]|1[0-7])"
_QUICK_OFFSETS = {("X", 1): f"Z|{_HOURS}(?:[0-5][0-9])?", ("X", 2): f"Z|{_HOURS}[0-5][0-9]",
                  ("X", 3): f"Z|{_HOURS}:[0-5][0-9]", ("x", 2): f"{_HOURS}[0-5][0-9]",
                  ("x", 3): f"{_HOURS}:[0-5][0-9]", ("Z", 1): f"{_HOURS}[0-5][0-9]", ("Z", 2): f"{_HOURS}[0-5][0-9]",
                  ("Z", 3): f"{_HOURS}[0-5][0-9]", ("Z", 5): f"Z|{_HOURS}:[0-5][0-9]"}  # fmt: skip
# Months and the days that exist in every year (February 29 is left to the full check).
_MONTH_DAYS = (("0[13578]|1[02]", "0[1-9]|[12][0-9]|3[01]"), ("0[469]|11", "0[1-9]|[12][0-9]|30"),
               ("02", "0[1-9]|1[0-9]|2[0-8]"))  # fmt: skip


def _quick_check(items: tuple[Item, ...]) -> Callable[[str], object] | None:
    """A quick test for common patterns (``yyyy-MM-dd'T'HH:mm:ss``): truthy only for valid values.

    Only for patterns of fixed-width numeric fields, each letter once and without optional sections,
    so that every field sits at a fixed offset: one stricter regex checks the ranges, and the day
    against its month. Values it rejects (February 29 among them) get the full check.
    """
    parts: list[str] = []
    offsets: dict[str, int] = {}
    fields: dict[str, int] = {}  # letter -> index of its part
    width = 0
    for index, item in enumerate(items):
        if isinstance(item, str):
            parts.append(re.escape(item))
            width += len(item)
        elif isinstance(item, Field) and index == len(items) - 1 and (item.letter, item.count) in _QUICK_OFFSETS:
            parts.append(f"(?:{_QUICK_OFFSETS[(item.letter, item.count)]})")  # last: no field after it moves
        elif isinstance(item, Field):
            body = _QUICK.get((item.letter, item.count))
            if item.letter == "S" and item.count <= 9:
                body = f"[0-9]{{{item.count}}}"
            if body is None or item.letter in offsets or (item.letter in "yu" and offsets.keys() & {"y", "u"}):
                return None
            fields[item.letter] = len(parts)
            parts.append(f"(?:{body})")
            offsets[item.letter] = width
            width += item.count
        else:
            return None
    if "d" in offsets and "M" in offsets:
        first, second = sorted((fields["M"], fields["d"]))
        if all(at not in fields.values() for at in range(first + 1, second)):  # only literal text between them
            between = "".join(parts[first + 1 : second])
            parts[first : second + 1] = [_month_and_day(between, month_first=fields["M"] < fields["d"])]
        else:
            parts.insert(0, _days_lookahead(offsets["M"], offsets["d"]))
    return re.compile("".join(parts), re.DOTALL).fullmatch


def _month_and_day(between: str, *, month_first: bool) -> str:
    """Month and day with only ``between`` (a regex of literal text) between them, read in one pass: a day that
    exists in the month in every year (what `_days_lookahead` checks where other fields sit between them)."""
    options = [f"(?:{months}){between}(?:{days})" if month_first else f"(?:{days}){between}(?:{months})"
               for months, days in _MONTH_DAYS]  # fmt: skip
    return f"(?:{'|'.join(options)})"


def _days_lookahead(month_at: int, day_at: int) -> str:
    """A lookahead: the two-digit day at ``day_at`` exists in the month at ``month_at`` in every year."""
    options = []
    for months, days in _MONTH_DAYS:
        (first_at, first), (second_at, second) = sorted([(month_at, months), (day_at, days)])
        options.append(f".{{{first_at}}}(?:{first}).{{{second_at - first_at - 2}}}(?:{second})")
    return f"(?={'|'.join(options)})"
