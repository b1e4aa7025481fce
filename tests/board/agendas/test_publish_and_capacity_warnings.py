"""Publishing an over-capacity or quorum-less agenda asks first; overbooking is never silent."""

import pytest

from board.agendas.models import AgendaItem
from board.agendas.services import place_case
from board.cases.models import Case
from board.extensions import db
from board.sessions.models import BoardSession, SessionStatus
from board.specialists.models import Specialist
from tests.helpers import FETCH, csrf_of, row


@pytest.fixture
def agenda(app, center, ready_case):
    """The first session with two 5-minute cases on a 60-minute agenda."""
    session_id = center["sessions"][0]
    cases = (ready_case(), ready_case())
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        for case_id in cases:
            place_case(db.session.get(Case, case_id), session, None)
        db.session.commit()
    return {"session": session_id, "cases": cases, "center": center}


def poster(app, client, session_id):
    url = f"/sessions/{session_id}/agenda"
    token = csrf_of(client.get(url).data)

    def post(action, fetch=True, **data):
        version = row(app, BoardSession, session_id).version
        data = {"csrf_token": token, "version": version, **data}
        return client.post(f"{url}/{action}", data=data, headers=FETCH if fetch else {})

    return post


def first_item(app, session_id) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(AgendaItem.id)
            .where(AgendaItem.session_id == session_id)
            .order_by(AgendaItem.position)
        )


def test_minutes_that_overbook_the_session_are_saved_with_a_warning(app, client, login, agenda):
    login("coordinator")
    post = poster(app, client, agenda["session"])
    item_id = first_item(app, agenda["session"])
    fine = post("minutes", item_id=item_id, minutes=30)
    assert fine.status_code == 200 and b"over capacity" not in fine.data
    over = post("minutes", item_id=item_id, minutes=60)
    assert over.status_code == 200
    assert b"Warning: the agenda is over capacity, 65 of 60 minutes booked (5 over)." in over.data
    assert row(app, AgendaItem, item_id).minutes == 60


def test_publishing_over_capacity_asks_and_says_what_is_wrong(app, client, login, agenda):
    login("coordinator")
    post = poster(app, client, agenda["session"])
    post("minutes", item_id=first_item(app, agenda["session"]), minutes=60)
    asked = post("publish")
    assert asked.status_code == 409
    assert b"65 of 60 minutes are booked (5 over capacity)" in asked.data
    assert b'data-testid="publish-anyway"' in asked.data
    assert row(app, BoardSession, agenda["session"]).status == SessionStatus.PLANNED
    published = post("publish", confirm="1")
    assert published.status_code == 200
    assert published.data.count(b"Agenda published") == 1
    assert row(app, BoardSession, agenda["session"]).status == SessionStatus.PUBLISHED


def test_publishing_without_quorum_asks_and_names_the_missing_specialty(app, client, login, agenda):
    with app.app_context():
        db.session.get(Specialist, agenda["center"]["people"]["pathology"]).active = False
        db.session.commit()
    login("coordinator")
    post = poster(app, client, agenda["session"])
    asked = post("publish", fetch=False)
    assert asked.status_code == 409
    assert b"no quorum: nobody expected for Pathology" in asked.data
    assert row(app, BoardSession, agenda["session"]).status == SessionStatus.PLANNED


def test_a_sound_agenda_publishes_at_once_with_one_message(app, client, login, agenda):
    login("coordinator")
    post = poster(app, client, agenda["session"])
    published = post("publish", fetch=False)
    assert published.status_code == 302
    page = client.get(published.headers["Location"])
    assert page.data.count(b"Agenda published") == 1
    assert row(app, BoardSession, agenda["session"]).status == SessionStatus.PUBLISHED
