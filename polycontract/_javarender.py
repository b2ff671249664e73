"""Rendering an instant in a Java ``DateTimeFormatter`` pattern, with English names whatever the process locale."""

from __future__ import annotations

import datetime as dt
import re

from polycontract._javapattern import (
    DAYS,
    MONTHS,
    SHORT_DAYS,
    SHORT_MONTHS,
    ZONE_SHORT,
    Field,
    Item,
    Section,
    compile_pattern,
)
from polycontract.errors import UsageError

__all__ = ["format_java"]

_ORDINALS = ("1st", "2nd", "3rd", "4th")


def format_java(moment: dt.datetime, pattern: str) -> str:
    """Render ``moment`` in a Java pattern with English names, independent of the process locale.

    Offset and zone fields need an aware ``moment``; in an optional section they are left out
    instead. No clock is read.

    >>> format_java(dt.datetime(2000, 2, 1, 12, 30, tzinfo=dt.timezone.utc), "EEE, d MMM yyyy HH:mm XXX")
    'Tue, 1 Feb 2000 12:30 Z'
    """
    return _render(compile_pattern(pattern).items, moment, pattern)


def _render(items: tuple[Item, ...], moment: dt.datetime, pattern: str) -> str:
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Section):
            try:
                out.append(_render(item.items, moment, pattern))
            except UsageError:
                continue
        else:
            out.append(_render_field(item, moment, pattern))
    return "".join(out)


def _num(value: int, count: int) -> str:
    return str(value) if count == 1 else f"{value:0{count}d}"


def _render_field(f: Field, t: dt.datetime, pattern: str) -> str:
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
        return SHORT_MONTHS[t.month - 1] if c == 3 else MONTHS[t.month - 1][: 1 if c == 5 else None]
    if letter in "Qq":
        q = (t.month - 1) // 3 + 1
        return {2: f"0{q}", 3: f"Q{q}", 4: f"{_ORDINALS[q - 1]} quarter"}.get(c, str(q))
    if letter == "E":
        name = (SHORT_DAYS if c <= 3 else DAYS)[t.weekday()]
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
        return name if re.fullmatch(ZONE_SHORT, name) else ("UTC" if total == 0 else f"GMT{colon}")
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
