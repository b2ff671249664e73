"""Java ``DateTimeFormatter`` patterns, as pact files carry them, translated to and from Python.

Internal interface of the core: matching, the time matchers and generators share it; not part of the
public API.

Pact ``date``, ``time`` and ``datetime`` matchers name their format with a Java pattern
(``yyyy-MM-dd``). This module turns Python ``strftime`` formats into such patterns, decides whether
a string is a valid value of a pattern (a regex plus range checks, so ``2020-02-30`` is no date),
and renders an instant in a pattern with English names, whatever the process locale.

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
from dataclasses import dataclass
from typing import TypeAlias

from polycontract.errors import UsageError

__all__ = [
    "format_java",
    "java_to_regex",
    "java_to_strftime",
    "matches_java_pattern",
    "quick_java_test",
    "strftime_to_java",
]

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_SHORT_MONTHS = tuple(m[:3] for m in _MONTHS)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT_DAYS = tuple(d[:3] for d in _DAYS)
_ORDINALS = ("1st", "2nd", "3rd", "4th")

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
_ZONE_SHORT = r"[A-Z][A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?"
_ZONE_ID = r"Z|(?:UTC|GMT|UT)?[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?|[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*"


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


@dataclass(frozen=True)
class _Field:
    letter: str
    count: int


@dataclass(frozen=True)
class _Optional:
    items: tuple[_Item, ...]


_Item: TypeAlias = "str | _Field | _Optional"


@dataclass(frozen=True)
class _Compiled:
    items: tuple[_Item, ...]
    regex: re.Pattern[str]
    groups: tuple[tuple[str, _Field], ...]
    quick: Callable[[str], object] | None = None  # truthy only for valid values: see `_quick_check`


def _parse(pattern: str) -> tuple[_Item, ...]:
    stack: list[list[_Item]] = [[]]
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
            stack[-1].append(_Optional(tuple(items)))
            i += 1
        elif ch in "{}#":
            raise UsageError(f"pattern={pattern!r}: {ch!r} is reserved in Java patterns; quote it as '{ch}'")
        elif ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
            j = i
            while j < n and pattern[j] == ch:
                j += 1
            stack[-1].append(_Field(ch, j - i))
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


def _field_regex(f: _Field) -> str | None:
    """The regex for one field, or None when the letter count is not allowed (unknown letters raise)."""
    letter, c = f.letter, f.count
    if letter in "dHhKkmsw":
        return {1: r"\d{1,2}", 2: r"\d{2}"}.get(c)
    if letter in "yuY":
        return _year_regex(c) if c <= 9 else None
    if letter in "ML":
        return {1: r"\d{1,2}", 2: r"\d{2}", 3: _alt(_SHORT_MONTHS), 4: _alt(_MONTHS), 5: "[JFMASOND]"}.get(c)
    if letter == "D":
        return {1: r"\d{1,3}", 2: r"\d{2,3}", 3: r"\d{3}"}.get(c)
    if letter in "Qq":
        return {1: r"\d", 2: r"\d{2}", 3: r"Q\d", 4: r"[1-4](?:st|nd|rd|th) quarter", 5: r"\d"}.get(c)
    if letter == "E":
        return _alt(_SHORT_DAYS) if c <= 3 else {4: _alt(_DAYS), 5: "[MTWFS]"}.get(c)
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
        return _ZONE_SHORT if c <= 3 else None
    if letter in "XxZO":
        return _offset_regex(letter, c)
    if letter in "aWV":
        return None
    raise UsageError(f"pattern letter {letter!r} is not supported (supported: y u Y M L d D Q q w W E a G "
                     "H h K k m s S n X x Z O z VV and quoted literals)")  # fmt: skip


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> _Compiled:
    groups: list[tuple[str, _Field]] = []

    def build(items: tuple[_Item, ...]) -> str:
        parts: list[str] = []
        for item in items:
            if isinstance(item, str):
                parts.append(re.escape(item))
            elif isinstance(item, _Optional):
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
    items = _parse(pattern)
    regex = re.compile(build(items))
    return _Compiled(items=items, regex=regex, groups=tuple(groups), quick=_quick_check(items))


# Fixed-width fields whose values a regex can range-check (the day against its month: `_days_lookahead`).
_QUICK = {("y", 4): "(?!0000)[0-9]{4}", ("u", 4): "[0-9]{4}", ("M", 2): "0[1-9]|1[0-2]",
          ("d", 2): "0[1-9]|[12][0-9]|3[01]", ("H", 2): "[01][0-9]|2[0-3]", ("m", 2): "[0-5][0-9]",
          ("s", 2): "[0-5][0-9]"}  # fmt: skip
# Months and the days that exist in every year (February 29 is left to the full check).
_MONTH_DAYS = (("0[13578]|1[02]", "0[1-9]|[12][0-9]|3[01]"), ("0[469]|11", "0[1-9]|[12][0-9]|30"),
               ("02", "0[1-9]|1[0-9]|2[0-8]"))  # fmt: skip


def _quick_check(items: tuple[_Item, ...]) -> Callable[[str], object] | None:
    """A quick test for common patterns (``yyyy-MM-dd'T'HH:mm:ss``): truthy only for valid values.

    Only for patterns of fixed-width numeric fields, each letter once and without optional sections,
    so that every field sits at a fixed offset: one stricter regex checks the ranges, and the day
    against its month. Values it rejects (February 29 among them) get the full check.
    """
    parts: list[str] = []
    offsets: dict[str, int] = {}
    width = 0
    for item in items:
        if isinstance(item, str):
            parts.append(re.escape(item))
            width += len(item)
        elif isinstance(item, _Field):
            body = _QUICK.get((item.letter, item.count))
            if item.letter == "S" and item.count <= 9:
                body = f"[0-9]{{{item.count}}}"
            if body is None or item.letter in offsets or (item.letter in "yu" and offsets.keys() & {"y", "u"}):
                return None
            parts.append(f"(?:{body})")
            offsets[item.letter] = width
            width += item.count
        else:
            return None
    if "d" in offsets and "M" in offsets:
        parts.insert(0, _days_lookahead(offsets["M"], offsets["d"]))
    return re.compile("".join(parts), re.DOTALL).fullmatch


def _days_lookahead(month_at: int, day_at: int) -> str:
    """A lookahead: the two-digit day at ``day_at`` exists in the month at ``month_at`` in every year."""
    options = []
    for months, days in _MONTH_DAYS:
        (first_at, first), (second_at, second) = sorted([(month_at, months), (day_at, days)])
        options.append(f".{{{first_at}}}(?:{first}).{{{second_at - first_at - 2}}}(?:{second})")
    return f"(?={'|'.join(options)})"


@functools.lru_cache(maxsize=512)
def java_to_regex(pattern: str) -> re.Pattern[str]:
    """A regex that ``fullmatch``-es the strings of the right shape for a Java pattern (ranges not checked).

    >>> bool(java_to_regex("HH:mm").fullmatch("12:30"))
    True
    """
    return _compile(pattern).regex


def quick_java_test(pattern: str) -> Callable[[str], object] | None:
    """A fast test for strings that is truthy only when `matches_java_pattern` is True, or None.

    There is one for patterns of fixed-width numeric fields (``yyyy-MM-dd'T'HH:mm:ss``); it may say
    False for valid values that it does not cover, so ask `matches_java_pattern` when it does.
    A malformed pattern raises `UsageError`.

    >>> test = quick_java_test("yyyy-MM-dd")
    >>> test is not None and (bool(test("2024-04-30")), bool(test("2024-04-31")))
    (True, False)
    """
    return _compile(pattern).quick


def matches_java_pattern(value: str, pattern: str) -> bool:
    """True when ``value`` is a valid date/time in the Java pattern: right shape and every field in range.

    Day-of-month is checked against the month (and the year, when the pattern has one), and day
    names, quarters and AM/PM are cross-checked against the date and hour they describe.
    An unknown or malformed pattern raises `UsageError`.

    >>> matches_java_pattern("2020-02-30", "yyyy-MM-dd")
    False
    """
    compiled = _compile(pattern)
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


def _in(value: int, low: int, high: int) -> list[tuple[str, int]] | None:
    return [] if low <= value <= high else None


def _field_values(f: _Field, text: str) -> list[tuple[str, int]] | None:
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
        v = int(text) if c <= 2 else (_SHORT_MONTHS if c == 3 else _MONTHS).index(text) + 1
        return [("month", v)] if 1 <= v <= 12 else None
    if letter in "Qq":
        v = int(text[1] if c == 3 else text[0] if c == 4 else text)
        return [("quarter", v)] if 1 <= v <= 4 else None
    if letter == "E":
        return [] if c == 5 else [("dow", (_SHORT_DAYS if c <= 3 else _DAYS).index(text))]
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
    for item in _compile(pattern).items:
        if isinstance(item, str):
            out.append(item.replace("%", "%%"))
        elif isinstance(item, _Field) and (item.letter, item.count) in _JAVA_TO_STRFTIME:
            out.append(_JAVA_TO_STRFTIME[(item.letter, item.count)])
        else:
            return None
    return "".join(out)


def format_java(moment: dt.datetime, pattern: str) -> str:
    """Render ``moment`` in a Java pattern with English names, independent of the process locale.

    Offset and zone fields need an aware ``moment``; in an optional section they are left out
    instead. No clock is read.

    >>> format_java(dt.datetime(2000, 2, 1, 12, 30, tzinfo=dt.timezone.utc), "EEE, d MMM yyyy HH:mm XXX")
    'Tue, 1 Feb 2000 12:30 Z'
    """
    return _render(_compile(pattern).items, moment, pattern)


def _render(items: tuple[_Item, ...], moment: dt.datetime, pattern: str) -> str:
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, _Optional):
            try:
                out.append(_render(item.items, moment, pattern))
            except UsageError:
                continue
        else:
            out.append(_render_field(item, moment, pattern))
    return "".join(out)


def _num(value: int, count: int) -> str:
    return str(value) if count == 1 else f"{value:0{count}d}"


def _render_field(f: _Field, t: dt.datetime, pattern: str) -> str:
    letter, c = f.letter, f.count
    numbers = {"d": t.day, "H": t.hour, "m": t.minute, "s": t.second, "D": t.timetuple().tm_yday,
               "K": t.hour % 12, "h": t.hour % 12 or 12, "k": t.hour or 24, "w": t.isocalendar()[1],
               "W": (t.day - 1 + t.replace(day=1).weekday()) // 7 + 1}  # fmt: skip
    if letter in numbers:
        return _num(numbers[letter], c)
    if letter in "yuY":
        year = t.isocalendar()[0] if letter == "Y" else t.year
        return f"{year % 100:02d}" if c == 2 else _num(year, c)
    if letter in "ML":
        if c <= 2:
            return _num(t.month, c)
        return _SHORT_MONTHS[t.month - 1] if c == 3 else _MONTHS[t.month - 1][: 1 if c == 5 else None]
    if letter in "Qq":
        q = (t.month - 1) // 3 + 1
        return {2: f"0{q}", 3: f"Q{q}", 4: f"{_ORDINALS[q - 1]} quarter"}.get(c, str(q))
    if letter == "E":
        name = (_SHORT_DAYS if c <= 3 else _DAYS)[t.weekday()]
        return name[0] if c == 5 else name
    if letter == "a":
        return "AM" if t.hour < 12 else "PM"
    if letter == "G":
        return ("AD", "Anno Domini", "A")[max(0, c - 3)]
    nanos = t.microsecond * 1000
    if letter == "S":
        return f"{nanos:09d}"[:c]
    if letter == "n":
        return _num(nanos, c)
    return _render_zone(letter, c, t, pattern)


def _render_zone(letter: str, c: int, t: dt.datetime, pattern: str) -> str:
    offset = t.utcoffset()
    if offset is None:
        raise UsageError(f"pattern={pattern!r} needs a time zone offset ({letter * c!r}) but the value has no tzinfo")
    total = int(offset.total_seconds())
    sign, hh, rest = ("-" if total < 0 else "+"), abs(total) // 3600, abs(total) % 3600
    mm, ss = rest // 60, rest % 60
    colon = f"{sign}{hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")
    if letter == "z":
        name = t.tzname() or ""
        if c == 4:
            return "Coordinated Universal Time" if total == 0 else (name if " " in name else f"GMT{colon}")
        return name if re.fullmatch(_ZONE_SHORT, name) else ("UTC" if total == 0 else f"GMT{colon}")
    if letter == "V":
        return getattr(t.tzinfo, "key", None) or ("Z" if total == 0 else colon)
    if letter == "O":
        short = f"GMT{sign}{hh}" + (f":{mm:02d}" if mm or ss else "") + (f":{ss:02d}" if ss else "")
        return "GMT" if total == 0 else (short if c == 1 else f"GMT{colon}")
    if letter == "Z" and c == 4:
        return "GMT" if total == 0 else f"GMT{colon}"
    if total == 0 and (letter == "X" or (letter == "Z" and c == 5)):
        return "Z"
    compact = f"{sign}{hh:02d}{mm:02d}"
    if letter == "Z" and c <= 3:
        return compact
    if c == 1:
        return f"{sign}{hh:02d}" + (f"{mm:02d}" if mm else "")
    return {2: compact, 3: colon[:6], 4: compact + (f"{ss:02d}" if ss else "")}.get(c, colon)
