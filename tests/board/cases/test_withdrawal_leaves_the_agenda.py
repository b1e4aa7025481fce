"""A case withdrawn through the API leaves its agenda, and the calendars see it go."""

import pytest

from board.agendas.models import AgendaItem
from board.agendas.services import place_case
from board.cases.models import Case
from board.extensions import db
from board.sessions.models import BoardSession


@pytest.fixture
def placed(app, center, ready_case):
    case_id = ready_case()
    session_id = center["sessions"][0]
    with app.app_context():
        place_case(db.session.get(Case, case_id), db.session.get(BoardSession, session_id), None)
        db.session.commit()
        sequence = db.session.get(BoardSession, session_id).sequence
    return case_id, session_id, sequence


def agenda_of(app, session_id) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(AgendaItem.case_id).where(AgendaItem.session_id == session_id)
            )
        )


@pytest.mark.parametrize("target", ["withdrawn", "awaiting_records"])
def test_api_transition_off_the_agenda_removes_the_item(app, api, placed, target):
    case_id, session_id, sequence = placed
    response = api.post(
        f"/api/v1/cases/{case_id}/transitions", json={"to": target, "reason": "Patient declined"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == target
    assert case_id not in agenda_of(app, session_id)
    with app.app_context():
        assert db.session.get(BoardSession, session_id).sequence > sequence
    history = response.get_json()["status_history"]
    assert history[-1]["to_status"] == target


def test_illegal_transition_leaves_the_agenda_alone(app, api, placed):
    case_id, session_id, _sequence = placed
    response = api.post(f"/api/v1/cases/{case_id}/transitions", json={"to": "closed"})
    assert response.status_code == 409
    assert case_id in agenda_of(app, session_id)
