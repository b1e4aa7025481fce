"""The case page and the API change a case's status by the same rules, with the same answers."""

import pytest

from board.agendas.models import AgendaItem
from board.agendas.services import place_case
from board.cases.models import Case, CaseStatus
from board.extensions import db
from board.sessions.models import BoardSession
from tests.helpers import csrf_of, row

# A change that is made: the page redirects back to the case, the API answers the case.
DONE = {"page": 302, "api": 200}


@pytest.fixture
def change_status(app, client, login, api):
    """`change_status(channel, case_id, to, reason)` through the page or the API: (status, body)."""
    login("coordinator")

    def change(channel: str, case_id: int, to: str, reason: str | None = None):
        if channel == "api":
            body = {"to": to} if reason is None else {"to": to, "reason": reason}
            response = api.post(f"/api/v1/cases/{case_id}/transitions", json=body)
            return response.status_code, response.get_data(as_text=True)
        page = client.get(f"/cases/{case_id}")
        response = client.post(
            f"/cases/{case_id}/transition",
            data={
                "to": to,
                "reason": reason or "",
                "version": row(app, Case, case_id).version,
                "csrf_token": csrf_of(page.data),
            },
        )
        return response.status_code, response.get_data(as_text=True)

    return change


@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_withdrawal_needs_its_reason(app, make_case, change_status, channel):
    case_id = make_case()
    status, body = change_status(channel, case_id, "withdrawn", "   ")
    assert status == 422 and "Say why the case is withdrawn." in body
    assert row(app, Case, case_id).status == CaseStatus.SUBMITTED

    status, _ = change_status(channel, case_id, "withdrawn", "Patient moved away")
    assert status == DONE[channel]
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == CaseStatus.WITHDRAWN
        assert case.status_changes[-1].reason == "Patient moved away"


@pytest.mark.parametrize("channel", ["page", "api"])
def test_the_same_status_again_is_a_conflict(app, make_case, change_status, channel):
    case_id = make_case()
    assert change_status(channel, case_id, "awaiting_records", "Triage")[0] == DONE[channel]
    version = row(app, Case, case_id).version

    status, body = change_status(channel, case_id, "awaiting_records", "Again")

    assert status == 409 and "already awaiting records" in body
    assert row(app, Case, case_id).version == version  # nothing written


@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_case_leaving_the_agendas_leaves_its_session_first(
    app, center, ready_case, change_status, channel
):
    case_id = ready_case()
    with app.app_context():
        session = db.session.get(BoardSession, center["sessions"][0])
        place_case(db.session.get(Case, case_id), session, None)
        sequence = session.sequence
        db.session.commit()

    status, _ = change_status(channel, case_id, "withdrawn", "Treated elsewhere")

    assert status == DONE[channel]
    with app.app_context():
        assert db.session.scalar(db.select(AgendaItem).where(AgendaItem.case_id == case_id)) is None
        assert db.session.get(BoardSession, center["sessions"][0]).sequence > sequence
        assert db.session.get(Case, case_id).status == CaseStatus.WITHDRAWN
