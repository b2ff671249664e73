"""Pact date/time expressions (``today +2 weeks``, ``tomorrow @ noon``, ``next hour``), for the
``Date``, ``Time`` and ``DateTime`` generators.

Evaluation is pure: the moment the expression starts from is an argument.

>>> import datetime
>>> eval_date_expression("tomorrow @ noon", datetime.datetime(2024, 2, 29, 8, 15))
datetime.datetime(2024, 3, 1, 12, 0)
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable

from polycontract.errors import UsageError

__all__ = ["eval_date_expression"]

_EXPR_TOKEN = re.compile(r"\d+|[a-z']+|\S")
_UNITS = {"second": "seconds", "minute": "minutes", "hour": "hours", "day": "days", "week": "weeks"}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = {n: i for i, day in enumerate(_DAY_NAMES) for n in (day.lower(), day[:3].lower())} | {"tues": 1, "thurs": 3}
_MONTHS = {n: i + 1 for i, month in enumerate(_MONTH_NAMES) for n in (month.lower(), month[:3].lower())} | {"sept": 9}


def eval_date_expression(expression: str, now: datetime.datetime) -> datetime.datetime:
    """Evaluate a Pact date/time expression (``today +2 weeks``, ``tomorrow @ noon``, ``next hour``)."""
    tokens = _EXPR_TOKEN.findall(expression.lower())
    result, i = now, 0

    def fail(expected: str) -> UsageError:
        found = repr(tokens[i]) if i < len(tokens) else "the end"
        return UsageError(f"date expression={expression!r}: expected {expected}, found {found}")

    while i < len(tokens):
        token = tokens[i]
        if token in ("now", "today", "@"):
            i += 1
        elif token in ("yesterday", "tomorrow"):
            result += datetime.timedelta(days=1 if token == "tomorrow" else -1)
            i += 1
        elif token in ("midnight", "noon"):
            result = result.replace(hour=0 if token == "midnight" else 12, minute=0, second=0, microsecond=0)
            i += 1
        elif token in ("+", "-"):
            i += 1
            if i >= len(tokens) or not tokens[i].isdigit():
                raise fail("a number")
            amount = int(tokens[i]) * (1 if token == "+" else -1)
            i += 1
            result = _shift(result, tokens[i] if i < len(tokens) else "", amount, fail)
            i += 1
        elif token in ("next", "last"):
            i += 1
            result = _shift(result, tokens[i] if i < len(tokens) else "", 1 if token == "next" else -1, fail)
            i += 1
        elif token.isdigit():  # "2 o'clock", "11 o'clock pm"
            hour = int(token)
            i += 1
            if i >= len(tokens) or tokens[i] != "o'clock" or hour > 12:
                raise fail("o'clock after an hour from 0 to 12")
            i += 1
            if i < len(tokens) and tokens[i] in ("am", "pm"):
                hour = hour % 12 + (12 if tokens[i] == "pm" else 0)
                i += 1
            result = result.replace(hour=hour, minute=0, second=0, microsecond=0)
        else:
            raise fail("now, today, yesterday, tomorrow, midnight, noon, +, -, next, last or '@'")
    return result


def _shift(moment: datetime.datetime, unit: str, amount: int, fail: Callable[[str], UsageError]) -> datetime.datetime:
    name = unit[:-1] if unit[:-1] in (*_UNITS, "fortnight", "month", "year") else unit
    if name in _UNITS:
        return moment + datetime.timedelta(**{_UNITS[name]: amount})
    if name == "fortnight":
        return moment + datetime.timedelta(weeks=2 * amount)
    if name in ("month", "year"):
        return _add_months(moment, amount * (12 if name == "year" else 1))
    if abs(amount) == 1 and name in _WEEKDAYS:  # next/last monday: strictly after/before
        delta = (_WEEKDAYS[name] - moment.weekday()) % 7 if amount > 0 else -((moment.weekday() - _WEEKDAYS[name]) % 7)
        return moment + datetime.timedelta(days=delta or 7 * amount)
    if abs(amount) == 1 and name in _MONTHS:  # next/last january: the same day in that month
        delta = (_MONTHS[name] - moment.month) % 12 if amount > 0 else -((moment.month - _MONTHS[name]) % 12)
        return _add_months(moment, delta or 12 * amount)
    raise fail("a unit (second, minute, hour, day, week, fortnight, month, year; a day or month name after next/last)")


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
