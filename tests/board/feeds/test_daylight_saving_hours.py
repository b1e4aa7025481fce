"""Sessions around the fall-back and spring-forward hours of three zones: every parser that
did not write the feed (vobject, Home Assistant's ical, icalendar, recurring-ical-events,
Mozilla's ical.js under Node, libical) reads the instant the database holds."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream

from board.boards.models import Board
from board.feeds.calendar import FeedHeader, render_calendar
from board.sessions.models import BoardSession, SessionStatus
from tests.calendar_readers import instants_by_icaljs, instants_by_libical

ZONES = ["America/New_York", "Europe/Paris", "Australia/Sydney"]


def offset_changes(zone: ZoneInfo, year: int) -> list[datetime]:
    """The UTC instants at which the zone's offset changes during the year."""
    changes, moment = [], datetime(year, 1, 1, tzinfo=UTC)
    while moment.year == year:
        following = moment + timedelta(minutes=30)
        if following.astimezone(zone).utcoffset() != moment.astimezone(zone).utcoffset():
            changes.append(following)
        moment = following
    return changes


def sessions_around_changes(zone_name: str) -> list[BoardSession]:
    """One-hour sessions starting half-hourly from 90 minutes before to 90 after each change."""
    zone = ZoneInfo(zone_name)
    board = Board(
        id=1, name=f"Board in {zone_name}", time_zone=zone_name, location="Room 1", video_link=""
    )
    board.capacity_minutes = 60
    sessions = []
    for change in offset_changes(zone, 2027):
        for half_hours in range(-3, 4):
            starts_at = change + timedelta(minutes=30 * half_hours)
            sessions.append(
                BoardSession(
                    id=len(sessions) + 1,
                    board=board,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=1),
                    status=SessionStatus.PLANNED,
                    sequence=0,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                    content_changed_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
    return sessions


def render(sessions: list[BoardSession]) -> bytes:
    return render_calendar(
        FeedHeader(uid="dst@test", name="DST", description="Daylight-saving hours"),
        sessions,
        {},
        "tumorboard.example.org",
        agenda_url=lambda s: f"https://example.org/sessions/{s.id}/agenda",
    )


def session_id(uid: str) -> int:
    return int(uid.split("-")[1].split("@")[0])


def by_vobject(body: bytes) -> dict:
    parsed = vobject.readOne(body.decode(), validate=True)
    return {
        session_id(e.uid.value): (e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC))
        for e in parsed.vevent_list
    }


def by_ical(body: bytes) -> dict:
    parsed = IcsCalendarStream.calendar_from_ics(body.decode())
    return {
        session_id(e.uid): (e.dtstart.astimezone(UTC), e.dtend.astimezone(UTC))
        for e in parsed.events
    }


def by_icalendar(body: bytes) -> dict:
    return {
        session_id(str(e["UID"])): (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }


def by_recurring_ical_events(body: bytes) -> dict:
    events = recurring_ical_events.of(icalendar.Calendar.from_ical(body)).between(
        datetime(2026, 6, 1, tzinfo=UTC), datetime(2028, 6, 1, tzinfo=UTC)
    )
    return {
        session_id(str(e["UID"])): (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in events
    }


def by_icaljs(body: bytes) -> dict:
    return {session_id(uid): instants for uid, instants in instants_by_icaljs(body).items()}


def by_libical(body: bytes) -> dict:
    return {session_id(uid): instants for uid, instants in instants_by_libical(body).items()}


PARSERS = [by_vobject, by_ical, by_icalendar, by_recurring_ical_events, by_icaljs, by_libical]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda parser: parser.__name__)
@pytest.mark.parametrize("zone", ZONES)
def test_parsers_read_the_stored_instant_around_each_change(zone, parser):
    sessions = sessions_around_changes(zone)
    assert len(sessions) == 14  # two changes a year in each of these zones
    read = parser(render(sessions))
    assert read == {s.id: (s.starts_at, s.ends_at) for s in sessions}


@pytest.mark.parametrize("zone", ZONES)
def test_ambiguous_local_times_are_written_in_utc_and_the_rest_in_the_zone(zone):
    sessions = sessions_around_changes(zone)
    events = {
        session_id(str(e["UID"])): e
        for e in icalendar.Calendar.from_ical(render(sessions)).walk("VEVENT")
    }
    local_zone = ZoneInfo(zone)
    for session in sessions:
        start = events[session.id]["DTSTART"]
        local = [m.astimezone(local_zone) for m in (session.starts_at, session.ends_at)]
        ambiguous = any(m.replace(fold=1 - m.fold).utcoffset() != m.utcoffset() for m in local)
        if ambiguous:
            assert start.to_ical().endswith(b"Z") and "TZID" not in start.params
        else:
            assert start.params["TZID"] == zone
    assert any("TZID" not in events[s.id]["DTSTART"].params for s in sessions)
