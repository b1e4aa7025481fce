"""Meeting mode, boards admin and the specialists directory: CSRF, roles, stale, bad input."""

from datetime import timedelta

import pytest

from board.agendas.models import AgendaItem
from board.agendas.services import place_case, publish_agenda
from board.boards.models import Board
from board.cases.models import Case, CaseStatus
from board.common.time import today
from board.extensions import db
from board.feeds.models import FeedToken
from board.meetings.models import MeetingOutcome
from board.sessions.models import BoardSession, SessionAttendance, SessionStatus
from board.specialists.models import Specialist, TimeOff
from tests.board.ui.conftest import csrf_of, row

OUTCOME = {
    "discussed": "y",
    "recommendation": "Neoadjuvant chemotherapy, then surgery.",
    "concordance": "minor_discrepancy",
    "differed_in_stage": "y",
    "stage_discussed": "y",
    "guidelines_discussed": "y",
    "follow_up_by": "Dr. Follow",
}


def prefixed(case_id: int, fields: dict) -> dict:
    return {f"case-{case_id}-{name}": value for name, value in fields.items()}


@pytest.fixture
def meeting(app, center, ready_case):
    """A published session with two cases."""
    session_id = center["sessions"][0]
    cases = (ready_case(), ready_case())
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        for case_id in cases:
            place_case(db.session.get(Case, case_id), session, None)
        publish_agenda(session)
        db.session.commit()
    return {"session": session_id, "cases": cases}


def outcomes(app):
    with app.app_context():
        return db.session.scalars(db.select(MeetingOutcome)).all()


def test_record_outcome_attendance_and_finish(app, client, login, center, meeting):
    login("coordinator")
    session_id, (discussed, skipped) = meeting["session"], meeting["cases"]
    url = f"/sessions/{session_id}/meeting"
    token = csrf_of(client.get(url).data)
    present = center["people"]["pathology"]
    response = client.post(f"{url}/attendance", data={"present": present, "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(SessionAttendance)).one().attended is True

    saved = client.post(
        f"{url}/cases/{discussed}",
        data={**prefixed(discussed, OUTCOME), "version": "", "csrf_token": token},
    )
    assert saved.status_code == 302
    [outcome] = outcomes(app)
    assert outcome.differences == ["stage"] and outcome.follow_up_by == "Dr. Follow"

    finished = client.post(
        f"{url}/finish",
        data={"version": row(app, BoardSession, session_id).version, "csrf_token": token},
    )
    assert finished.status_code == 302
    assert row(app, BoardSession, session_id).status == SessionStatus.HELD
    assert row(app, Case, discussed).status == CaseStatus.DISCUSSED
    with app.app_context():
        moved = db.session.scalar(db.select(AgendaItem).where(AgendaItem.case_id == skipped))
        assert moved is None or moved.session_id != session_id
        assert (
            db.session.scalar(
                db.select(MeetingOutcome.discussed).where(MeetingOutcome.case_id == skipped)
            )
            is False
        )


def test_outcome_with_bad_input_is_422_and_writes_nothing(app, client, login, meeting):
    login("coordinator")
    case_id = meeting["cases"][0]
    url = f"/sessions/{meeting['session']}/meeting"
    token = csrf_of(client.get(url).data)
    bad = {**OUTCOME, "differed_in_stage": None}
    bad = {k: v for k, v in bad.items() if v is not None}
    response = client.post(
        f"{url}/cases/{case_id}",
        data={**prefixed(case_id, bad), "version": "", "csrf_token": token},
    )
    assert response.status_code == 422
    assert b"Say what differed" in response.data
    assert b"Neoadjuvant chemotherapy, then surgery." in response.data  # input kept
    assert outcomes(app) == []


def test_outcome_stale_version_keeps_the_other_edit(app, client, login, meeting):
    login("coordinator")
    case_id = meeting["cases"][0]
    url = f"/sessions/{meeting['session']}/meeting"
    token = csrf_of(client.get(url).data)
    data = {**prefixed(case_id, OUTCOME), "csrf_token": token}
    assert client.post(f"{url}/cases/{case_id}", data={**data, "version": ""}).status_code == 302
    other = {**prefixed(case_id, {**OUTCOME, "recommendation": "Second edit"}), "version": ""}
    stale = client.post(f"{url}/cases/{case_id}", data={**other, "csrf_token": token})
    assert stale.status_code == 412 and b"Someone else changed" in stale.data
    assert outcomes(app)[0].recommendation == OUTCOME["recommendation"]


def test_meeting_needs_csrf_and_staff(app, client, login, meeting):
    case_id = meeting["cases"][0]
    url = f"/sessions/{meeting['session']}/meeting"
    login("coordinator")
    data = {**prefixed(case_id, OUTCOME), "version": ""}
    assert client.post(f"{url}/cases/{case_id}", data=data).status_code == 400
    login("specialist")
    assert client.get(url).status_code == 403
    token = csrf_of(client.get("/").data)
    assert client.post(f"{url}/finish", data={"csrf_token": token}).status_code == 403
    assert outcomes(app) == []
    assert row(app, BoardSession, meeting["session"]).status == SessionStatus.PUBLISHED


BOARD_FORM = {
    "name": "Thoracic Tumor Board",
    "sites": ["lung"],
    "required_specialties": ["pathology", "radiation_oncology"],
    "recurrence": "FREQ=WEEKLY;BYDAY=WE",
    "local_start_time": "08:00",
    "time_zone": "Europe/Paris",
    "duration_minutes": "60",
    "capacity_minutes": "50",
    "default_case_minutes": "10",
    "records_lead_business_days": "2",
    "agenda_freeze_hours": "12",
    "attendance_target_percent": "0",
    "active": "y",
}


def test_boards_admin_create_edit_stale_and_bad_input(app, client, login, make_board):
    login("coordinator")
    token = csrf_of(client.get("/boards/new").data)
    assert client.post("/boards/new", data=BOARD_FORM).status_code == 400
    bad = client.post(
        "/boards/new", data={**BOARD_FORM, "time_zone": "Mars/Base", "csrf_token": token}
    )
    assert bad.status_code == 422 and b'id="time_zone-error"' in bad.data
    created = client.post("/boards/new", data={**BOARD_FORM, "csrf_token": token})
    assert created.status_code == 302
    with app.app_context():
        board = db.session.scalar(db.select(Board).where(Board.name == BOARD_FORM["name"]))
        board_id, version = board.id, board.version
        assert board.required_specialty_codes == ["pathology", "radiation_oncology"]
    edit = {**BOARD_FORM, "capacity_minutes": "90", "csrf_token": token}
    assert client.post(f"/boards/{board_id}", data={**edit, "version": version}).status_code == 302
    assert row(app, Board, board_id).capacity_minutes == 90
    stale = client.post(
        f"/boards/{board_id}", data={**edit, "capacity_minutes": "30", "version": version}
    )
    assert stale.status_code == 412 and b"Changed by someone else" in stale.data
    assert row(app, Board, board_id).capacity_minutes == 90
    login("specialist")
    assert client.get("/boards").status_code == 403
    assert (
        client.post(f"/boards/{board_id}", data={**edit, "version": version + 1}).status_code == 403
    )


def test_specialist_page_time_off_and_feed_links(app, client, login, make_specialist):
    specialist_id = make_specialist()
    login("coordinator")
    url = f"/specialists/{specialist_id}"
    token = csrf_of(client.get(url).data)
    assert client.post(f"{url}/feeds", data={"label": "Phone"}).status_code == 400
    issued = client.post(f"{url}/feeds", data={"label": "Phone", "csrf_token": token})
    assert issued.status_code == 201 and b"webcal://" in issued.data and b"Copy link" in issued.data
    for calendar_app in (b"Google Calendar", b"From URL", b"Outlook", b"Apple Calendar"):
        assert calendar_app in issued.data
    with app.app_context():
        token_id = db.session.scalars(db.select(FeedToken.id)).one()
    rotated = client.post(f"{url}/feeds/{token_id}/rotate", data={"csrf_token": token})
    assert rotated.status_code == 201
    with app.app_context():
        live = db.session.scalars(db.select(FeedToken).where(FeedToken.revoked_at.is_(None))).one()
        live_id = live.id
    assert (
        client.post(f"{url}/feeds/{live_id}/revoke", data={"csrf_token": token}).status_code == 302
    )
    assert row(app, FeedToken, live_id).revoked_at is not None

    start = today() + timedelta(days=10)
    bad = client.post(
        f"{url}/time-off",
        data={
            "starts_on": start.isoformat(),
            "ends_on": (start - timedelta(days=2)).isoformat(),
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and b"cannot come before" in bad.data
    with app.app_context():
        assert db.session.scalars(db.select(TimeOff)).all() == []
    good = client.post(
        f"{url}/time-off",
        data={"starts_on": start.isoformat(), "ends_on": start.isoformat(), "csrf_token": token},
    )
    assert good.status_code == 302

    version = row(app, Specialist, specialist_id).version
    form = {
        "name": "Dr. Renamed",
        "email": "renamed@example.org",
        "specialty": "pathology",
        "active": "y",
    }
    stale = client.post(url, data={**form, "version": version - 1, "csrf_token": token})
    assert stale.status_code == 412 and row(app, Specialist, specialist_id).name != "Dr. Renamed"
    bad_email = client.post(
        url, data={**form, "email": "nope", "version": version, "csrf_token": token}
    )
    assert bad_email.status_code == 422
    assert (
        client.post(url, data={**form, "version": version, "csrf_token": token}).status_code == 302
    )
    assert row(app, Specialist, specialist_id).name == "Dr. Renamed"


def test_a_specialist_sees_only_their_own_page(app, client, login, make_specialist):
    own = make_specialist()
    other = make_specialist()
    login("specialist", specialist_id=own)
    assert client.get(f"/specialists/{own}").status_code == 200
    assert client.get(f"/specialists/{other}").status_code == 403
    assert client.get("/specialists").status_code == 403
    token = csrf_of(client.get("/").data)
    assert client.post(f"/specialists/{other}/feeds", data={"csrf_token": token}).status_code == 403
    assert (
        client.post(f"/specialists/{own}", data={"name": "x", "csrf_token": token}).status_code
        == 403
    )


def test_dashboard_run_scheduler_button(app, client, login, center, ready_case):
    case_id = ready_case()
    login("coordinator")
    page = client.get("/")
    assert b"Unplaced cases (1)" in page.data and b"Cases by status" in page.data
    token = csrf_of(page.data)
    assert client.post("/schedule/run").status_code == 400
    ran = client.post("/schedule/run", data={"csrf_token": token}, follow_redirects=True)
    assert b"Scheduler run" in ran.data
    assert row(app, Case, case_id).status == CaseStatus.SCHEDULED
    login("specialist")
    assert client.post("/schedule/run", data={"csrf_token": token}).status_code == 403
    assert b"My upcoming sessions" in client.get("/").data
