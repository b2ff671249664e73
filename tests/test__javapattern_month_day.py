"""A quick date test reads a month and day with only literal text between them in one pass, and accepts
exactly the days that exist in that month in every year: for every month and day written in two digits,
it passes the values the full check accepts (February 29 aside, which the full check decides) and no other."""

from __future__ import annotations

import calendar

import pytest

from polycontract._javatime import matches_java_pattern, quick_java_test


@pytest.mark.parametrize(
    ("pattern", "template"),
    [
        ("yyyy-MM-dd", "2023-{M}-{d}"),
        ("yyyy-MM-dd'T'HH:mm:ss", "2024-{M}-{d}T10:30:00"),
        ("dd/MM/yyyy", "{d}/{M}/2024"),
        ("dd.MM.yyyy HH:mm", "{d}.{M}.2023 23:59"),
        ("MM-yyyy-dd", "{M}-2024-{d}"),  # a field between them: checked ahead, as before
        ("yyyyMMdd", "2024{M}{d}"),
    ],
)
def test_quick_date_tests_accept_the_days_of_each_month_and_no_other(pattern: str, template: str) -> None:
    quick = quick_java_test(pattern)
    assert quick is not None
    for month in range(14):
        for day in range(33):
            value = template.format(M=f"{month:02d}", d=f"{day:02d}")
            exists = 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2023, month)[1]
            assert bool(quick(value)) == exists, value
            if exists:
                assert matches_java_pattern(value, pattern), value
