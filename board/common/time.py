"""The clock and time-zone helpers: instants are UTC-aware, local days only at the edges."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """The current instant, UTC-aware."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in UTC; the service's notion of 'today' for input checks."""
    return utcnow().date()


def as_utc(value: datetime | str | None) -> datetime | None:
    """A stored instant (naive UTC from SQLite, ISO text from a raw driver) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_date(instant: datetime, time_zone: str) -> date:
    """The calendar day an instant falls on in a board's time zone."""
    return instant.astimezone(ZoneInfo(time_zone)).date()


def start_of_utc_day(instant: datetime) -> datetime:
    """Midnight UTC of the instant's day."""
    return datetime(instant.year, instant.month, instant.day, tzinfo=UTC)


def board_time(instant: datetime, time_zone: str, pattern: str = "%a %d %b %Y %H:%M") -> str:
    """Show a UTC instant in a board's own time zone."""
    return instant.astimezone(ZoneInfo(time_zone)).strftime(pattern)


def zoned_time(instant: datetime, time_zone: str) -> str:
    """A UTC instant in a board's zone, with the zone named ("… 07:00 America/New_York")."""
    return f"{board_time(instant, time_zone)} {time_zone}"
