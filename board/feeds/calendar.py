"""Render sessions and their agendas as an iCalendar document.

Only what a calendar may carry: case references, sites, kinds, priorities, minutes, the
presenting physician and the question's category; never a patient's name, record number,
birth date or diagnosis. Output is deterministic: the same rows give the same bytes.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration, vText

from board.agendas.models import AgendaItem
from board.feeds.timezones import vtimezone
from board.sessions.models import BoardSession, SessionStatus

PRODID = "-//Tumor Board Scheduling//Board feeds 1.0//EN"
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class FeedHeader:
    """Calendar-level names shown by the subscribing client."""

    uid: str
    name: str
    description: str


def agenda_line(item: AgendaItem) -> str:
    """One agenda entry, free of patient-identifying data."""
    case = item.case
    parts = [
        f"{item.position}. {case.reference}",
        case.site.name,
        case.opinion_kind.label,
        case.priority.value,
        f"{item.minutes} min",
    ]
    if case.presenting_physician:
        parts.append(f"presented by {case.presenting_physician}")
    parts.append(case.question_category.label)
    return " · ".join(parts)


def event_description(
    session: BoardSession,
    agenda: Sequence[AgendaItem],
    agenda_url: str,
    attendance_url: str | None,
) -> str:
    used = sum(item.minutes for item in agenda)
    lines = [
        f"{session.board.name}: {len(agenda)} case{'s' if len(agenda) != 1 else ''}, "
        f"{used} of {session.capacity_minutes} minutes"
        + (" (agenda published)" if session.status == SessionStatus.PUBLISHED else ""),
        "",
        *(agenda_line(item) for item in agenda),
    ]
    if not agenda:
        lines.append("No cases on the agenda yet.")
    lines.append("")
    if session.video_link:
        lines.append(f"Video: {session.video_link}")
    lines.append(f"Agenda (log in): {agenda_url}")
    if attendance_url:
        lines.append(f"Confirm or decline: {attendance_url}")
    return "\n".join(lines)


def unambiguous_times(session: BoardSession, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end in the board's zone, or both in UTC when either wall-clock time is
    ambiguous (the repeated hour of a fall-back): parsers disagree on which of the two
    instants such a local time means, while every one reads UTC the same way."""
    local = [moment.astimezone(zone) for moment in (session.starts_at, session.ends_at)]
    if any(
        moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset() for moment in local
    ):
        return session.starts_at.astimezone(UTC), session.ends_at.astimezone(UTC)
    return local[0], local[1]


def session_event(
    session: BoardSession,
    agenda: Sequence[AgendaItem],
    domain: str,
    agenda_url: str,
    attendance_url: str | None,
) -> Event:
    """One VEVENT per session; its UID survives any reschedule."""
    zone = ZoneInfo(session.board.time_zone)
    changed = (session.content_changed_at or session.created_at).astimezone(UTC)
    cancelled = session.status == SessionStatus.CANCELLED
    event = Event()
    event.add("uid", f"session-{session.id}@{domain}")
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("sequence", session.sequence)
    starts_at, ends_at = unambiguous_times(session, zone)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", f"{'Cancelled: ' if cancelled else ''}{session.board.name}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if session.location:
        event.add("location", session.location)
    if session.video_link:
        event.add("url", session.video_link)
    event.add("description", event_description(session, agenda, agenda_url, attendance_url))
    return event


def render_calendar(
    header: FeedHeader,
    sessions: Sequence[BoardSession],
    agendas: dict[int, list[AgendaItem]],
    domain: str,
    agenda_url: Callable[[BoardSession], str],
    attendance_url: Callable[[BoardSession], str | None] | None = None,
) -> bytes:
    """The whole feed as iCalendar bytes (CRLF, folded at 75 octets, UTF-8)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("uid", header.uid)
    calendar.add("name", header.name)
    calendar.add("x-wr-calname", vText(header.name))
    calendar.add("description", header.description)
    calendar.add("x-wr-caldesc", vText(header.description))
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vText("PT1H"))
    zones = sorted({session.board.time_zone for session in sessions})
    if sessions:
        first_year = min(s.starts_at.year for s in sessions) - 1
        last_year = max(s.starts_at.year for s in sessions) + 1
        for zone in zones:
            calendar.add_component(vtimezone(zone, first_year, last_year))
    for session in sessions:
        calendar.add_component(
            session_event(
                session,
                agendas.get(session.id, []),
                domain,
                agenda_url(session),
                attendance_url(session) if attendance_url else None,
            )
        )
    return calendar.to_ical()
