"""The timed rules around an agenda: records cutoffs, publication at freeze time, reminders."""

from datetime import datetime, timedelta

from flask import current_app

from board.agendas.models import AgendaItem
from board.agendas.services import (
    OPEN_SESSION_STATUSES,
    describe,
    list_agenda,
    publish_agenda,
    quorum_status,
    remove_item,
)
from board.cases.models import Case, CaseStatus
from board.common.enums import label_of
from board.common.time import local_date, utcnow
from board.extensions import db
from board.notifications.services import notify, notify_coordinators
from board.sessions.models import BoardSession, SessionStatus
from board.sessions.services import configured_holidays, session_local_date
from scheduling import records_cutoff


def cutoff_for(session: BoardSession):
    """The last day records may arrive for this session (board lead time, business days)."""
    day = session_local_date(session)
    days_off = configured_holidays(day.year - 1, day.year)
    return records_cutoff(day, session.board.records_lead_business_days, days_off)


def enforce_records_cutoffs(now: datetime | None = None) -> dict:
    """Take cases whose records missed their session's cutoff off that agenda; tell coordinators.

    Pinned items stay (a coordinator chose them) but the coordinators are still told.
    """
    now = now or utcnow()
    counts = {"removed": 0, "pinned_warned": 0}
    items = db.session.scalars(
        db.select(AgendaItem)
        .join(BoardSession, AgendaItem.session_id == BoardSession.id)
        .where(
            BoardSession.starts_at > now,
            BoardSession.status.in_((SessionStatus.PLANNED, SessionStatus.PUBLISHED)),
        )
        .order_by(BoardSession.starts_at, AgendaItem.position)
    ).all()
    for item in items:
        case, session = item.case, item.session
        if case.is_ready:
            continue
        local_today = local_date(now, session.board.time_zone)
        cutoff = cutoff_for(session)
        if local_today <= cutoff:
            continue
        missing = ", ".join(label_of(k) for k in case.missing_record_kinds) or "none"
        problem = f"records missing: {missing}" if not case.records_complete else "insurer notice"
        key = f"cutoff:{case.id}:session-{session.id}"
        if item.pinned:
            notify_coordinators(
                "records_cutoff_pinned",
                f"{case.reference}: records cutoff missed (pinned)",
                f"{case.reference} is pinned on {describe(session)} but missed the records "
                f"cutoff of {cutoff:%a %d %b} ({problem}). It stays until you move it.",
                dedup_key=key,
            )
            counts["pinned_warned"] += 1
            continue
        remove_item(item, f"Records cutoff {cutoff:%d %b} missed for {describe(session)}")
        notify_coordinators(
            "records_cutoff_missed",
            f"{case.reference} left {describe(session)}",
            f"{case.reference} missed the records cutoff of {cutoff:%a %d %b} ({problem}) and "
            "left that agenda. The scheduler places it on the next suitable session once the "
            "records are in.",
            dedup_key=key,
        )
        counts["removed"] += 1
    db.session.flush()
    return counts


def publish_due_agendas(now: datetime | None = None) -> int:
    """Publish every planned agenda whose board's freeze time has come."""
    now = now or utcnow()
    published = 0
    candidates = db.session.scalars(
        db.select(BoardSession).where(
            BoardSession.status == SessionStatus.PLANNED,
            BoardSession.starts_at > now,
            BoardSession.starts_at <= now + timedelta(days=15),
        )
    ).all()
    for session in candidates:
        if session.starts_at - timedelta(hours=session.board.agenda_freeze_hours) <= now:
            publish_agenda(session)
            published += 1
    return published


def send_records_reminders(now: datetime | None = None) -> int:
    """Remind referring offices of records still missing a few days before the cutoff."""
    now = now or utcnow()
    lead = timedelta(days=current_app.config["RECORDS_REMINDER_DAYS"])
    sent = 0
    rows = db.session.execute(
        db.select(AgendaItem, Case)
        .join(Case, AgendaItem.case_id == Case.id)
        .join(BoardSession, AgendaItem.session_id == BoardSession.id)
        .where(
            BoardSession.starts_at > now,
            BoardSession.status.in_((SessionStatus.PLANNED, SessionStatus.PUBLISHED)),
            Case.status == CaseStatus.SCHEDULED,
        )
    ).all()
    for item, case in rows:
        missing = [record for record in case.records if record.received_on is None]
        if not missing:
            continue
        cutoff = cutoff_for(item.session)
        local_today = local_date(now, item.session.board.time_zone)
        if not (local_today <= cutoff <= local_today + lead):
            continue
        kinds = ", ".join(record.kind.label for record in missing)
        queued = notify(
            "records_reminder",
            f"Records needed by {cutoff:%a %d %b} for case {case.reference}",
            "\n".join(
                [
                    f"Dear {case.referring_physician},",
                    "",
                    f"Case {case.reference} is on the agenda of {describe(item.session)}.",
                    f"The board still needs: {kinds}.",
                    f"Please send them by {cutoff:%A %d %B}; otherwise the case moves to a "
                    "later meeting.",
                ]
            ),
            email=case.referring_email,
            dedup_key=f"records-reminder:{case.id}:session-{item.session_id}",
        )
        sent += queued is not None
    return sent


def warn_lost_quorums(now: datetime | None = None) -> int:
    """Tell the coordinators about every upcoming session with an agenda that lost its quorum.

    Once per session and set of missing specialties, so a new loss is told again.
    """
    now = now or utcnow()
    sessions = db.session.scalars(
        db.select(BoardSession)
        .where(
            BoardSession.starts_at > now,
            BoardSession.status.in_(OPEN_SESSION_STATUSES),
            BoardSession.id.in_(db.select(AgendaItem.session_id)),
        )
        .order_by(BoardSession.starts_at)
    ).all()
    warned = 0
    for session in sessions:
        items = list_agenda(session)
        missing = [row for row in quorum_status(session, items) if not row["met"]]
        if not missing:
            continue
        names = ", ".join(row["name"] for row in missing)
        away = "; ".join(
            f"{row['name']}: " + ", ".join(row["away"] + row["declined"])
            for row in missing
            if row["away"] or row["declined"]
        )
        warned += bool(
            notify_coordinators(
                "quorum_lost",
                f"{describe(session)} has lost its quorum",
                f"{describe(session)} has {len(items)} case(s) on its agenda but nobody "
                f"expected for {names}"
                + (f" (away or declined — {away})" if away else "")
                + ". Find a stand-in, move the cases, or reschedule the session.",
                dedup_key=f"quorum-lost:session-{session.id}:"
                + ",".join(row["code"] for row in missing),
            )
        )
    return warned
