"""The quick test of common Java date patterns accepts only values the full check accepts, and most valid ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract import _javatime
from polycontract._javatime import matches_java_pattern, quick_java_test

# (Java pattern, the same as a strftime format for generating valid values)
PATTERNS = [
    ("yyyy-MM-dd", "%Y-%m-%d"),
    ("yyyy-MM-dd'T'HH:mm:ss", "%Y-%m-%dT%H:%M:%S"),
    ("dd/MM/yyyy HH:mm", "%d/%m/%Y %H:%M"),
    ("MM-dd", "%m-%d"),
    ("dd.MM.uuuu", "%d.%m.%Y"),
    ("HH:mm:ss.SSS", "%H:%M:%S.000"),
    ("yyyyMMddHHmmss", "%Y%m%d%H%M%S"),
    ("ddMM", "%d%m"),
]
MOMENTS = st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31))


def full_check(value: str, pattern: str) -> bool:
    """`matches_java_pattern` without its quick test."""
    slow = dataclasses.replace(_javatime.compile_pattern(pattern), quick=None)
    with mock.patch.object(_javatime, "compile_pattern", lambda _: slow):
        return matches_java_pattern(value, pattern)


@st.composite
def near_values(draw: st.DrawFn, fmt: str) -> str:
    """A valid value with a few digits replaced: out of range fields, days past the month's end, year 0000."""
    text = list(draw(MOMENTS).strftime(fmt))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text) - 1))
        if text[at].isdigit():
            text[at] = draw(st.sampled_from("0123456789"))
    return "".join(text)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), case=st.sampled_from(PATTERNS))
def test_quick_test_accepts_only_what_the_full_check_accepts(data: st.DataObject, case: tuple[str, str]) -> None:
    pattern, fmt = case
    value = data.draw(near_values(fmt) | st.sampled_from(["", "2021-02-29", "2024-02-29", "0000-01-01", "2024-04-31"]))
    quick = quick_java_test(pattern)
    assert quick is not None
    if quick(value):
        assert full_check(value, pattern), (pattern, value)
    assert matches_java_pattern(value, pattern) == full_check(value, pattern)


@settings(max_examples=200, deadline=None)
@given(moment=MOMENTS, case=st.sampled_from(PATTERNS))
def test_quick_test_accepts_valid_values_except_february_29(moment: dt.datetime, case: tuple[str, str]) -> None:
    pattern, fmt = case
    quick = quick_java_test(pattern)
    assert quick is not None
    assert bool(quick(moment.strftime(fmt))) == (not (moment.month == 2 and moment.day == 29) or "d" not in pattern)


def test_patterns_with_optional_sections_names_or_repeated_fields_have_no_quick_test() -> None:
    for pattern in ("yyyy-MM-dd[XXX]", "dd MMM yyyy", "yyyy-MM-dd yyyy", "yyyy uuuu", "EEE HH:mm"):
        assert quick_java_test(pattern) is None, pattern
