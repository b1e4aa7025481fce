"""The agenda builder places only cases waiting for a session, never closed or withdrawn ones."""

import pytest

from board.agendas.models import AgendaItem
from board.cases.models import Case, CaseStatus
from board.cases.services import transition_case
from board.extensions import db
from board.sessions.models import BoardSession
from tests.board.ui.conftest import csrf_of, row

FETCH = {"X-Requested-With": "fetch"}


@pytest.mark.parametrize("status", ["submitted", "withdrawn"])
def test_place_refuses_a_case_not_waiting_for_a_session(
    app, client, login, center, make_case, status
):
    case_id = make_case()
    if status != "submitted":
        with app.app_context():
            transition_case(db.session.get(Case, case_id), CaseStatus(status), "test")
            db.session.commit()
    login("coordinator")
    session_id = center["sessions"][0]
    url = f"/sessions/{session_id}/agenda"
    token = csrf_of(client.get(url).data)
    version = row(app, BoardSession, session_id).version
    response = client.post(
        f"{url}/place",
        data={"csrf_token": token, "version": version, "case_id": case_id},
        headers=FETCH,
    )
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(db.select(AgendaItem).where(AgendaItem.case_id == case_id)) is None
    assert row(app, Case, case_id).status == CaseStatus(status)
