"""Validators shared by the schemas."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrulestr
from marshmallow import ValidationError


def today() -> date:
    """Today's date in UTC; the service's notion of 'today' for input checks."""
    return datetime.now(UTC).date()


def validate_time_zone(name: str) -> None:
    """Accept only IANA time zone names."""
    if name not in available_timezones():
        raise ValidationError(f"Unknown time zone '{name}'; use an IANA name such as Europe/Paris.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"Unknown time zone '{name}'.") from error


def validate_recurrence(text: str) -> None:
    """Accept an RRULE body (no DTSTART) that yields at least one meeting in the next year."""
    body = text.strip().removeprefix("RRULE:")
    if not body.upper().startswith("FREQ=") and ";FREQ=" not in body.upper():
        raise ValidationError("A recurrence needs FREQ, e.g. FREQ=WEEKLY;BYDAY=TU.")
    if "DTSTART" in body.upper():
        raise ValidationError("Leave DTSTART out: the board's start time and time zone set it.")
    start = datetime.combine(today(), time(0, 0))
    try:
        rule = rrulestr(body, dtstart=start)
        first = rule.after(start, inc=True)
    except (ValueError, TypeError) as error:
        raise ValidationError(f"Cannot read this recurrence rule: {error}.") from error
    if first is None or (first - start).days > 366:
        raise ValidationError("This recurrence rule yields no meeting within the next year.")


def validate_not_future(value: date) -> None:
    """Dates of things that already happened."""
    if value > today():
        raise ValidationError("This date is in the future.")


def validate_not_past(value: date) -> None:
    """Dates of things still to come."""
    if value < today():
        raise ValidationError("This date is in the past.")


# Plans reach months ahead; a date decades away is a typo, and one near the end of the
# calendar would overflow the engine's date arithmetic for every case.
MAX_YEARS_AHEAD = 10


def validate_within_reach(value: date | datetime) -> None:
    """Dates of plans: at most MAX_YEARS_AHEAD years from today."""
    day = value.date() if isinstance(value, datetime) else value
    if day.year > today().year + MAX_YEARS_AHEAD:
        raise ValidationError(f"This date is more than {MAX_YEARS_AHEAD} years ahead.")


# The largest id an id column holds: they are INTEGER, 32 bits on PostgreSQL. A bigger one
# names no row, and binding it would fail (PostgreSQL: out of range; SQLite past 2**63).
MAX_ROW_ID = 2**31 - 1


def validate_row_id(value: int) -> None:
    """Ids of rows: positive and within a database integer."""
    if not 1 <= value <= MAX_ROW_ID:
        raise ValidationError("No record has this id.")


def validate_http_url(value: str) -> None:
    """Links must be http(s) so they open from a calendar or a page."""
    if value and not value.startswith(("https://", "http://")):
        raise ValidationError("Enter a link starting with https://.")
