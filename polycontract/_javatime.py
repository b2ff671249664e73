"""Java ``DateTimeFormatter`` patterns, as pact files carry them, translated to and from Python.

Internal interface of the core: matching, the time matchers and generators share it; not part of the
public API.

Pact ``date``, ``time`` and ``datetime`` matchers name their format with a Java pattern
(``yyyy-MM-dd``). This module turns Python ``strftime`` formats into such patterns, decides whether
a string is a valid value of a pattern (a regex plus range checks, so ``2020-02-30`` is no date),
and renders an instant in a pattern with English names, whatever the process locale (`format_java`,
from `polycontract._javarender`). Patterns are read and compiled by `polycontract._javapattern`.

>>> strftime_to_java("%Y-%m-%dT%H:%M:%S%z")
"yyyy-MM-dd'T'HH:mm:ssZ"
>>> matches_java_pattern("2020-02-29", "yyyy-MM-dd"), matches_java_pattern("2021-02-29", "yyyy-MM-dd")
(True, False)
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable

from polycontract._javapattern import DAYS, MONTHS, SHORT_DAYS, SHORT_MONTHS, Field, compile_pattern
from polycontract._javarender import format_java
from polycontract.errors import UsageError

__all__ = [
    "format_java",
    "java_to_regex",
    "java_to_strftime",
    "matches_java_pattern",
    "quick_java_test",
    "strftime_to_java",
]

# Python strftime directive -> Java pattern. `%:z` is Python 3.12+; `%-d` style is the glibc "no padding" flag.
_STRFTIME_TO_JAVA = {
    "a": "EEE", "A": "EEEE", "b": "MMM", "B": "MMMM", "d": "dd", "f": "SSSSSS", "H": "HH", "I": "hh",
    "j": "DDD", "m": "MM", "M": "mm", "p": "a", "S": "ss", "y": "yy", "Y": "yyyy", "z": "Z", "Z": "z",
    ":z": "XXX", "F": "yyyy-MM-dd", "T": "HH:mm:ss",
    "-d": "d", "-m": "M", "-H": "H", "-I": "h", "-M": "m", "-S": "s", "-j": "D",
}  # fmt: skip
_JAVA_TO_STRFTIME = {
    ("y", 4): "%Y", ("y", 2): "%y", ("u", 4): "%Y", ("M", 2): "%m", ("M", 3): "%b", ("M", 4): "%B",
    ("d", 2): "%d", ("D", 3): "%j", ("H", 2): "%H", ("h", 2): "%I", ("m", 2): "%M", ("s", 2): "%S",
    ("S", 6): "%f", ("a", 1): "%p", ("E", 1): "%a", ("E", 2): "%a", ("E", 3): "%a", ("E", 4): "%A",
    ("Z", 1): "%z", ("Z", 2): "%z", ("Z", 3): "%z", ("z", 1): "%Z",
}  # fmt: skip
_NEEDS_QUOTE = re.compile(r"[A-Za-z\[\]{}#]")
_OFFSET = re.compile(r"(?:GMT|UTC|UT)?([+-])(\d{1,2}):?(\d{2})?:?(\d{2})?")


def strftime_to_java(fmt: str) -> str:
    """Translate a Python ``strftime`` format into the Java ``DateTimeFormatter`` pattern other Pact tools write.

    Literal letters are quoted (``T`` becomes ``'T'``) and ``%%`` becomes ``%``. A directive with no
    Java equivalent (``%c``, ``%x``, ``%U``, ``%w``…) raises `UsageError` naming it.

    >>> strftime_to_java("%d %b %Y, %I:%M %p")
    'dd MMM yyyy, hh:mm a'
    """
    out: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            literal.append(ch)
            i += 1
            continue
        directive = fmt[i + 1 : i + 2]
        if directive in (":", "-"):
            directive = fmt[i + 1 : i + 3]
        if directive == "%":
            literal.append("%")
        elif directive in _STRFTIME_TO_JAVA:
            out.append(_quote("".join(literal)))
            literal.clear()
            out.append(_STRFTIME_TO_JAVA[directive])
        else:
            if not directive:
                raise UsageError(f"format={fmt!r}: a lone '%' ends the format; write '%%' for a percent sign")
            raise UsageError(f"format={fmt!r}: %{directive} has no Java DateTimeFormatter equivalent")
        i += 1 + len(directive)
    out.append(_quote("".join(literal)))
    return "".join(out)


def _quote(text: str) -> str:
    """Quote the stretch of ``text`` that Java would otherwise read as pattern letters."""
    text = text.replace("'", "''")
    hits = [m.start() for m in _NEEDS_QUOTE.finditer(text)]
    if not hits:
        return text
    first, last = hits[0], hits[-1] + 1
    return f"{text[:first]}'{text[first:last]}'{text[last:]}"


@functools.lru_cache(maxsize=512)
def java_to_regex(pattern: str) -> re.Pattern[str]:
    """A regex that ``fullmatch``-es the strings of the right shape for a Java pattern (ranges not checked).

    >>> bool(java_to_regex("HH:mm").fullmatch("12:30"))
    True
    """
    return compile_pattern(pattern).regex


def quick_java_test(pattern: str) -> Callable[[str], object] | None:
    """A fast test for strings that is truthy only when `matches_java_pattern` is True, or None.

    There is one for patterns of fixed-width numeric fields (``yyyy-MM-dd'T'HH:mm:ss``); it may say
    False for valid values that it does not cover, so ask `matches_java_pattern` when it does.
    A malformed pattern raises `UsageError`.

    >>> test = quick_java_test("yyyy-MM-dd")
    >>> test is not None and (bool(test("2024-04-30")), bool(test("2024-04-31")))
    (True, False)
    """
    return compile_pattern(pattern).quick


def matches_java_pattern(value: str, pattern: str) -> bool:
    """True when ``value`` is a valid date/time in the Java pattern: right shape and every field in range.

    Day-of-month is checked against the month (and the year, when the pattern has one), and day
    names, quarters and AM/PM are cross-checked against the date and hour they describe.
    An unknown or malformed pattern raises `UsageError`.

    >>> matches_java_pattern("2020-02-30", "yyyy-MM-dd")
    False
    """
    compiled = compile_pattern(pattern)
    if not isinstance(value, str):
        return False
    if compiled.quick is not None and compiled.quick(value):
        return True
    m = compiled.regex.fullmatch(value)
    if m is None:
        return False
    values: dict[str, int] = {}
    for name, f in compiled.groups:
        text = m.group(name)
        if text is None:
            continue
        pairs = _field_values(f, text)
        if pairs is None:
            return False
        for key, number in pairs:
            if values.setdefault(key, number) != number:
                return False
    return _consistent(values)


def _field_values(f: Field, text: str) -> list[tuple[str, int]] | None:
    """The (field, value) pairs one matched field contributes, or None when it is out of range."""
    letter, c = f.letter, f.count
    ranges = {"H": ("hour", 0, 23), "m": ("minute", 0, 59), "s": ("second", 0, 59), "d": ("day", 1, 31),
              "D": ("doy", 1, 366), "w": ("week", 1, 53), "W": ("wom", 0, 6)}  # fmt: skip
    if letter in ranges:
        key, low, high = ranges[letter]
        v = int(text)
        return [(key, v)] if low <= v <= high else None
    if letter in "yu":
        v = int(text) + (2000 if c == 2 else 0)
        if letter == "y" and v == 0:
            return None
        return [("yoe" if letter == "y" else "year", v)]
    if letter in "ML":
        if c == 5:
            return []
        v = int(text) if c <= 2 else (SHORT_MONTHS if c == 3 else MONTHS).index(text) + 1
        return [("month", v)] if 1 <= v <= 12 else None
    if letter in "Qq":
        v = int(text[1] if c == 3 else text[0] if c == 4 else text)
        return [("quarter", v)] if 1 <= v <= 4 else None
    if letter == "E":
        return [] if c == 5 else [("dow", (SHORT_DAYS if c <= 3 else DAYS).index(text))]
    if letter == "a":
        return [("ampm", 0 if text == "AM" else 1)]
    if letter == "G":
        return [("era", 0 if text[0] == "B" else 1)]
    if letter in "kKh":
        v = int(text)
        low, high = {"k": (1, 24), "K": (0, 11), "h": (1, 12)}[letter]
        if not low <= v <= high:
            return None
        return [("hour", v % 24)] if letter == "k" else [("hour12", v % 12)]
    if letter in "Sn":
        return [("nano", int(text.ljust(9, "0")) if letter == "S" else int(text))]
    if letter in "XxZOV":
        return [] if _offset_ok(text) else None
    return []  # Y (week-based year) and z (zone names) are shape-checked only.


def _offset_ok(text: str) -> bool:
    m = _OFFSET.fullmatch(text)
    if m is None:
        return True  # "Z", "GMT", or a region id such as Europe/Paris
    hours, minutes, seconds = (int(g) if g else 0 for g in m.groups()[1:])
    return hours <= 18 and minutes <= 59 and seconds <= 59 and (hours < 18 or minutes == seconds == 0)


def _days_in_month(year: int | None, month: int) -> int:
    if month == 2:
        return 29 if year is None or calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _consistent(v: dict[str, int]) -> bool:
    """Cross-field checks, as Java's resolver does them: a date that exists, agreeing day names, hours, quarters."""
    year = v.get("year")
    if "yoe" in v:
        from_era = v["yoe"] if v.get("era", 1) == 1 else 1 - v["yoe"]
        if year is not None and year != from_era:
            return False
        year = from_era
    month, day, doy = v.get("month"), v.get("day"), v.get("doy")
    if month is not None and day is not None and day > _days_in_month(year, month):
        return False
    if "quarter" in v and month is not None and (month - 1) // 3 + 1 != v["quarter"]:
        return False
    date: dt.date | None = None
    if year is not None and 1 <= year <= 9999:
        if doy is not None:
            if doy > (366 if calendar.isleap(year) else 365):
                return False
            date = dt.date(year, 1, 1) + dt.timedelta(days=doy - 1)
            if (month is not None and date.month != month) or (day is not None and date.day != day):
                return False
        elif month is not None and day is not None:
            date = dt.date(year, month, day)
    if "dow" in v and date is not None and date.weekday() != v["dow"]:
        return False
    hour, hour12 = v.get("hour"), v.get("hour12")
    if hour is not None and hour12 is not None and hour % 12 != hour12:
        return False
    return not (hour is not None and "ampm" in v and hour // 12 != v["ampm"])


def java_to_strftime(pattern: str) -> str | None:
    """The Python ``strftime`` format that renders like ``pattern``, or None when there is none.

    Optional sections, zone offsets other than ``Z`` and fields Python cannot print give None;
    use `format_java` to render any supported pattern.

    >>> java_to_strftime("yyyy-MM-dd'T'HH:mm:ss")
    '%Y-%m-%dT%H:%M:%S'
    """
    out: list[str] = []
    for item in compile_pattern(pattern).items:
        if isinstance(item, str):
            out.append(item.replace("%", "%%"))
        elif isinstance(item, Field) and (item.letter, item.count) in _JAVA_TO_STRFTIME:
            out.append(_JAVA_TO_STRFTIME[(item.letter, item.count)])
        else:
            return None
    return "".join(out)
