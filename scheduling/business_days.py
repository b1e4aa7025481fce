"""Business-day arithmetic for records lead times, shared with the web app's cutoff job."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays as holidays_package


def is_business_day(day: date, holidays: frozenset[date] | set[date] = frozenset()) -> bool:
    """Return True when the day is a weekday and not a holiday."""
    return day.weekday() < 5 and day not in holidays


def records_cutoff(
    session_date: date, lead_days: int, holidays: frozenset[date] | set[date] = frozenset()
) -> date:
    """Return the last day records may arrive: `lead_days` business days before the session."""
    if lead_days < 0:
        raise ValueError("lead_days must not be negative")
    day = session_date
    remaining = lead_days
    while remaining:
        day -= timedelta(days=1)
        if is_business_day(day, holidays):
            remaining -= 1
    return day


def holiday_dates(
    country: str, years: Iterable[int], subdivision: str | None = None
) -> frozenset[date]:
    """Return the public holidays of a country (and subdivision) for the given years."""
    calendar = holidays_package.country_holidays(country, subdiv=subdivision, years=sorted(years))
    return frozenset(calendar.keys())
