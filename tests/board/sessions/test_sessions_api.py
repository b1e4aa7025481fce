"""`/api/v1/sessions` and generating sessions from a board's recurrence."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from board.boards.models import Board
from board.extensions import db
from board.sessions.models import BoardSession, SessionStatus
from board.sessions.services import generate_sessions
from tests.helpers import assert_field_refused

NEW_YORK = ZoneInfo("America/New_York")


def soon(days: int = 7, hour: int = 12) -> datetime:
    """A UTC instant `days` from today at `hour`:00, safely in the future."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def session_json(board: int, **overrides) -> dict:
    body = {"board_id": board, "starts_at": soon().isoformat()}
    body.update(overrides)
    return body


def add_session(api, board_id: int, **overrides) -> dict:
    response = api.post("/api/v1/sessions", json=session_json(board_id, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def read(api, session_id: int):
    response = api.get(f"/api/v1/sessions/{session_id}")
    assert response.status_code == 200
    return response.get_json(), response.headers["ETag"]


def generate(app, board_id: int, first_day: date, weeks: int) -> list[int]:
    with app.app_context():
        created = generate_sessions(db.session.get(Board, board_id), first_day, weeks)
        db.session.commit()
        return [session.id for session in created]


def stored_sessions(app, board_id: int) -> list[tuple[datetime, SessionStatus]]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(BoardSession)
            .where(BoardSession.board_id == board_id)
            .order_by(BoardSession.starts_at)
        )
        return [(row.starts_at, row.status) for row in rows]


def local_days(app, board_id: int) -> list[date]:
    """The New York dates of a board's stored sessions."""
    return [
        starts_at.astimezone(NEW_YORK).date() for starts_at, _s in stored_sessions(app, board_id)
    ]


# --- creating ad-hoc sessions -------------------------------------------------------------


def test_create_ad_hoc_session_answers_201_with_location_and_etag(api, make_board):
    board_id = make_board(duration_minutes=75, capacity_minutes=60)
    starts_at = soon(days=10, hour=13)
    response = api.post(
        "/api/v1/sessions", json=session_json(board_id, starts_at=starts_at.isoformat())
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/sessions/{body['id']}")
    assert response.headers["ETag"] == f'"board_sessions-{body["id"]}-v1"'
    assert body["board_id"] == board_id
    assert body["board_name"] == "Breast Tumor Board"
    assert body["time_zone"] == "America/New_York"
    assert datetime.fromisoformat(body["starts_at"]) == starts_at
    assert datetime.fromisoformat(body["ends_at"]) == starts_at + timedelta(minutes=75)
    assert body["capacity_minutes"] == 60  # the board's
    assert body["status"] == "planned"
    assert body["ad_hoc"] is True
    assert body["sequence"] == 0 and body["version"] == 1

    again = api.get(response.headers["Location"])
    assert again.status_code == 200
    assert again.get_json() == body


def test_create_ad_hoc_session_with_overrides(api, make_board):
    board_id = make_board(location="Room A", capacity_minutes=60)
    starts_at = datetime.combine(soon().date(), time(7, 0), tzinfo=NEW_YORK)
    body = add_session(
        api,
        board_id,
        starts_at=starts_at.isoformat(),
        duration_minutes=30,
        capacity_minutes=25,
        location="Auditorium",
        video_link="https://video.example.org/extra",
        expected_attendance=12,
    )
    assert datetime.fromisoformat(body["starts_at"]) == starts_at  # same instant, in UTC
    assert body["starts_at"].endswith("+00:00")
    assert datetime.fromisoformat(body["ends_at"]) - starts_at == timedelta(minutes=30)
    assert body["capacity_minutes"] == 25
    assert body["location"] == "Auditorium"
    assert body["video_link"] == "https://video.example.org/extra"
    assert body["expected_attendance"] == 12


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"board_id": 999999}, "board_id", "Unknown board"),
        ({"starts_at": "2001-01-02T07:00:00+00:00"}, "starts_at", "past"),
        ({"starts_at": "2031-01-02T07:00:00"}, "starts_at", "aware"),
        ({"starts_at": "next tuesday"}, "starts_at", "datetime"),
        ({"capacity_minutes": 0}, "capacity_minutes", "between 1 and 1440"),
        ({"duration_minutes": 0}, "duration_minutes", "between 1 and 1440"),
        ({"duration_minutes": -10}, "duration_minutes", "between 1 and 1440"),
        ({"video_link": "ftp://video.example.org"}, "video_link", "https://"),
        ({"expected_attendance": -1}, "expected_attendance", ""),
        ({"room": "B"}, "room", "Unknown field"),
    ],
)
def test_bad_session_input_is_422_naming_the_field(api, make_board, overrides, field, fragment):
    board_id = make_board()
    response = api.post("/api/v1/sessions", json=session_json(board_id, **overrides))
    assert_field_refused(response, field, fragment)
    assert api.get("/api/v1/sessions").get_json() == []  # nothing written


def test_get_unknown_session_is_404(api):
    response = api.get("/api/v1/sessions/4242")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- listing ------------------------------------------------------------------------------


@pytest.fixture
def two_boards_of_sessions(api, make_board):
    """Breast sessions on days 3, 10, 17 (the middle one cancelled), a lung one on day 10."""
    breast = make_board()
    lung = make_board(name="Lung Tumor Board", sites=["lung"])
    ids = {
        "breast_3": add_session(api, breast, starts_at=soon(3).isoformat())["id"],
        "breast_10": add_session(api, breast, starts_at=soon(10).isoformat())["id"],
        "breast_17": add_session(api, breast, starts_at=soon(17).isoformat())["id"],
        "lung_10": add_session(api, lung, starts_at=soon(10, hour=15).isoformat())["id"],
    }
    _body, etag = read(api, ids["breast_10"])
    cancelled = api.patch(
        f"/api/v1/sessions/{ids['breast_10']}",
        json={"status": "cancelled"},
        headers={"If-Match": etag},
    )
    assert cancelled.status_code == 200
    return breast, lung, ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["breast_3", "breast_10", "lung_10", "breast_17"]),
        ({"from": soon(10)}, ["breast_10", "lung_10", "breast_17"]),
        ({"to": soon(10)}, ["breast_3"]),  # `to` is exclusive
        ({"from": soon(4), "to": soon(11)}, ["breast_10", "lung_10"]),
        ({"board": "breast"}, ["breast_3", "breast_10", "breast_17"]),
        ({"board": "lung"}, ["lung_10"]),
        ({"status": "cancelled"}, ["breast_10"]),
        ({"status": "planned", "board": "breast"}, ["breast_3", "breast_17"]),
        ({"status": "held"}, []),
        ({"from": soon(30)}, []),
    ],
)
def test_list_filters_by_window_board_and_status(api, two_boards_of_sessions, query, expected):
    breast, lung, ids = two_boards_of_sessions
    params = {}
    for name, value in query.items():
        if name == "board":
            value = {"breast": breast, "lung": lung}[value]
        params[name] = value.isoformat() if isinstance(value, datetime) else value
    response = api.get("/api/v1/sessions", query_string=params)
    assert response.status_code == 200, response.get_json()
    assert [row["id"] for row in response.get_json()] == [ids[name] for name in expected]


def test_list_accepts_a_window_in_another_offset(api, two_boards_of_sessions):
    _breast, _lung, ids = two_boards_of_sessions
    start = soon(3).astimezone(ZoneInfo("Asia/Tokyo"))  # the same instant as breast_3
    response = api.get(
        "/api/v1/sessions",
        query_string={"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()},
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.get_json()] == [ids["breast_3"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": soon(10).isoformat(), "to": soon(3).isoformat()}, "to"),
        ({"from": "2031-01-02T07:00:00"}, "from"),
        ({"to": "2031-01-02T07:00:00"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"status": "postponed"}, "status"),
        ({"board": "breast"}, "board"),
    ],
)
def test_bad_list_filters_are_422(api, query, field):
    response = api.get("/api/v1/sessions", query_string=query)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["details"], error


# --- changing a session -------------------------------------------------------------------


def patch(api, session_id: int, change: dict, etag: str | None = None):
    if etag is None:
        _body, etag = read(api, session_id)
    return api.patch(f"/api/v1/sessions/{session_id}", json=change, headers={"If-Match": etag})


def test_moving_the_start_bumps_sequence_and_moves_the_end(api, make_board):
    board_id = make_board(duration_minutes=60)
    created = add_session(api, board_id, starts_at=soon(5).isoformat())
    moved_to = soon(6, hour=14)
    response = patch(api, created["id"], {"starts_at": moved_to.isoformat()})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert datetime.fromisoformat(body["starts_at"]) == moved_to
    assert datetime.fromisoformat(body["ends_at"]) == moved_to + timedelta(minutes=60)
    assert body["sequence"] == created["sequence"] + 1
    assert body["version"] == created["version"] + 1
    assert response.headers["ETag"] == f'"board_sessions-{created["id"]}-v2"'
    assert read(api, created["id"])[0] == body


def test_changing_the_duration_moves_the_end_and_bumps_sequence(api, make_board):
    board_id = make_board(duration_minutes=60)
    created = add_session(api, board_id)
    body = patch(api, created["id"], {"duration_minutes": 90}).get_json()
    starts_at = datetime.fromisoformat(body["starts_at"])
    assert datetime.fromisoformat(body["ends_at"]) == starts_at + timedelta(minutes=90)
    assert body["sequence"] == 1


@pytest.mark.parametrize(
    ("change", "sequence_bumped"),
    [
        ({"expected_attendance": 14}, False),
        ({"capacity_minutes": 40}, True),  # the event shows "n of m minutes"
        ({"location": "Room 12"}, True),
        ({"video_link": "https://video.example.org/new"}, True),
        ({"status": "cancelled"}, True),
    ],
)
def test_only_changes_a_calendar_shows_bump_sequence(api, make_board, change, sequence_bumped):
    board_id = make_board()
    created = add_session(api, board_id)
    response = patch(api, created["id"], change)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["sequence"] == created["sequence"] + int(sequence_bumped)
    assert body["version"] == created["version"] + 1
    name, value = next(iter(change.items()))
    assert body[name] == value


@pytest.mark.parametrize(
    ("path", "target", "expected"),
    [
        ([], "cancelled", 200),
        ([], "published", 200),
        ([], "held", 409),
        (["cancelled"], "planned", 200),
        (["cancelled"], "published", 409),
        (["cancelled"], "held", 409),
        (["published"], "held", 200),
        (["published"], "planned", 200),
        (["published", "held"], "planned", 409),
        (["published", "held"], "cancelled", 409),
        (["published", "held"], "published", 409),
    ],
)
def test_status_changes_follow_the_state_machine(api, make_board, path, target, expected):
    board_id = make_board()
    session_id = add_session(api, board_id)["id"]
    for step in path:
        done = patch(api, session_id, {"status": step})
        assert done.status_code == 200, done.get_json()
    before, etag = read(api, session_id)
    response = patch(api, session_id, {"status": target}, etag)
    assert response.status_code == expected, response.get_json()
    if expected == 200:
        assert response.get_json()["status"] == target
        assert response.get_json()["sequence"] == before["sequence"] + 1
    else:
        assert response.get_json()["error"]["code"] == "conflict"
        assert read(api, session_id) == (before, etag)  # nothing written


def test_setting_the_current_status_again_keeps_sequence(api, make_board):
    board_id = make_board()
    created = add_session(api, board_id)
    response = patch(api, created["id"], {"status": "planned"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "planned"
    assert response.get_json()["sequence"] == created["sequence"]


def test_refused_status_change_leaves_other_fields_alone(api, make_board):
    board_id = make_board()
    session_id = add_session(api, board_id)["id"]
    before, etag = read(api, session_id)
    response = patch(api, session_id, {"status": "held", "location": "Elsewhere"}, etag)
    assert response.status_code == 409
    assert read(api, session_id) == (before, etag)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "postponed"}, "status"),
        ({"starts_at": "2031-01-02T07:00:00"}, "starts_at"),
        ({"capacity_minutes": 0}, "capacity_minutes"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"board_id": 2}, "board_id"),
    ],
)
def test_patch_bad_input_is_422_and_writes_nothing(api, make_board, change, field):
    board_id = make_board()
    session_id = add_session(api, board_id)["id"]
    before, etag = read(api, session_id)
    response = patch(api, session_id, change, etag)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert read(api, session_id) == (before, etag)


def test_patch_with_stale_etag_is_412_and_writes_nothing(api, make_board):
    board_id = make_board()
    session_id = add_session(api, board_id)["id"]
    _body, stale = read(api, session_id)
    assert patch(api, session_id, {"location": "Room 1"}, stale).status_code == 200
    second = patch(api, session_id, {"location": "Room 2", "status": "cancelled"}, stale)
    assert second.status_code == 412
    assert second.get_json()["error"]["code"] == "stale_version"
    after, _etag = read(api, session_id)
    assert after["location"] == "Room 1"
    assert after["status"] == "planned"
    assert after["version"] == 2


def test_patch_without_if_match_is_428_and_writes_nothing(api, make_board):
    board_id = make_board()
    session_id = add_session(api, board_id)["id"]
    response = api.patch(f"/api/v1/sessions/{session_id}", json={"status": "cancelled"})
    assert response.status_code == 428
    after, _etag = read(api, session_id)
    assert after["status"] == "planned" and after["version"] == 1


def test_patch_unknown_session_is_404(api):
    response = api.patch(
        "/api/v1/sessions/4242", json={"status": "cancelled"}, headers={"If-Match": "*"}
    )
    assert response.status_code == 404


# --- who may do what ----------------------------------------------------------------------


def test_no_credentials_is_401(client):
    response = client.get("/api/v1/sessions")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("role", "scope"), [("specialist", "write"), ("coordinator", "read")])
def test_specialists_and_read_tokens_may_not_write_sessions(api, api_as, make_board, role, scope):
    board_id = make_board()
    session_id = add_session(api, board_id)["id"]
    caller = api_as(role, scope)
    created = caller.post("/api/v1/sessions", json=session_json(board_id))
    assert created.status_code == 403
    assert created.get_json()["error"]["code"] == "forbidden"
    changed = caller.patch(
        f"/api/v1/sessions/{session_id}", json={"status": "cancelled"}, headers={"If-Match": "*"}
    )
    assert changed.status_code == 403
    listed = api.get("/api/v1/sessions").get_json()
    assert [(row["id"], row["status"], row["version"]) for row in listed] == [
        (session_id, "planned", 1)
    ]


def test_specialists_may_read_sessions(api, api_as, make_board):
    board_id = make_board()
    session_id = add_session(api, board_id)["id"]
    caller = api_as("specialist")
    assert [row["id"] for row in caller.get("/api/v1/sessions").get_json()] == [session_id]
    assert caller.get(f"/api/v1/sessions/{session_id}").status_code == 200


# --- generating sessions from the recurrence ----------------------------------------------


def test_generated_sessions_keep_local_time_across_daylight_saving(app, make_board):
    board_id = make_board(
        recurrence="FREQ=WEEKLY;BYDAY=TU",
        recurrence_starts_on=date(2026, 10, 20),
        local_start_time=time(7, 0),
        duration_minutes=60,
    )
    # US daylight saving ends on Sunday 2026-11-01.
    generate(app, board_id, date(2026, 10, 20), weeks=4)
    sessions = stored_sessions(app, board_id)
    local_starts = [starts_at.astimezone(NEW_YORK) for starts_at, _status in sessions]
    first_four = local_starts[:4]
    assert [start.date() for start in first_four] == [
        date(2026, 10, 20),
        date(2026, 10, 27),
        date(2026, 11, 3),
        date(2026, 11, 10),
    ]
    assert {start.time() for start in local_starts} == {time(7, 0)}
    assert {start.weekday() for start in local_starts} == {1}  # Tuesday
    assert [starts_at.astimezone(UTC).hour for starts_at, _status in sessions[:4]] == [
        11,
        11,
        12,
        12,
    ]
    assert {status for _starts_at, status in sessions} == {SessionStatus.PLANNED}


def test_generating_n_weeks_of_a_weekly_board_gives_n_sessions(app, make_board):
    board_id = make_board(recurrence_starts_on=date(2026, 10, 20))
    created = generate(app, board_id, date(2026, 10, 20), weeks=4)
    assert len(created) == 4
    last_start = stored_sessions(app, board_id)[-1][0].astimezone(NEW_YORK)
    assert last_start.date() == date(2026, 11, 10)


def test_generated_sessions_skip_public_holidays(app, make_board):
    board_id = make_board(
        recurrence="FREQ=WEEKLY;BYDAY=TH",
        recurrence_starts_on=date(2026, 11, 12),
        local_start_time=time(12, 0),
    )
    generate(app, board_id, date(2026, 11, 12), weeks=4)  # Thursdays 12, 19, (26), Dec 3
    days = local_days(app, board_id)
    assert date(2026, 11, 26) not in days  # Thanksgiving
    assert date(2026, 11, 19) in days and date(2026, 12, 3) in days
    assert all(day.weekday() == 3 for day in days)


def test_holiday_country_comes_from_config(app, make_board):
    app.config["HOLIDAY_COUNTRY"] = "FR"
    board_id = make_board(
        recurrence="FREQ=WEEKLY;BYDAY=TH",
        recurrence_starts_on=date(2026, 11, 12),
        local_start_time=time(12, 0),
    )
    generate(app, board_id, date(2026, 11, 19), weeks=2)
    days = local_days(app, board_id)
    assert date(2026, 11, 26) in days  # not a French holiday


def test_generating_twice_creates_nothing_the_second_time(app, make_board):
    board_id = make_board(recurrence_starts_on=date(2026, 10, 20))
    first = generate(app, board_id, date(2026, 10, 20), weeks=4)
    assert first
    before = stored_sessions(app, board_id)
    assert generate(app, board_id, date(2026, 10, 20), weeks=4) == []
    assert stored_sessions(app, board_id) == before


def test_overlapping_windows_only_add_the_new_occurrences(app, make_board):
    board_id = make_board(recurrence_starts_on=date(2026, 10, 20))
    first = generate(app, board_id, date(2026, 10, 20), weeks=2)
    second = generate(app, board_id, date(2026, 10, 20), weeks=6)
    sessions = stored_sessions(app, board_id)
    assert len(sessions) == len(first) + len(second)
    assert len({starts_at for starts_at, _status in sessions}) == len(sessions)


def test_cancelled_session_is_not_recreated(api, app, make_board):
    board_id = make_board(recurrence_starts_on=date(2026, 10, 20))
    ids = generate(app, board_id, date(2026, 10, 20), weeks=4)
    cancelled = patch(api, ids[1], {"status": "cancelled"})
    assert cancelled.status_code == 200
    assert generate(app, board_id, date(2026, 10, 20), weeks=4) == []
    statuses = [status for _starts_at, status in stored_sessions(app, board_id)]
    assert statuses.count(SessionStatus.CANCELLED) == 1
    assert len(statuses) == len(ids)
    assert api.get(f"/api/v1/sessions/{ids[1]}").get_json()["status"] == "cancelled"


def test_moved_session_is_not_recreated_at_its_old_time(api, app, make_board):
    board_id = make_board(recurrence_starts_on=date(2026, 10, 20))
    ids = generate(app, board_id, date(2026, 10, 20), weeks=2)
    original = read(api, ids[0])[0]
    moved_to = datetime.fromisoformat(original["starts_at"]) + timedelta(days=1)
    assert patch(api, ids[0], {"starts_at": moved_to.isoformat()}).status_code == 200
    assert generate(app, board_id, date(2026, 10, 20), weeks=2) == []
    starts = [starts_at for starts_at, _status in stored_sessions(app, board_id)]
    assert datetime.fromisoformat(original["starts_at"]) not in starts
    assert moved_to in starts


def test_generated_sessions_are_not_ad_hoc(api, app, make_board):
    board_id = make_board(recurrence_starts_on=date(2026, 10, 20))
    ids = generate(app, board_id, date(2026, 10, 20), weeks=1)
    body = read(api, ids[0])[0]
    assert body["ad_hoc"] is False
    assert body["sequence"] == 0 and body["version"] == 1
