"""Java DateTimeFormatter patterns: strftime translation, validation of values, rendering."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from polycontract._javatime import (
    format_java,
    java_to_regex,
    java_to_strftime,
    matches_java_pattern,
    strftime_to_java,
)
from polycontract.errors import UsageError

UTC = dt.UTC
INSTANT = dt.datetime(2000, 2, 1, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fmt", "java"),
    [
        ("%Y-%m-%d", "yyyy-MM-dd"),
        ("%H:%M:%S", "HH:mm:ss"),
        ("%Y-%m-%dT%H:%M:%S%z", "yyyy-MM-dd'T'HH:mm:ssZ"),
        ("%Y-%m-%dT%H:%M:%S.%f", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"),
        ("%d %b %Y", "dd MMM yyyy"),
        ("%A, %d %B %Y", "EEEE, dd MMMM yyyy"),
        ("%a %I:%M %p", "EEE hh:mm a"),
        ("%j/%y", "DDD/yy"),
        ("%H:%M %Z", "HH:mm z"),
        ("%Y-%m-%dT%H:%M:%S%:z", "yyyy-MM-dd'T'HH:mm:ssXXX"),
        ("%-d/%-m/%Y", "d/M/yyyy"),
        ("%F %T", "yyyy-MM-dd HH:mm:ss"),
        ("100%%", "100%"),
        ("it's %H", "'it''s' HH"),
        ("%Y at %H o'clock", "yyyy 'at' HH 'o''clock'"),
        ("[%H]", "'['HH']'"),
        ("", ""),
    ],
)
def test_strftime_to_java_writes_the_pattern_other_pact_tools_write(fmt: str, java: str) -> None:
    assert strftime_to_java(fmt) == java


@pytest.mark.parametrize("directive", ["%c", "%x", "%X", "%U", "%W", "%w", "%u", "%G", "%V", "%Q", "%-y"])
def test_strftime_to_java_rejects_a_directive_without_java_equivalent_naming_it(directive: str) -> None:
    with pytest.raises(UsageError, match=re.escape(directive)):
        strftime_to_java(f"%Y {directive}")


def test_strftime_to_java_rejects_a_trailing_percent() -> None:
    with pytest.raises(UsageError, match="lone '%'"):
        strftime_to_java("%Y%")


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        # The patterns of the compatibility suite and the ones other Pact tools write.
        ("yyyy-MM-dd", "2019-07-23"),
        ("HH:mm:ss", "23:59:59"),
        ("HH:mm:ss", "00:00:00"),
        ("yyyy-MM-dd'T'HH:mm:ss", "2015-06-10T20:41:37"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-01T10:00:00.123Z"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-01T10:00:00.123+01"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-01T10:00:00.123-0530"),
        ("yyyy-MM-dd HH:mm:ssZZZZZ", "2020-01-01 10:00:00Z"),
        ("yyyy-MM-dd HH:mm:ssZZZZZ", "2020-01-01 10:00:00+05:30"),
        ("yyyy-MM-dd'T'HH:mm:ssZ", "2000-02-01T12:30:00+0000"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2000-02-01T12:30:00Z"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2000-02-01T12:30:00-08:00"),
        ("yyyy-MM-dd'T'HH:mm:ssxxx", "2000-02-01T12:30:00+00:00"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSSSS", "2000-02-01T12:30:00.000001"),
        ("yyyy-MM-dd'T'HH:mm:ss[.SSS]XXX", "2020-01-01T10:00:00Z"),
        ("yyyy-MM-dd'T'HH:mm:ss[.SSS]XXX", "2020-01-01T10:00:00.250Z"),
        ("yyyy-MM-dd'T'HH:mm[:ss[.SSS]]", "2020-01-01T10:00"),
        ("yyyy-MM-dd'T'HH:mm[:ss[.SSS]]", "2020-01-01T10:00:59.999"),
        ("yyyy-MM-dd'T'HH:mm:ss'['VV']'", "2020-01-01T10:00:00[Europe/Paris]"),
        ("yyyy-MM-dd HH:mm z", "2020-01-01 10:00 UTC"),
        ("yyyy-MM-dd HH:mm O", "2020-01-01 10:00 GMT+8"),
        ("yyyy-MM-dd HH:mm OOOO", "2020-01-01 10:00 GMT+08:00"),
        ("yyyy-MM-dd HH:mm ZZZZ", "2020-01-01 10:00 GMT"),
        ("EEE, dd MMM yyyy HH:mm:ss Z", "Tue, 01 Feb 2000 12:30:00 +0000"),
        ("EEEE d MMMM uuuu", "Tuesday 1 February 2000"),
        ("dd/MM/yy", "23/07/19"),
        ("d/M/y", "3/7/2019"),
        ("hh:mm a", "12:30 PM"),
        ("hh:mm a", "12:05 AM"),
        ("h:mm a", "9:05 AM"),
        ("K:mm a", "0:05 AM"),
        ("kk:mm", "24:00"),
        ("yyyy-DDD", "2020-366"),
        ("yyyy QQQ", "2020 Q1"),
        ("MMM yyyy QQQQ", "Nov 2020 4th quarter"),
        ("yyyy G", "2020 AD"),
        ("yyyy-'W'ww", "2020-W53"),
        ("HH:mm:ss.nnnnnnnnn", "10:00:00.123456789"),
        ("''yy", "'99"),
        ("'o''clock' HH", "o'clock 10"),
        ("MM-dd", "02-29"),
    ],
)
def test_matches_java_pattern_accepts_valid_values(pattern: str, value: str) -> None:
    assert matches_java_pattern(value, pattern)


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        ("yyyy-MM-dd", "23/07/19"),  # the compatibility suite's negative case
        ("yyyy-MM-dd", "2020-02-30"),
        ("yyyy-MM-dd", "2021-02-29"),
        ("yyyy-MM-dd", "1900-02-29"),
        ("yyyy-MM-dd", "2020-04-31"),
        ("yyyy-MM-dd", "2020-13-01"),
        ("yyyy-MM-dd", "2020-00-10"),
        ("yyyy-MM-dd", "2020-01-00"),
        ("yyyy-MM-dd", "0000-01-01"),
        ("yyyy-MM-dd", "2020-1-01"),
        ("yyyy-MM-dd", "2020-01-01 "),
        ("yyyy-MM-dd", "2020-01-01T00:00"),
        ("HH:mm:ss", "24:00:00"),
        ("HH:mm:ss", "12:60:00"),
        ("HH:mm:ss", "12:00:60"),
        ("HH:mm:ss", "2:00:00"),
        ("yyyy-MM-dd'T'HH:mm:ss", "2015-06-10T22:98:78"),
        ("yyyy-MM-dd'T'HH:mm:ss", "2015-06-10t20:41:37"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-01T10:00:00.12Z"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-01T10:00:00.123+01:00"),
        ("yyyy-MM-dd HH:mm:ssZZZZZ", "2020-01-01 10:00:00+0530"),
        ("yyyy-MM-dd'T'HH:mm:ssZ", "2000-02-01T12:30:00Z"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2000-02-01T12:30:00+19:00"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2000-02-01T12:30:00+05:60"),
        ("yyyy-MM-dd'T'HH:mm:ssxxx", "2000-02-01T12:30:00Z"),
        ("yyyy-MM-dd'T'HH:mm:ss[.SSS]XXX", "2020-01-01T10:00:00.5Z"),
        ("EEE, dd MMM yyyy", "Wed, 01 Feb 2000"),
        ("EEE, dd MMM yyyy", "tue, 01 Feb 2000"),
        ("dd MMM yyyy", "01 Fev 2000"),
        ("hh:mm a", "13:30 PM"),
        ("hh:mm a", "00:30 AM"),
        ("hh:mm a", "12:30 pm"),
        ("HH:mm a", "13:30 AM"),
        ("kk:mm", "00:00"),
        ("yyyy-DDD", "2021-366"),
        ("yyyy-DDD", "2021-000"),
        ("MMM yyyy QQQQ", "Nov 2020 1st quarter"),
        ("yyyy-'W'ww", "2020-W54"),
        ("MM-dd", "02-30"),
        ("'T'HH", "THH"),
    ],
)
def test_matches_java_pattern_rejects_invalid_values(pattern: str, value: str) -> None:
    assert not matches_java_pattern(value, pattern)


def test_two_digit_years_are_in_the_2000s_for_leap_years() -> None:
    assert matches_java_pattern("29/02/20", "dd/MM/yy")
    assert not matches_java_pattern("29/02/21", "dd/MM/yy")


def test_two_digit_years_are_cross_checked_against_the_day_name_as_20yy() -> None:
    assert matches_java_pattern("Thursday 01 January 99", "EEEE dd MMMM yy")  # 2099-01-01
    assert not matches_java_pattern("Friday 01 January 99", "EEEE dd MMMM yy")  # 1999-01-01, not 2099


def test_a_repeated_field_must_agree_with_itself() -> None:
    assert matches_java_pattern("2020 2020", "yyyy yyyy")
    assert not matches_java_pattern("2020 2021", "yyyy yyyy")


def test_matches_java_pattern_says_no_to_non_strings() -> None:
    assert not matches_java_pattern(20200101, "yyyyMMdd")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("yyyy-MM-dd'T", "never closed"),
        ("yyyy-[MM", "never closed"),
        ("yyyy]", "closes no optional section"),
        ("dd-bb", "'b' is not supported"),
        ("ddd", "'ddd'"),
        ("aa", "'aa'"),
        ("MMMMMM", "'MMMMMM'"),
        ("VVV", "'VVV'"),
        ("{yyyy}", "reserved"),
        ("yyyy#", "reserved"),
        ("SSSSSSSSSS", "'SSSSSSSSSS'"),
    ],
)
def test_an_unusable_pattern_raises_usage_error_quoting_it(pattern: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)) as info:
        matches_java_pattern("2020", pattern)
    assert f"pattern={pattern!r}" in str(info.value)


def test_java_to_regex_is_cached_and_fullmatches_the_shape() -> None:
    regex = java_to_regex("yyyy-MM-dd")
    assert regex is java_to_regex("yyyy-MM-dd")
    assert regex.fullmatch("2020-02-30")  # the shape only; ranges are checked by matches_java_pattern
    assert not regex.fullmatch("2020-02-3")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd", "%Y-%m-%d"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ", "%Y-%m-%dT%H:%M:%S.%f%z"),
        ("EEE, dd MMM yy hh:mm a z", "%a, %d %b %y %I:%M %p %Z"),
        ("EEEE DDD MMMM", "%A %j %B"),
        ("'100%' HH", "100%% %H"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", None),
        ("yyyy-MM-dd[ HH]", None),
        ("yyyy-MM-dd'T'HH:mm:ss.SSS", None),
        ("d/M/y", None),
    ],
)
def test_java_to_strftime_gives_the_equivalent_or_none(pattern: str, expected: str | None) -> None:
    assert java_to_strftime(pattern) == expected


def test_java_to_strftime_round_trips_strftime_to_java() -> None:
    fmt = "%Y-%m-%dT%H:%M:%S.%f%z"
    assert java_to_strftime(strftime_to_java(fmt)) == fmt


@pytest.mark.parametrize(
    ("pattern", "rendered"),
    [
        ("yyyy-MM-dd'T'HH:mm:ssZ", "2000-02-01T12:30:00+0000"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2000-02-01T12:30:00.000Z"),
        ("yyyy-MM-dd'T'HH:mm:ssxxx", "2000-02-01T12:30:00+00:00"),
        ("EEE, d MMM yy hh:mm a", "Tue, 1 Feb 00 12:30 PM"),
        ("EEEE MMMM DDD G QQQ", "Tuesday February 032 AD Q1"),
        ("'T'HH''mm", "T12'30"),
        ("HH:mm[ VV]", "12:30 Z"),
        ("HH:mm z", "12:30 UTC"),
    ],
)
def test_format_java_renders_with_english_names(pattern: str, rendered: str) -> None:
    assert format_java(INSTANT, pattern) == rendered
    assert matches_java_pattern(rendered, pattern)


def test_format_java_renders_non_utc_offsets() -> None:
    moment = dt.datetime(2020, 6, 1, 9, 5, 7, 120000, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30)))
    assert format_java(moment, "HH:mm:ss.SSS X") == "09:05:07.120 -0530"
    assert format_java(moment, "HH:mm XXX|Z|ZZZZ|O") == "09:05 -05:30|-0530|GMT-05:30|GMT-5:30"


def test_format_java_needs_an_offset_for_offset_fields_but_skips_optional_ones() -> None:
    naive = dt.datetime(2000, 2, 1, 12, 30)
    assert format_java(naive, "HH:mm[XXX]") == "12:30"
    with pytest.raises(UsageError, match="no tzinfo"):
        format_java(naive, "HH:mmXXX")
