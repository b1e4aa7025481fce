from datetime import date

import pytest

from scheduling import holiday_dates, is_business_day, records_cutoff

THANKSGIVING = date(2025, 11, 27)


@pytest.mark.parametrize(
    ("session_day", "lead", "holidays", "expected"),
    [
        # Tuesday session, 3 business days: Mon, Fri, Thu
        (date(2025, 12, 9), 3, frozenset(), date(2025, 12, 4)),
        (date(2025, 12, 9), 0, frozenset(), date(2025, 12, 9)),
        (date(2025, 12, 9), 1, frozenset(), date(2025, 12, 8)),
        # Monday session with 1 business day skips the weekend
        (date(2025, 12, 8), 1, frozenset(), date(2025, 12, 5)),
        # a holiday inside the lead time pushes the cutoff one more day back
        (date(2025, 12, 1), 3, frozenset({THANKSGIVING}), date(2025, 11, 25)),
        (date(2025, 12, 1), 3, frozenset(), date(2025, 11, 26)),
        # across New Year with both holidays
        (
            date(2026, 1, 5),
            5,
            frozenset({date(2025, 12, 25), date(2026, 1, 1)}),
            date(2025, 12, 26),
        ),
    ],
)
def test_records_cutoff(session_day, lead, holidays, expected):
    assert records_cutoff(session_day, lead, holidays) == expected


def test_negative_lead_is_rejected():
    with pytest.raises(ValueError):
        records_cutoff(date(2025, 12, 9), -1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2025, 12, 6), False), (date(2025, 12, 7), False), (date(2025, 12, 8), True)],
)
def test_weekends_are_not_business_days(day, expected):
    assert is_business_day(day) is expected


def test_holiday_dates_come_from_the_holidays_package():
    us = holiday_dates("US", [2025])
    assert THANKSGIVING in us
    assert date(2025, 12, 25) in us
    assert date(2025, 12, 24) not in us
