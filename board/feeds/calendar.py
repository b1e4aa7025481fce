"""Render sessions and their agendas as an iCalendar document.

Only what a calendar may carry: case references, sites, kinds, priorities, minutes, the
presenting physician and the question's category; never a patient's name, record number,
birth date or diagnosis. Output is deterministic: the same rows give the same bytes.

The calendar's own properties and the VTIMEZONEs are built with icalendar; the events,
hundreds per feed, are written as content lines here (values still encoded by icalendar's
value types), because icalendar's component tree and line folding cost about 3 ms per event
and a cold 300-event feed must build in well under 200 ms (docs/benchmarks.md).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, vDDDTypes, vDuration, vText

from board.cases.models import OpinionKind, QuestionCategory, RecordKind
from board.common.time import board_time
from board.feeds.timezones import vtimezone
from board.sessions.models import AttendanceAnswer, BoardSession, SessionStatus

PRODID = "-//Tumor Board Scheduling//Board feeds 1.0//EN"
REFRESH = timedelta(hours=1)
LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded

# Records a specialty re-reads before a board: pathologists the slides, radiologists images.
REREAD_KINDS = {
    "pathology": (RecordKind.PATHOLOGY_REPORT, RecordKind.SLIDES_BLOCKS),
    "radiology": (RecordKind.IMAGING,),
}


@dataclass(frozen=True)
class FeedHeader:
    """Calendar-level names shown by the subscribing client.

    Only a subscription carries one: a one-off download of a session has no calendar name,
    colour or refresh interval to import.
    """

    uid: str
    name: str
    description: str
    color: str = "steelblue"  # RFC 7986 COLOR, a CSS3 colour name


@dataclass(frozen=True)
class AgendaEntry:
    """One case on a session's agenda, as far as a calendar may show it."""

    position: int
    minutes: int
    case_id: int
    reference: str
    site_name: str
    opinion_kind: str  # stored values, shown by their labels
    priority: str
    presenting_physician: str
    question_category: str
    requested_specialist_id: int | None


# Labels by stored value: a dictionary lookup per agenda line instead of an enum round trip.
OPINION_LABELS = {kind.value: kind.label for kind in OpinionKind}
QUESTION_LABELS = {category.value: category.label for category in QuestionCategory}


@dataclass(frozen=True)
class Personal:
    """What a specialist's own feed adds to each event: their answers, their reminder and
    what they must prepare."""

    answers: dict[int, AttendanceAnswer]
    reminder_minutes: int | None
    attendance_url: Callable[[BoardSession], str | None]
    specialist_id: int | None = None
    presenter_name: str = ""
    specialty_code: str = ""
    # Each agenda case's records checklist: (kind, received) pairs.
    records: dict[int, list[tuple[RecordKind, bool]]] = field(default_factory=dict)
    # The session's records cutoff (last day records may arrive), from the board's lead time.
    records_due: Callable[[BoardSession], date] | None = None


def agenda_line(item: AgendaEntry) -> str:
    """One agenda entry, free of patient-identifying data."""
    parts = [
        f"{item.position}. {item.reference}",
        item.site_name,
        OPINION_LABELS[item.opinion_kind],
        item.priority,
        f"{item.minutes} min",
    ]
    if item.presenting_physician:
        parts.append(f"presented by {item.presenting_physician}")
    parts.append(QUESTION_LABELS[item.question_category])
    return " · ".join(parts)


def preparation_lines(
    session: BoardSession, agenda: Sequence[AgendaEntry], personal: Personal
) -> list[str]:
    """What this specialist must review before the session, without patient identifiers."""
    rereads = REREAD_KINDS.get(personal.specialty_code, ())
    presenter = personal.presenter_name.strip().casefold()
    lines = []
    for item in agenda:
        reasons = []
        if personal.specialist_id and item.requested_specialist_id == personal.specialist_id:
            reasons.append("you are the requested specialist")
        if presenter and item.presenting_physician.strip().casefold() == presenter:
            reasons.append("you present it")
        checklist = personal.records.get(item.case_id, [])
        to_reread = [kind.label for kind, _ in checklist if kind in rereads]
        if to_reread:
            reasons.append("re-read " + ", ".join(to_reread))
        if not reasons:
            continue
        missing = [kind.label for kind, received in checklist if not received]
        records = f"missing: {', '.join(missing)}" if missing else "all in"
        lines.append(f"- {item.reference}: {'; '.join(reasons)} · records {records}")
    if not lines:
        return []
    zone = session.board.time_zone
    due = session.starts_at - timedelta(hours=session.board.agenda_freeze_hours)
    heading = f"Your preparation ({len(lines)} case{'s' if len(lines) != 1 else ''})"
    timing = [f"Prep due: {board_time(due, zone)} (agenda freeze)"]
    if personal.records_due is not None:
        timing.insert(
            0,
            f"Records due: {personal.records_due(session):%a %d %b %Y} "
            f"({session.board.records_lead_business_days} business days ahead)",
        )
    return [heading, *timing, *lines]


ANSWER_LINES = {
    AttendanceAnswer.CONFIRMED: "You confirmed that you will attend.",
    AttendanceAnswer.DECLINED: "You declined this session: you are not counted for its quorum.",
}


def event_description(
    session: BoardSession,
    agenda: Sequence[AgendaEntry],
    agenda_url: str,
    attendance_url: str | None,
    answer: AttendanceAnswer | None = None,
    preparation: Sequence[str] = (),
) -> str:
    used = sum(item.minutes for item in agenda)
    lines = []
    if answer is not None:
        lines += [ANSWER_LINES[answer], ""]
    if preparation:
        lines += [*preparation, ""]
    if session.video_link:
        lines += [f"Join video: {session.video_link}", ""]
    lines += [
        f"{session.board.name}: {len(agenda)} case{'s' if len(agenda) != 1 else ''}, "
        f"{used} of {session.capacity_minutes} minutes"
        + (" (agenda published)" if session.status == SessionStatus.PUBLISHED else ""),
        "",
        *(agenda_line(item) for item in agenda),
    ]
    if not agenda:
        lines.append("No cases on the agenda yet.")
    lines.append("")
    lines.append(f"Agenda (log in): {agenda_url}")
    if attendance_url:
        label = "Change your answer" if answer is not None else "Confirm or decline"
        lines.append(f"{label}: {attendance_url}")
    return "\n".join(lines)


def unambiguous_times(session: BoardSession, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end in the board's zone, or both in UTC when either wall-clock time is
    ambiguous (the repeated hour of a fall-back): parsers disagree on which of the two
    instants such a local time means, while every one reads UTC the same way. (A time read
    from a stored instant always exists, so no gap time can arise.)"""
    local = [moment.astimezone(zone) for moment in (session.starts_at, session.ends_at)]
    if any(
        moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset() for moment in local
    ):
        return session.starts_at.astimezone(UTC), session.ends_at.astimezone(UTC)
    return local[0], local[1]


def event_location(session: BoardSession) -> str:
    """The room, and the video link where clients look for a join button (Google and Apple
    turn a link in LOCATION into one; Outlook shows it where people look for the room)."""
    parts = [part for part in (session.location, session.video_link) if part]
    return " · ".join(parts)


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded at 75 octets without splitting a character."""
    raw = line.encode("utf-8")
    if len(raw) <= LINE_OCTETS:
        return raw + b"\r\n"
    pieces, start, limit = [], 0, LINE_OCTETS
    while len(raw) - start > limit:
        end = start + limit
        while raw[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            end -= 1
        pieces.append(raw[start:end])
        start, limit = end, LINE_OCTETS - 1  # continuation lines begin with one space
    pieces.append(raw[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 asks (icalendar's own escaping)."""
    return vText(value).to_ical().decode("utf-8")


def date_time(moment: datetime) -> tuple[str, str]:
    """(parameters, value) of a DATE-TIME: UTC with a Z, else local with its TZID."""
    value = vDDDTypes(moment).to_ical().decode("ascii")
    if moment.tzinfo is UTC:
        return "", value
    return f";TZID={moment.tzinfo.key}", value


def session_event(
    session: BoardSession,
    agenda: Sequence[AgendaEntry],
    domain: str,
    agenda_url: str,
    attendance_url: str | None = None,
    answer: AttendanceAnswer | None = None,
    reminder_minutes: int | None = None,
    preparation: Sequence[str] = (),
) -> bytes:
    """One VEVENT per session, as content lines; its UID survives any reschedule."""
    zone = ZoneInfo(session.board.time_zone)
    changed = vDDDTypes(
        (session.content_changed_at or session.created_at).astimezone(UTC)
    ).to_ical()
    cancelled = session.status == SessionStatus.CANCELLED
    declined = answer == AttendanceAnswer.DECLINED
    starts_at, ends_at = unambiguous_times(session, zone)
    start_params, start_value = date_time(starts_at)
    end_params, end_value = date_time(ends_at)
    prefix = "Cancelled: " if cancelled else "Declined: " if declined else ""
    lines = [
        "BEGIN:VEVENT",
        f"UID:session-{session.id}@{domain}",
        f"DTSTAMP:{changed.decode()}",
        f"LAST-MODIFIED:{changed.decode()}",
        f"SEQUENCE:{session.sequence}",
        f"DTSTART{start_params}:{start_value}",
        f"DTEND{end_params}:{end_value}",
        f"SUMMARY:{text(prefix + session.board.name)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        # A declined or cancelled session does not make the specialist busy.
        f"TRANSP:{'TRANSPARENT' if cancelled or declined else 'OPAQUE'}",
    ]
    if location := event_location(session):
        lines.append(f"LOCATION:{text(location)}")
    if session.video_link:
        link = "".join(char for char in session.video_link if char >= " ")  # one line only
        lines.append(f"URL:{link}")
        lines.append(f"CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join video:{link}")
    description = event_description(
        session, agenda, agenda_url, attendance_url, answer, preparation
    )
    lines.append(f"DESCRIPTION:{text(description)}")
    if reminder_minutes and not cancelled and not declined:
        # A display alarm with a stable UID (RFC 9074).
        lines += [
            "BEGIN:VALARM",
            f"UID:reminder-{session.id}@{domain}",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{text(f'{session.board.name} in {reminder_minutes} minutes')}",
            f"TRIGGER:{vDuration(timedelta(minutes=-reminder_minutes)).to_ical().decode()}",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return b"".join(fold(line) for line in lines)


def in_utc(session: BoardSession) -> bool:
    """Whether the session's times are written in UTC (see unambiguous_times)."""
    zone = ZoneInfo(session.board.time_zone)
    return unambiguous_times(session, zone)[0].tzinfo is UTC


def main_time_zone(sessions: Sequence[BoardSession]) -> str | None:
    """The zone most shown sessions are in (ties: the first in name order), for clients
    that place a whole calendar in one zone (X-WR-TIMEZONE)."""
    counts: dict[str, int] = {}
    for session in sessions:
        counts[session.board.time_zone] = counts.get(session.board.time_zone, 0) + 1
    return min(counts, key=lambda zone: (-counts[zone], zone)) if counts else None


def render_calendar(
    header: FeedHeader | None,
    sessions: Sequence[BoardSession],
    agendas: dict[int, list[AgendaEntry]],
    domain: str,
    agenda_url: Callable[[BoardSession], str],
    personal: Personal | None = None,
) -> bytes:
    """The whole feed as iCalendar bytes (CRLF, folded at 75 octets, UTF-8); without a
    header, a one-off download (METHOD:PUBLISH, no subscription properties)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if header is None:
        calendar.add("method", "PUBLISH")
    else:
        calendar.add("uid", header.uid)
        calendar.add("name", header.name)
        calendar.add("x-wr-calname", vText(header.name))
        calendar.add("description", header.description)
        calendar.add("x-wr-caldesc", vText(header.description))
        calendar.add("color", header.color)
        zone = main_time_zone(sessions)
        # Readers that honour X-WR-TIMEZONE (Google's way, the x-wr-timezone library) move
        # UTC times into that zone and lose which of a fall-back's two hours was meant, so
        # a feed with an ambiguous time written in UTC goes without it.
        if zone and not any(in_utc(session) for session in sessions):
            calendar.add("x-wr-timezone", vText(zone))
        calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vText("PT1H"))
    zones = sorted({session.board.time_zone for session in sessions})
    if sessions:
        first_year = min(s.starts_at.year for s in sessions) - 1
        last_year = max(s.starts_at.year for s in sessions) + 1
        for zone in zones:
            calendar.add_component(vtimezone(zone, first_year, last_year))
    events = []
    for session in sessions:
        agenda = agendas.get(session.id, [])
        extra = {}
        if personal is not None:
            extra = {
                "attendance_url": personal.attendance_url(session),
                "answer": personal.answers.get(session.id),
                "reminder_minutes": personal.reminder_minutes,
            }
            if session.status != SessionStatus.CANCELLED:
                extra["preparation"] = preparation_lines(session, agenda, personal)
        events.append(session_event(session, agenda, domain, agenda_url(session), **extra))
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    return head[: -len(end)] + b"".join(events) + end
