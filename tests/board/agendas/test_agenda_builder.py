"""The agenda builder: each change checks CSRF, role and the agenda version it was made on,
only cases waiting for a session are placed, and an out-of-range number is a clear error."""

import pytest

from board.agendas.models import AgendaItem
from board.agendas.services import place_case
from board.cases.models import Case, CaseStatus
from board.cases.services import transition_case
from board.extensions import db
from board.sessions.models import BoardSession, SessionStatus
from tests.helpers import FETCH, csrf_of, log_in, row


def session_version(app, session_id) -> int:
    return row(app, BoardSession, session_id).version


def items_of(app, session_id) -> list[tuple[int, int, int]]:
    with app.app_context():
        return [
            (item.case_id, item.position, item.minutes)
            for item in db.session.scalars(
                db.select(AgendaItem)
                .where(AgendaItem.session_id == session_id)
                .order_by(AgendaItem.position)
            )
        ]


@pytest.fixture
def agenda(app, center, ready_case):
    """The first session with two cases placed, and a third ready case in the queue."""
    session_id = center["sessions"][0]
    first, second, queued = ready_case(), ready_case(), ready_case()
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        for case_id in (first, second):
            place_case(db.session.get(Case, case_id), session, None)
        db.session.commit()
    return {"session": session_id, "cases": (first, second), "queued": queued}


def test_builder_shows_agenda_queue_capacity_and_quorum(client, login, agenda):
    login("coordinator")
    page = client.get(f"/sessions/{agenda['session']}/agenda")
    assert page.status_code == 200
    assert b'id="queue-list"' in page.data and b"10 of 60 min used" in page.data
    assert b"Surgical oncology" in page.data or b"surgical" in page.data.lower()


def test_place_reorder_pin_minutes_remove_and_publish(app, client, login, agenda):
    login("coordinator")
    session_id = agenda["session"]
    url = f"/sessions/{session_id}/agenda"
    token = csrf_of(client.get(url).data)

    def post(action, **data):
        data = {"csrf_token": token, "version": session_version(app, session_id), **data}
        return client.post(f"{url}/{action}", data=data, headers=FETCH)

    placed = post("place", case_id=agenda["queued"], position=1)
    assert placed.status_code == 200 and b"Case placed" in placed.data
    assert [c for c, _p, _m in items_of(app, session_id)][0] == agenda["queued"]
    assert row(app, Case, agenda["queued"]).status == CaseStatus.SCHEDULED

    item_ids = [
        i.id for i in reversed(sorted(all_items(app, session_id), key=lambda i: i.position))
    ]
    assert post("reorder", order=",".join(map(str, item_ids))).status_code == 200
    first_item = item_ids[0]
    assert post("reorder", item_id=first_item, direction="down").status_code == 200
    assert post("pin", item_id=first_item, pinned="1").status_code == 200
    assert row(app, AgendaItem, first_item).pinned
    assert post("minutes", item_id=first_item, minutes=25).status_code == 200
    assert row(app, AgendaItem, first_item).minutes == 25
    bad = post("minutes", item_id=first_item, minutes=0)
    assert bad.status_code == 422 and b"between 1 and 240" in bad.data
    assert row(app, AgendaItem, first_item).minutes == 25
    removed = post("remove", item_id=first_item)
    assert removed.status_code == 200 and row(app, AgendaItem, first_item) is None
    published = post("publish")
    assert published.status_code == 200
    assert row(app, BoardSession, session_id).status == SessionStatus.PUBLISHED


def all_items(app, session_id):
    with app.app_context():
        rows = db.session.scalars(
            db.select(AgendaItem).where(AgendaItem.session_id == session_id)
        ).all()
        for item in rows:
            db.session.expunge(item)
        return rows


def test_a_change_made_on_an_outdated_agenda_saves_nothing(app, client, login, agenda):
    login("coordinator")
    session_id = agenda["session"]
    url = f"/sessions/{session_id}/agenda"
    token = csrf_of(client.get(url).data)
    seen = session_version(app, session_id)
    with app.app_context():  # the scheduler (or a colleague) changes the agenda meanwhile
        place_case(
            db.session.get(Case, agenda["queued"]), db.session.get(BoardSession, session_id), None
        )
        db.session.commit()
    before = items_of(app, session_id)
    item_id = all_items(app, session_id)[0].id
    response = client.post(
        f"{url}/minutes",
        data={"csrf_token": token, "version": seen, "item_id": item_id, "minutes": 30},
        headers=FETCH,
    )
    assert response.status_code == 412
    assert b"The agenda changed while you were working on it" in response.data
    assert response.data.count(b'class="agenda-item') == 3  # the fresh state is shown
    assert items_of(app, session_id) == before
    plain = client.post(
        f"{url}/minutes",
        data={"csrf_token": token, "version": seen, "item_id": item_id, "minutes": 30},
    )
    assert plain.status_code == 412 and b"<html" in plain.data


def test_agenda_changes_need_csrf_and_a_coordinator(app, client, login, agenda):
    session_id = agenda["session"]
    url = f"/sessions/{session_id}/agenda"
    login("coordinator")
    version = session_version(app, session_id)
    missing = client.post(f"{url}/place", data={"version": version, "case_id": agenda["queued"]})
    assert missing.status_code == 400
    login("specialist")
    page = client.get(url)
    assert page.status_code == 200
    assert b'id="queue-list"' not in page.data and b"Synthetic Patient" not in page.data
    token = csrf_of(page.data)
    refused = client.post(
        f"{url}/place",
        data={"csrf_token": token, "version": version, "case_id": agenda["queued"]},
    )
    assert refused.status_code == 403
    assert len(items_of(app, session_id)) == 2


def test_print_view_lists_the_agenda(client, login, agenda):
    login("coordinator")
    response = client.get(f"/sessions/{agenda['session']}/agenda/print")
    assert (
        response.status_code == 200
        and b"data-print" in response.data
        and b"print.js" in response.data
    )


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


def test_overflowing_number_in_a_form_is_a_clear_error(app, client, make_user, center):
    _user, email = make_user("coordinator")
    home = log_in(client, email, follow=True)
    session_id = center["sessions"][0]
    response = client.post(
        f"/sessions/{session_id}/agenda/place",
        data={"case_id": "9" * 30, "version": "1", "csrf_token": csrf_of(home.data)},
    )
    assert response.status_code == 422
    assert b"out of range" in response.data
    assert b"Traceback" not in response.data
