"""The dashboard: overdue records by their real cutoff, what each role sees at home, and
the run-the-scheduler button."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from board.agendas.deadlines import cutoff_for
from board.agendas.services import place_case
from board.cases.models import Case, CaseStatus, RecordItem, RecordKind
from board.common.time import today
from board.dashboard.services import cutoff_is_near
from board.extensions import db
from board.sessions.models import BoardSession
from tests.helpers import csrf_of, row


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
    token = csrf_of(client.get("/").data)  # a new login has a new CSRF token
    assert client.post("/schedule/run", data={"csrf_token": token}).status_code == 403
    assert b"My upcoming sessions" in client.get("/").data


def add_missing_record(app, case_id: int, requested_on: date, kind=RecordKind.IMAGING) -> int:
    with app.app_context():
        record = RecordItem(case_id=case_id, kind=kind, requested_on=requested_on)
        db.session.add(record)
        db.session.commit()
        return record.id


def place(app, case_id: int, session_id: int) -> None:
    with app.app_context():
        place_case(db.session.get(Case, case_id), db.session.get(BoardSession, session_id), None)
        db.session.commit()


def overdue_rows(html: bytes) -> dict[str, str]:
    """Case reference -> the overdue row's text."""
    section = html.decode().split('id="overdue-heading"')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td[^>]*><a [^>]*>([^<]+)</a></td>(.*?)</tr>", section, re.S)
    return {reference: re.sub(r"<[^>]+>", " ", rest) for reference, rest in rows}


def reference(app, case_id: int) -> str:
    return row(app, Case, case_id).reference


def test_overdue_records_are_those_missing_the_cutoff_of_their_session(
    app, client, login, center, ready_case
):
    sessions = center["sessions"]
    due_soon, due_later = ready_case(), ready_case()
    place(app, due_soon, sessions[0])  # tomorrow: its 3-business-day cutoff has passed
    place(app, due_later, sessions[-1])  # in six weeks: its cutoff is far away
    add_missing_record(app, due_soon, today())
    add_missing_record(app, due_later, today() - timedelta(days=20))
    # Missing records of cases on no agenda miss no cutoff: the late panel chases those.
    waiting_long = ready_case()
    add_missing_record(app, waiting_long, today() - timedelta(days=10))
    received = ready_case()
    place(app, received, sessions[0])
    with app.app_context():
        cutoff = cutoff_for(db.session.get(BoardSession, sessions[0]))

    login("coordinator")
    page = client.get("/")
    assert b"Overdue records (1)" in page.data and b"Records cutoff" in page.data
    rows = overdue_rows(page.data)
    assert set(rows) == {reference(app, due_soon)}
    assert cutoff.isoformat() in rows[reference(app, due_soon)]
    assert "America/New_York" in rows[reference(app, due_soon)]


def test_one_definition_of_unplaced_and_long_lists_collapse(
    app, client, login, center, ready_case, make_case
):
    placed = ready_case()
    place(app, placed, center["sessions"][0])
    ready = [ready_case() for _ in range(11)]
    awaiting = make_case(records=[{"kind": "imaging"}])
    with app.app_context():
        from board.cases.services import transition_case

        transition_case(db.session.get(Case, awaiting), CaseStatus.AWAITING_RECORDS, "triaged")
        db.session.commit()
    make_case()  # submitted: not triaged, so not "unplaced"
    login("coordinator")
    html = client.get("/").data.decode()
    section = html.split('id="unplaced"')[1].split("</section>")[0]
    assert "Unplaced cases (12)" in section
    assert reference(app, awaiting) in section and "Waiting for records: imaging." in section
    assert reference(app, placed) not in section
    assert all(reference(app, case_id) in section for case_id in ready)
    # Ten rows show; the other two wait behind "Show 2 more".
    visible, hidden = section.split('<details class="more-rows">')
    assert visible.count("<tr><td") == 10 and "Show 2 more" in hidden


def test_overdue_records_are_not_on_a_specialists_home(app, client, login, center, ready_case):
    case_id = ready_case()
    add_missing_record(app, case_id, today() - timedelta(days=10))
    login("specialist")
    page = client.get("/")
    assert page.status_code == 200 and b"Overdue records" not in page.data


@pytest.mark.parametrize(
    ("today_utc", "near"),
    [
        (datetime(2030, 3, 11, 15, tzinfo=UTC), False),  # Monday: four business days left
        (datetime(2030, 3, 12, 15, tzinfo=UTC), False),  # Tuesday: three
        (datetime(2030, 3, 13, 15, tzinfo=UTC), True),  # Wednesday: two
        (datetime(2030, 3, 15, 15, tzinfo=UTC), True),  # Friday: the cutoff itself
        (datetime(2030, 3, 18, 15, tzinfo=UTC), True),  # Monday after: passed
        (datetime(2030, 3, 13, 3, tzinfo=UTC), False),  # still Tuesday in New York
    ],
)
def test_a_cutoff_is_near_from_two_business_days_before(app, center, today_utc, near):
    with app.app_context():
        session = db.session.get(BoardSession, center["sessions"][0])
        assert cutoff_is_near(session, date(2030, 3, 15), today_utc) is near


def test_an_unplaced_case_shows_why_it_left_its_agenda_not_the_old_placement(
    app, client, login, center, ready_case
):
    from board.agendas.models import AgendaItem
    from board.agendas.services import remove_item
    from board.planning.services import run_assignment

    case_id = ready_case()
    with app.app_context():
        run_assignment("scheduled")
        item = db.session.scalar(db.select(AgendaItem).where(AgendaItem.case_id == case_id))
        remove_item(item, "Not discussed at Breast Tumor Board on Tue 8 Dec; back in the queue")
        db.session.commit()
    login("coordinator")
    section = client.get("/").data.decode().split('id="unplaced"')[1].split("</section>")[0]
    assert "Not discussed at Breast Tumor Board on Tue 8 Dec; back in the queue" in section
    assert "Placed on" not in section
