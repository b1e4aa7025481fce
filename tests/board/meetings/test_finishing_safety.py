"""Finishing a meeting: only once it started, confirmed on the page, undoable until the next run."""

import pytest

from board.agendas.models import AgendaItem
from board.agendas.services import place_case, publish_agenda
from board.cases.models import Case, CaseStatus
from board.extensions import db
from board.meetings.models import MeetingOutcome
from board.planning.models import ScheduleRun
from board.planning.services import run_assignment
from board.sessions.models import BoardSession, SessionAttendance, SessionStatus
from tests.helpers import csrf_of, row, start_in_the_past

OUTCOME = {
    "discussed": "y",
    "recommendation": "Adjuvant radiotherapy.",
    "concordance": "identical",
    "stage_discussed": "y",
}


@pytest.fixture
def meeting(app, center, ready_case):
    """A published session with three cases, the middle one pinned with its own minutes."""
    session_id = center["sessions"][0]
    cases = (ready_case(), ready_case(), ready_case())
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        for case_id in cases:
            place_case(db.session.get(Case, case_id), session, None)
        middle = db.session.scalar(db.select(AgendaItem).where(AgendaItem.case_id == cases[1]))
        middle.pinned, middle.minutes = True, 15
        publish_agenda(session)
        db.session.commit()
    return {"session": session_id, "cases": cases, "center": center}


def agenda(app, session_id: int) -> list[tuple[int, int, int, bool]]:
    with app.app_context():
        items = db.session.scalars(
            db.select(AgendaItem)
            .where(AgendaItem.session_id == session_id)
            .order_by(AgendaItem.position)
        )
        return [(item.case_id, item.position, item.minutes, item.pinned) for item in items]


def finish(client, app, session_id: int, token: str, confirm: bool = True):
    data = {"version": row(app, BoardSession, session_id).version, "csrf_token": token}
    if confirm:
        data["confirm"] = "y"
    return client.post(f"/sessions/{session_id}/meeting/finish", data=data)


def test_a_meeting_that_has_not_started_cannot_be_finished(app, client, login, meeting):
    login("coordinator")
    session_id = meeting["session"]
    page = client.get(f"/sessions/{session_id}/meeting")
    assert b'data-testid="finish-not-started"' in page.data
    assert b'data-testid="finish-meeting"' not in page.data
    before = agenda(app, session_id)
    refused = finish(client, app, session_id, csrf_of(page.data))
    assert refused.status_code == 409
    assert b"it can be finished once it has started" in refused.data
    assert row(app, BoardSession, session_id).status == SessionStatus.PUBLISHED
    assert agenda(app, session_id) == before
    assert {row(app, Case, case_id).status for case_id in meeting["cases"]} == {
        CaseStatus.SCHEDULED
    }


def test_finishing_asks_for_a_confirmation_that_works_without_script(app, client, login, meeting):
    start_in_the_past(app, meeting["session"])
    login("coordinator")
    page = client.get(f"/sessions/{meeting['session']}/meeting")
    assert b'name="confirm" value="y" required' in page.data
    refused = finish(client, app, meeting["session"], csrf_of(page.data), confirm=False)
    assert refused.status_code == 422
    assert b"Tick the box to confirm the meeting is over." in refused.data
    assert row(app, BoardSession, meeting["session"]).status == SessionStatus.PUBLISHED


def test_finishing_leaves_placing_to_the_next_scheduler_run(app, client, login, meeting):
    start_in_the_past(app, meeting["session"])
    login("coordinator")
    token = csrf_of(client.get(f"/sessions/{meeting['session']}/meeting").data)
    finished = finish(client, app, meeting["session"], token)
    assert finished.status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(ScheduleRun)).all() == []
    agenda_page = client.get(finished.headers["Location"])
    assert b"Until the scheduler&#39;s next run you can undo" in agenda_page.data
    page = client.get(f"/sessions/{meeting['session']}/meeting")
    assert b'data-testid="undo-finish"' in page.data


def test_undo_puts_the_meeting_back_as_it_was(app, client, login, meeting):
    session_id, (discussed, skipped, last) = meeting["session"], meeting["cases"]
    start_in_the_past(app, session_id)
    login("coordinator")
    url = f"/sessions/{session_id}/meeting"
    token = csrf_of(client.get(url).data)
    present = meeting["center"]["people"]["pathology"]
    client.post(f"{url}/attendance", data={"present": present, "csrf_token": token})
    saved = client.post(
        f"{url}/cases/{discussed}",
        data={
            **{f"case-{discussed}-{name}": value for name, value in OUTCOME.items()},
            "version": "",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 302
    before = agenda(app, session_id)
    assert finish(client, app, session_id, token).status_code == 302
    assert row(app, Case, discussed).status == CaseStatus.DISCUSSED
    assert row(app, Case, skipped).status == CaseStatus.READY
    assert agenda(app, session_id) == [(discussed, 1, 5, False)]

    undone = client.post(
        f"{url}/undo-finish",
        data={"version": row(app, BoardSession, session_id).version, "csrf_token": token},
    )
    assert undone.status_code == 302
    assert row(app, BoardSession, session_id).status == SessionStatus.PUBLISHED
    assert agenda(app, session_id) == before
    assert {row(app, Case, case_id).status for case_id in (discussed, skipped, last)} == {
        CaseStatus.SCHEDULED
    }
    with app.app_context():
        outcomes = db.session.scalars(db.select(MeetingOutcome)).all()
        assert [(o.case_id, o.discussed) for o in outcomes] == [(discussed, True)]
        attendance = db.session.scalars(db.select(SessionAttendance)).all()
        assert [(a.specialist_id, a.attended) for a in attendance] == [(present, True)]
    page = client.get(url)
    assert b'data-testid="undo-finish"' not in page.data
    assert b'data-testid="finish-meeting"' in page.data
    # Finished again, then undoable again.
    assert finish(client, app, session_id, token).status_code == 302
    assert row(app, BoardSession, session_id).status == SessionStatus.HELD


def test_undo_is_refused_once_the_scheduler_has_run(app, client, login, meeting):
    session_id = meeting["session"]
    start_in_the_past(app, session_id)
    login("coordinator")
    url = f"/sessions/{session_id}/meeting"
    token = csrf_of(client.get(url).data)
    assert finish(client, app, session_id, token).status_code == 302
    with app.app_context():
        run_assignment("scheduled")
        db.session.commit()
    page = client.get(url)
    assert b'data-testid="undo-finish"' not in page.data
    refused = client.post(
        f"{url}/undo-finish",
        data={"version": row(app, BoardSession, session_id).version, "csrf_token": token},
    )
    assert refused.status_code == 409
    assert b"can no longer be undone" in refused.data
    assert row(app, BoardSession, session_id).status == SessionStatus.HELD


def test_only_staff_undo_and_nothing_to_undo_is_a_conflict(app, client, login, meeting):
    session_id = meeting["session"]
    login("coordinator")
    token = csrf_of(client.get("/").data)
    version = row(app, BoardSession, session_id).version
    nothing = client.post(
        f"/sessions/{session_id}/meeting/undo-finish",
        data={"version": version, "csrf_token": token},
    )
    assert nothing.status_code == 409
    login("specialist")
    token = csrf_of(client.get("/").data)
    forbidden = client.post(
        f"/sessions/{session_id}/meeting/undo-finish",
        data={"version": version, "csrf_token": token},
    )
    assert forbidden.status_code == 403
