"""Our yearly-rule VTIMEZONEs, read back by vobject, give zoneinfo's offsets at every hour."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from board.feeds.timezones import vtimezone

ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/Paris",
    "Europe/London",
    "Asia/Jerusalem",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "Africa/Casablanca",
    "UTC",
]


def calendar_with(zone: str) -> str:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    calendar.add_component(vtimezone(zone, 2026, 2028))
    event = icalendar.Event()
    event.add("uid", "probe@test")
    event.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
    event.add("dtstart", datetime(2027, 6, 1, 7, 0, tzinfo=ZoneInfo(zone)))
    calendar.add_component(event)
    return calendar.to_ical().decode()


@pytest.mark.parametrize("zone", ZONES)
def test_vtimezone_offsets_match_zoneinfo_every_six_hours(zone):
    parsed = vobject.readOne(calendar_with(zone), validate=True)
    their_zone = parsed.vevent.dtstart.value.tzinfo
    ours = ZoneInfo(zone)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment < datetime(2029, 1, 1, tzinfo=UTC):
        local = moment.astimezone(ours).replace(tzinfo=None)
        # The wall-clock time read through the parser's zone maps back to the same instant,
        # except in the repeated hour of a fall-back, where both readings are legitimate.
        expected = moment.astimezone(ours).utcoffset()
        theirs = local.replace(tzinfo=their_zone).utcoffset()
        if theirs != expected:
            folded = local.replace(tzinfo=ours, fold=1 - moment.astimezone(ours).fold)
            assert folded.utcoffset() == theirs, (zone, moment)
        moment += timedelta(hours=6)


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Paris", "Australia/Sydney"])
def test_daylight_zones_use_one_yearly_rule_per_kind(zone):
    text = vtimezone(zone, 2026, 2028).to_ical().decode()
    assert text.count("RRULE:FREQ=YEARLY") == 2
    assert "RDATE" not in text
