"""A board with a year of sessions, agendas full of synthetic patients, and feed links."""

from datetime import date, timedelta

import pytest

from board.agendas.services import place_case
from board.boards.models import Board
from board.cases.models import Case, CaseStatus
from board.common.time import utcnow
from board.extensions import db
from board.feeds import caching
from board.feeds.services import issue_feed_token
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.sessions.services import generate_sessions, session_local_date
from board.specialists.models import TimeOff

# Synthetic identifiers that must never reach a calendar.
PATIENTS = [
    ("Zelda Quixotic-Marsh", "MRNQX90017", date(1953, 4, 9), "Angiosarcoma of the scalp, cT2"),
    (
        "Bartholomew Ünderhill",
        "MRNBU55120",
        date(1971, 12, 30),
        "Merkel cell carcinoma, stage IIIA",
    ),
]


@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test starts with no rendered feeds or remembered validators in this process."""
    for cache in (caching.rendered_feeds, caching.compressed_feeds, caching.feed_validators):
        cache.items.clear()


@pytest.fixture
def feed_center(app, make_board, make_specialist, make_case):
    board_id = make_board(
        name="Sarcoma & Skin Tumor Board — Ärzte",
        required_specialties=["pathology"],
        location="Room 4, Cancer Center",
        video_link="https://video.example.org/sarcoma",
    )
    other_board = make_board(name="Other board", sites=["lung"], recurrence="FREQ=WEEKLY;BYDAY=WE")
    specialist_id = make_specialist(boards=[board_id], sites=["breast"])
    case_ids = [
        make_case(
            patient_name=name,
            patient_mrn=mrn,
            patient_birth_date=born,
            first_opinion_diagnosis=diagnosis,
            presenting_physician="Dr. Presenter",
            question_category="staging",
        )
        for name, mrn, born, diagnosis in PATIENTS
    ]
    with app.app_context():
        board = db.session.get(Board, board_id)
        today = utcnow().date()
        sessions = sorted(
            generate_sessions(board, today - timedelta(days=20), weeks=60),
            key=lambda s: s.starts_at,
        )
        generate_sessions(db.session.get(Board, other_board), today, weeks=4)
        upcoming = [s for s in sessions if s.starts_at > utcnow()]
        first, second, away, declined, cancelled = upcoming[:5]
        for case_id in case_ids:
            case = db.session.get(Case, case_id)
            case.status = CaseStatus.READY
            place_case(case, first, None)
        cancelled.status = SessionStatus.CANCELLED
        day = session_local_date(away)
        db.session.add(TimeOff(specialist_id=specialist_id, starts_on=day, ends_on=day))
        db.session.add(
            SessionAttendance(
                session_id=declined.id,
                specialist_id=specialist_id,
                answer=AttendanceAnswer.DECLINED,
            )
        )
        specialist_token, specialist_secret = issue_feed_token(specialist_id=specialist_id)
        board_token, board_secret = issue_feed_token(board_id=board_id)
        db.session.commit()
        return {
            "board_id": board_id,
            "specialist_id": specialist_id,
            "case_ids": case_ids,
            "sessions": [s.id for s in sessions],
            "first": first.id,
            "second": second.id,
            "away": away.id,
            "declined": declined.id,
            "cancelled": cancelled.id,
            "specialist_url": f"/feeds/{specialist_secret}.ics",
            "board_url": f"/feeds/{board_secret}.ics",
            "specialist_secret": specialist_secret,
            "specialist_token_id": specialist_token.id,
            "board_token_id": board_token.id,
            "patients": PATIENTS,
        }


@pytest.fixture
def stored_sessions(app):
    """`stored_sessions(ids)`: the sessions as stored, detached, with their boards loaded."""

    def read(ids=None) -> dict[int, BoardSession]:
        return read_sessions(app, ids)

    return read


def read_sessions(app, ids=None) -> dict[int, BoardSession]:
    with app.app_context():
        query = db.select(BoardSession)
        if ids is not None:
            query = query.where(BoardSession.id.in_(ids))
        rows = {s.id: s for s in db.session.scalars(query)}
        for row in rows.values():
            _ = row.board.time_zone
        db.session.expunge_all()
        return rows
