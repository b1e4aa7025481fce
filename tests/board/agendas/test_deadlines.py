"""Timed agenda rules: records cutoffs, publication at freeze time, records reminders."""

from datetime import timedelta

from board.agendas.deadlines import (
    cutoff_for,
    enforce_records_cutoffs,
    publish_due_agendas,
    send_records_reminders,
)
from board.agendas.models import AgendaItem
from board.agendas.services import place_case
from board.cases.models import Case, CaseStatus
from board.extensions import db
from board.notifications.models import Notification
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus


def put_on_agenda(app, case_id: int, session_id: int, pinned: bool = False) -> None:
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.status = CaseStatus.READY  # as if its records had been complete when placed
        place_case(case, db.session.get(BoardSession, session_id), None, pinned=pinned)
        db.session.commit()


def notifications(app, kind: str) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(db.select(Notification).where(Notification.kind == kind)).all()
        db.session.expunge_all()
        return rows


def test_case_missing_the_records_cutoff_leaves_the_agenda(app, center, make_case, make_user):
    make_user("coordinator")
    case_id = make_case(records=[{"kind": "slides_blocks"}])
    session_id = center["sessions"][1]
    put_on_agenda(app, case_id, session_id)
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        cutoff = cutoff_for(session)
        just_before = session.starts_at.replace(
            year=cutoff.year, month=cutoff.month, day=cutoff.day, hour=20
        )
        assert enforce_records_cutoffs(just_before)["removed"] == 0  # still on the cutoff day
        counts = enforce_records_cutoffs(just_before + timedelta(days=1))
        db.session.commit()
        assert counts == {"removed": 1, "pinned_warned": 0}
        assert db.session.scalar(db.select(AgendaItem)) is None
        case = db.session.get(Case, case_id)
        assert case.status == CaseStatus.AWAITING_RECORDS
        assert "Records cutoff" in case.status_changes[-1].reason
    [told] = notifications(app, "records_cutoff_missed")
    assert case.reference in told.subject and "slides blocks" in told.body


def test_pinned_case_stays_but_the_coordinator_is_warned(app, center, make_case, make_user):
    make_user("coordinator")
    case_id = make_case(records=[{"kind": "imaging"}])
    session_id = center["sessions"][1]
    put_on_agenda(app, case_id, session_id, pinned=True)
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        counts = enforce_records_cutoffs(session.starts_at - timedelta(hours=1))
        db.session.commit()
        assert counts == {"removed": 0, "pinned_warned": 1}
        assert db.session.scalar(db.select(AgendaItem)).case_id == case_id
    assert len(notifications(app, "records_cutoff_pinned")) == 1


def test_agenda_is_published_at_freeze_time_and_attendees_are_emailed(
    app, center, make_case, make_specialist
):
    away = make_specialist(specialty="radiology", boards=[center["board_id"]])
    declined = make_specialist(specialty="genetics", boards=[center["board_id"]])
    session_id = center["sessions"][0]
    case_id = make_case(records=[])
    put_on_agenda(app, case_id, session_id)
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        from board.specialists.models import TimeOff

        day = session.starts_at.date()
        db.session.add(
            TimeOff(
                specialist_id=away,
                starts_on=day - timedelta(days=1),
                ends_on=day + timedelta(days=1),
            )
        )
        db.session.add(
            SessionAttendance(
                session_id=session_id, specialist_id=declined, answer=AttendanceAnswer.DECLINED
            )
        )
        db.session.commit()
        freeze = session.starts_at - timedelta(hours=24)
        assert publish_due_agendas(freeze - timedelta(minutes=1)) == 0
        assert publish_due_agendas(freeze + timedelta(minutes=1)) == 1
        db.session.commit()
        session = db.session.get(BoardSession, session_id)
        assert session.status == SessionStatus.PUBLISHED
        sequence = session.sequence
        assert publish_due_agendas(freeze + timedelta(minutes=6)) == 0
        reference = db.session.get(Case, case_id).reference
    emails = notifications(app, "agenda_published")
    assert len(emails) == 3  # the quorum members, not the one away nor the one who declined
    assert all(reference in email.body for email in emails)
    assert all("Synthetic Patient" not in email.body for email in emails)
    assert sequence >= 2  # placed, then published


def test_records_reminder_goes_to_the_referring_office_once(app, center, make_case):
    case_id = make_case(records=[{"kind": "labs"}, {"kind": "imaging"}])
    session_id = center["sessions"][1]
    put_on_agenda(app, case_id, session_id)
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        cutoff = cutoff_for(session)
        three_weeks_before = session.starts_at - timedelta(days=21)
        assert send_records_reminders(three_weeks_before) == 0
        two_days_before_cutoff = session.starts_at.replace(
            year=cutoff.year, month=cutoff.month, day=cutoff.day
        ) - timedelta(days=2)
        assert send_records_reminders(two_days_before_cutoff) == 1
        assert send_records_reminders(two_days_before_cutoff) == 0
        db.session.commit()
    [reminder] = notifications(app, "records_reminder")
    assert reminder.email == "referrals@riverside.example.org"
    assert "labs, imaging" in reminder.body
    assert "Synthetic Patient" not in reminder.body + reminder.subject
