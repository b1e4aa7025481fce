"""Meeting mode: outcomes, attendance and finishing; CSRF, roles, stale versions, bad input."""

from board.agendas.models import AgendaItem
from board.cases.models import Case, CaseStatus
from board.extensions import db
from board.meetings.models import MeetingOutcome
from board.sessions.models import BoardSession, SessionAttendance, SessionStatus
from tests.helpers import csrf_of, row

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
        data={
            "version": row(app, BoardSession, session_id).version,
            "confirm": "y",
            "csrf_token": token,
        },
    )
    assert finished.status_code == 302
    assert row(app, BoardSession, session_id).status == SessionStatus.HELD
    assert row(app, Case, discussed).status == CaseStatus.DISCUSSED
    with app.app_context():
        # Back in the queue: on no agenda until the scheduler next runs.
        assert db.session.scalar(db.select(AgendaItem).where(AgendaItem.case_id == skipped)) is None
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


def test_meeting_mode_shows_one_case_at_a_time_with_next_and_previous(app, client, login, meeting):
    login("coordinator")
    first, second = meeting["cases"]
    references = [row(app, Case, case_id).reference for case_id in (first, second)]
    url = f"/sessions/{meeting['session']}/meeting"
    page = client.get(url).data.decode()
    assert page.count('class="card case-outcome"') == 1
    assert f'id="case-{first}"' in page and f'id="case-{second}"' not in page
    assert "Case 1 of 2" in page and 'data-testid="next-case"' in page
    assert 'data-testid="previous-case"' not in page
    assert all(reference in page for reference in references)  # the index lists both
    second_page = client.get(f"{url}?case=2").data.decode()
    assert f'id="case-{second}"' in second_page and "Case 2 of 2" in second_page
    assert 'data-testid="previous-case"' in second_page
    assert 'data-testid="next-case"' not in second_page
