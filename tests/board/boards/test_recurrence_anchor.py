"""A board's recurrence has one anchor (its first session): generation, demo, job and edits."""

from datetime import UTC, date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from board.boards.models import Board
from board.boards.services import RECURRENCE_FORMS
from board.common.time import local_date, utcnow
from board.demo.seed import seed_demo
from board.extensions import db
from board.jobs.definitions import generate_upcoming_sessions
from board.sessions.models import BoardSession, SessionStatus
from board.sessions.services import generate_sessions
from tests.helpers import csrf_of, row

NEW_YORK = ZoneInfo("America/New_York")

# Every rhythm the board form offers, anchored on its first meeting, expanded from Mon 8 Mar
# 2027 for 7 weeks (to Mon 26 Apr, exclusive). US daylight saving starts on Sun 14 Mar 2027,
# so 07:00 New York is 12:00 UTC before and 11:00 UTC after. No US holiday falls in the window.
EXPANSIONS = {
    "FREQ=WEEKLY;BYDAY=TU": (
        date(2027, 3, 2),
        ["03-09", "03-16", "03-23", "03-30", "04-06", "04-13", "04-20"],
    ),
    "FREQ=WEEKLY;BYDAY=TU,TH": (
        date(2027, 3, 2),
        ["03-09", "03-11", "03-16", "03-18", "03-23", "03-25", "03-30"]
        + ["04-01", "04-06", "04-08", "04-13", "04-15", "04-20", "04-22"],
    ),
    # Anchored on Fri 5 Mar: the weeks of 19 Mar, 2 and 16 Apr — not 12 Mar, 26 Mar, 9 Apr,
    # the weeks an expansion counting from 8 Mar would pick.
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR": (date(2027, 3, 5), ["03-19", "04-02", "04-16"]),
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=WE": (date(2027, 3, 3), ["03-24", "04-14"]),
    "FREQ=WEEKLY;INTERVAL=4;BYDAY=MO": (date(2027, 3, 1), ["03-29"]),
    "FREQ=MONTHLY;BYDAY=1TH": (date(2027, 3, 4), ["04-01"]),
    "FREQ=MONTHLY;BYDAY=-1FR": (date(2027, 2, 26), ["03-26"]),
    "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2": (date(2027, 2, 9), ["03-09", "04-13"]),
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1": (date(2027, 2, 26), ["03-31"]),
    # Every other month from February: April, not March.
    "FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO": (date(2027, 2, 1), ["04-05"]),
}


def test_every_offered_form_has_an_expectation():
    assert {rule for _label, rule in RECURRENCE_FORMS} == set(EXPANSIONS)


@pytest.mark.parametrize("rule", list(EXPANSIONS))
def test_each_offered_rhythm_keeps_its_anchor_and_local_time_across_dst(app, make_board, rule):
    anchor, expected = EXPANSIONS[rule]
    board_id = make_board(recurrence=rule, recurrence_starts_on=anchor, local_start_time=time(7, 0))
    with app.app_context():
        board = db.session.get(Board, board_id)
        created = generate_sessions(board, date(2027, 3, 8), weeks=7)
        db.session.commit()
        starts = sorted(session.starts_at for session in created)
    days = [start.astimezone(NEW_YORK).date() for start in starts]
    assert [day.strftime("%m-%d") for day in days] == expected
    for start, day in zip(starts, days, strict=True):
        assert start.astimezone(NEW_YORK).time() == time(7, 0)
        assert start.astimezone(UTC).hour == (12 if day < date(2027, 3, 14) else 11)


@pytest.mark.parametrize("rule", list(EXPANSIONS))
def test_expanding_from_any_day_gives_the_same_meetings(app, make_board, rule):
    """The demo expands from three weeks ago, the job from today: the weeks must agree."""
    anchor, _expected = EXPANSIONS[rule]
    board_id = make_board(recurrence=rule, recurrence_starts_on=anchor)
    with app.app_context():
        board = db.session.get(Board, board_id)
        first = generate_sessions(board, anchor, weeks=12)
        db.session.commit()
        later = {
            session.occurrence_key
            for session in generate_sessions(board, anchor + timedelta(days=10), weeks=12)
        }
        early = {session.occurrence_key for session in first}
    # The second window reaches 10 days further; everything it adds lies past the first one.
    assert all(key > max(early) for key in later)


def test_demo_and_job_put_a_fortnightly_board_on_the_same_weeks(app):
    with app.app_context():
        seed_demo()
        db.session.commit()
        generate_upcoming_sessions()
        db.session.commit()
        for name in ("Gynecologic Tumor Board", "Neuro-Oncology Tumor Board"):
            board = db.session.scalar(db.select(Board).where(Board.name == name))
            days = sorted(
                local_date(session.starts_at, board.time_zone)
                for session in db.session.scalars(
                    db.select(BoardSession).where(BoardSession.board_id == board.id)
                )
            )
            gaps = {
                (later - earlier).days % 14 for earlier, later in zip(days, days[1:], strict=False)
            }
            assert gaps == {0}, (name, days)
            assert (days[0] - board.recurrence_starts_on).days % 14 == 0


def test_a_new_board_is_anchored_on_its_first_meeting_from_today(api):
    body = {
        "name": "Fortnightly",
        "sites": ["breast"],
        "recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        "local_start_time": "08:00",
        "time_zone": "America/New_York",
        "duration_minutes": 60,
        "capacity_minutes": 60,
        "default_case_minutes": 5,
    }
    created = api.post("/api/v1/boards", json=body)
    assert created.status_code == 201, created.get_json()
    anchor = date.fromisoformat(created.get_json()["recurrence_starts_on"])
    today_there = local_date(utcnow(), "America/New_York")
    assert anchor.weekday() == 4 and 0 <= (anchor - today_there).days < 7


def test_an_anchor_that_is_not_a_meeting_day_is_refused(api):
    body = {
        "name": "Fortnightly",
        "sites": ["breast"],
        "recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        "recurrence_starts_on": "2027-03-04",
        "local_start_time": "08:00",
        "time_zone": "America/New_York",
        "duration_minutes": 60,
        "capacity_minutes": 60,
        "default_case_minutes": 5,
    }
    refused = api.post("/api/v1/boards", json=body)
    assert refused.status_code == 422
    [message] = refused.get_json()["error"]["details"]["recurrence_starts_on"]
    assert "Thu 04 Mar 2027 is not a meeting day" in message
    assert "Fri 05 Mar 2027" in message


# --- changing the rule ------------------------------------------------------------------


@pytest.fixture
def weekly_board(app, make_board):
    """A weekly Tuesday board with its sessions generated for the horizon."""
    board_id = make_board(recurrence="FREQ=WEEKLY;BYDAY=TU")
    with app.app_context():
        board = db.session.get(Board, board_id)
        generate_sessions(board, local_date(utcnow(), board.time_zone), weeks=12)
        db.session.commit()
    return board_id


def future_sessions(app, board_id: int) -> dict[date, SessionStatus]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(BoardSession).where(
                BoardSession.board_id == board_id, BoardSession.starts_at > utcnow()
            )
        )
        return {local_date(s.starts_at, "America/New_York"): s.status for s in rows}


def test_a_rule_change_lists_the_sessions_it_changes_and_waits_for_confirmation(
    app, api, weekly_board
):
    before = future_sessions(app, weekly_board)
    etag = api.get(f"/api/v1/boards/{weekly_board}").headers["ETag"]
    change = {"recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"}
    refused = api.patch(f"/api/v1/boards/{weekly_board}", json=change, headers={"If-Match": etag})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "confirmation_required"
    cancelled = [text for text in error["details"]["sessions"] if text.endswith("cancelled")]
    assert len(cancelled) >= len(before) // 2
    assert future_sessions(app, weekly_board) == before  # nothing changed
    assert row(app, Board, weekly_board).recurrence == "FREQ=WEEKLY;BYDAY=TU"

    confirmed = api.patch(
        f"/api/v1/boards/{weekly_board}",
        json={**change, "confirm_session_changes": True},
        headers={"If-Match": etag},
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    anchor = date.fromisoformat(confirmed.get_json()["recurrence_starts_on"])
    after = future_sessions(app, weekly_board)
    assert set(after) == set(before)
    for day, status in after.items():
        fortnight = (day - anchor).days % 14 == 0
        assert status == (SessionStatus.PLANNED if fortnight else SessionStatus.CANCELLED)
    assert list(after.values()).count(SessionStatus.CANCELLED) == len(cancelled)


def test_a_start_time_change_moves_the_generated_sessions(app, api, weekly_board):
    etag = api.get(f"/api/v1/boards/{weekly_board}").headers["ETag"]
    change = {"local_start_time": "08:30", "confirm_session_changes": True}
    moved = api.patch(f"/api/v1/boards/{weekly_board}", json=change, headers={"If-Match": etag})
    assert moved.status_code == 200, moved.get_json()
    with app.app_context():
        starts = db.session.scalars(
            db.select(BoardSession.starts_at).where(
                BoardSession.board_id == weekly_board, BoardSession.starts_at > utcnow()
            )
        ).all()
    assert starts and {start.astimezone(NEW_YORK).time() for start in starts} == {time(8, 30)}


def test_the_board_page_asks_before_a_rule_change_and_says_what_changed(
    app, client, login, weekly_board
):
    login("coordinator")
    page = client.get(f"/boards/{weekly_board}")
    assert b'list="recurrence-forms"' in page.data and b"BYSETPOS=2" in page.data
    token = csrf_of(page.data)
    board = row(app, Board, weekly_board)
    form = {
        "csrf_token": token,
        "version": board.version,
        "name": board.name,
        "sites": board.site_codes,
        "required_specialties": board.required_specialty_codes,
        "recurrence": "FREQ=WEEKLY;BYDAY=WE",
        "recurrence_starts_on": board.recurrence_starts_on.isoformat(),
        "local_start_time": "07:00",
        "time_zone": board.time_zone,
        "duration_minutes": "60",
        "capacity_minutes": "60",
        "default_case_minutes": "5",
        "active": "y",
    }
    asked = client.post(f"/boards/{weekly_board}", data=form)
    assert asked.status_code == 409
    assert b"cancelled" in asked.data and b'name="confirm_session_changes"' in asked.data
    assert row(app, Board, weekly_board).recurrence == "FREQ=WEEKLY;BYDAY=TU"

    saved = client.post(
        f"/boards/{weekly_board}",
        data={**form, "confirm_session_changes": "y"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert b"Sessions changed:" in saved.data and b"added" in saved.data
    stored = row(app, Board, weekly_board)
    assert stored.recurrence == "FREQ=WEEKLY;BYDAY=WE"
    assert stored.recurrence_starts_on.weekday() == 2
    statuses = future_sessions(app, weekly_board)
    assert {day.weekday() for day, s in statuses.items() if s == SessionStatus.PLANNED} == {2}
    assert {day.weekday() for day, s in statuses.items() if s == SessionStatus.CANCELLED} == {1}
