"""Board calendar links, overdue records by real cutoff, complete attendance at meeting end."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from board.agendas.deadlines import cutoff_for
from board.agendas.services import place_case, publish_agenda
from board.cases.models import Case, RecordItem, RecordKind
from board.common.time import today
from board.dashboard.services import cutoff_is_near
from board.extensions import db
from board.feeds.models import FeedToken
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.specialists.models import TimeOff
from tests.board.ui.conftest import csrf_of, row


def tokens(app) -> list[FeedToken]:
    with app.app_context():
        found = db.session.scalars(db.select(FeedToken).order_by(FeedToken.id)).all()
        db.session.expunge_all()
        return found


def shown_link(html: bytes) -> str:
    match = re.search(rb'value="([^"]+)" data-testid="feed-url"', html)
    assert match, "the new link is shown"
    return match.group(1).decode()


# --- board calendar links ------------------------------------------------------------------


def test_board_calendar_link_create_fetch_rotate_revoke(app, client, login, make_board):
    board_id = make_board()
    login("coordinator")
    url = f"/boards/{board_id}"
    page = client.get(url)
    assert b"Calendar links" in page.data and b"No calendar links yet." in page.data
    token = csrf_of(page.data)

    issued = client.post(f"{url}/feeds", data={"label": "Room 4", "csrf_token": token})
    assert issued.status_code == 201
    assert b"webcal://" in issued.data and b"Copy link" in issued.data
    for calendar_app in (b"Google Calendar", b"From URL", b"Outlook", b"Apple Calendar"):
        assert calendar_app in issued.data
    [link] = tokens(app)
    assert (link.board_id, link.specialist_id, link.label) == (board_id, None, "Room 4")

    feed = client.get(shown_link(issued.data).removeprefix("http://localhost"))
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.data
    listed = client.get(url).data.decode()
    assert "Room 4" in listed and "never" not in listed
    assert re.search(r"<td>1</td>\s*<td>active</td>", listed), "fetch count and state"
    assert "webcal://" not in listed  # the secret is shown only once

    rotated = client.post(f"{url}/feeds/{link.id}/rotate", data={"csrf_token": token})
    assert rotated.status_code == 201 and b"webcal://" in rotated.data
    old, new = tokens(app)
    assert old.revoked_at is not None and new.revoked_at is None and new.label == "Room 4"
    again = client.post(f"{url}/feeds/{old.id}/rotate", data={"csrf_token": token})
    assert again.status_code == 409 and b"already revoked" in again.data
    assert len(tokens(app)) == 2

    revoked = client.post(f"{url}/feeds/{new.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302 and revoked.location.endswith(f"{url}#feeds")
    assert row(app, FeedToken, new.id).revoked_at is not None
    assert client.get(shown_link(rotated.data).removeprefix("http://localhost")).status_code == 404
    assert b"revoked " in client.get(url).data


def test_board_calendar_links_need_csrf(app, client, login, make_board):
    board_id = make_board()
    login("coordinator")
    url = f"/boards/{board_id}"
    assert client.post(f"{url}/feeds", data={"label": "Room"}).status_code == 400
    assert tokens(app) == []
    token = csrf_of(client.get(url).data)
    assert client.post(f"{url}/feeds", data={"csrf_token": token}).status_code == 201
    [link] = tokens(app)
    assert client.post(f"{url}/feeds/{link.id}/rotate").status_code == 400
    assert client.post(f"{url}/feeds/{link.id}/revoke").status_code == 400
    [still] = tokens(app)
    assert still.revoked_at is None


def test_board_calendar_links_are_for_staff_only(app, client, login, make_board):
    board_id = make_board()
    login("admin")
    url = f"/boards/{board_id}"
    token = csrf_of(client.get(url).data)
    assert client.post(f"{url}/feeds", data={"csrf_token": token}).status_code == 201
    [link] = tokens(app)

    login("specialist")
    token = csrf_of(client.get("/").data)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}/feeds", data={"csrf_token": token}).status_code == 403
    for action in ("rotate", "revoke"):
        response = client.post(f"{url}/feeds/{link.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403
    [unchanged] = tokens(app)
    assert unchanged.revoked_at is None


def test_board_calendar_link_bad_input_is_shown_inline(
    app, client, login, make_board, make_specialist
):
    board_id = make_board()
    other_board = make_board(name="Thoracic Tumor Board", sites=["lung"])
    login("coordinator")
    url = f"/boards/{board_id}"
    token = csrf_of(client.get(url).data)

    too_long = client.post(f"{url}/feeds", data={"label": "x" * 121, "csrf_token": token})
    assert too_long.status_code == 422
    assert b'id="label-error"' in too_long.data and b"At most 120 characters." in too_long.data
    assert b"Nothing was saved." in too_long.data
    assert tokens(app) == []

    # Another board's link, and a specialist's link, are not this board's to change.
    client.post(f"/boards/{other_board}/feeds", data={"csrf_token": token})
    specialist_id = make_specialist()
    client.post(f"/specialists/{specialist_id}/feeds", data={"csrf_token": token})
    for link in tokens(app):
        for action in ("rotate", "revoke"):
            response = client.post(f"{url}/feeds/{link.id}/{action}", data={"csrf_token": token})
            assert response.status_code == 404 and b"No such feed link." in response.data
    assert all(link.revoked_at is None for link in tokens(app))


def test_new_board_page_has_no_links_section(client, login):
    login("coordinator")
    page = client.get("/boards/new")
    assert page.status_code == 200 and b"Calendar links" not in page.data


# --- overdue records -----------------------------------------------------------------------


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
    rows = re.findall(r"<tr><td><a [^>]*>([^<]+)</a></td>(.*?)</tr>", section, re.S)
    return {reference: re.sub(r"<[^>]+>", " ", rest) for reference, rest in rows}


def reference(app, case_id: int) -> str:
    return row(app, Case, case_id).reference


def test_overdue_records_use_the_real_cutoff_on_an_agenda(app, client, login, center, ready_case):
    sessions = center["sessions"]
    due_soon, due_later = ready_case(), ready_case()
    place(app, due_soon, sessions[0])  # tomorrow: its 3-business-day cutoff has passed
    place(app, due_later, sessions[-1])  # in six weeks: its cutoff is far away
    add_missing_record(app, due_soon, today())
    add_missing_record(app, due_later, today() - timedelta(days=20))
    waiting_long, waiting_short = ready_case(), ready_case()
    add_missing_record(app, waiting_long, today() - timedelta(days=10))
    add_missing_record(app, waiting_short, today() - timedelta(days=1))
    received = ready_case()
    place(app, received, sessions[0])
    with app.app_context():
        cutoff = cutoff_for(db.session.get(BoardSession, sessions[0]))

    login("coordinator")
    page = client.get("/")
    assert b"Overdue records (2)" in page.data and b"Records cutoff" in page.data
    rows = overdue_rows(page.data)
    assert set(rows) == {reference(app, due_soon), reference(app, waiting_long)}
    assert cutoff.isoformat() in rows[reference(app, due_soon)]
    assert "not on an agenda" in rows[reference(app, waiting_long)]


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


# --- attendance when the meeting finishes --------------------------------------------------


@pytest.fixture
def published(app, center, ready_case):
    """The first session, published with one case."""
    session_id = center["sessions"][0]
    case_id = ready_case()
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        place_case(db.session.get(Case, case_id), session, None)
        publish_agenda(session)
        db.session.commit()
    return session_id


def attendance(app, session_id: int) -> dict[int, bool | None]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(SessionAttendance).where(SessionAttendance.session_id == session_id)
        )
        return {entry.specialist_id: entry.attended for entry in rows}


def test_finishing_records_every_expected_attendee(app, client, login, center, published):
    people = center["people"]
    away = people["medical_oncology"]
    declined, unanswered = make_members(app, center, AttendanceAnswer.DECLINED)
    with app.app_context():
        day = row(app, BoardSession, published).starts_at.date()
        db.session.add(
            TimeOff(
                specialist_id=away, starts_on=day - timedelta(days=1), ends_on=day + timedelta(1)
            )
        )
        db.session.commit()
    login("coordinator")
    url = f"/sessions/{published}/meeting"
    token = csrf_of(client.get(url).data)
    marked = client.post(
        f"{url}/attendance", data={"present": [people["pathology"]], "csrf_token": token}
    )
    assert marked.status_code == 302
    assert attendance(app, published) == {people["pathology"]: True, declined: False}

    version = row(app, BoardSession, published).version
    finished = client.post(f"{url}/finish", data={"version": version, "csrf_token": token})
    assert finished.status_code == 302
    assert row(app, BoardSession, published).status == SessionStatus.HELD
    # The away member was not expected, so is not counted absent.
    assert attendance(app, published) == {
        people["pathology"]: True,
        people["surgical_oncology"]: False,
        unanswered: False,
        declined: False,
    }


def test_finishing_without_marking_records_the_expected_as_absent(
    app, client, login, center, published
):
    declined, unanswered = make_members(app, center, AttendanceAnswer.DECLINED)
    login("coordinator")
    url = f"/sessions/{published}/meeting"
    token = csrf_of(client.get(url).data)
    version = row(app, BoardSession, published).version
    finished = client.post(f"{url}/finish", data={"version": version, "csrf_token": token})
    assert finished.status_code == 302
    expected = {person: False for person in center["people"].values()}
    assert attendance(app, published) == {**expected, unanswered: False, declined: None}
    with app.app_context():
        answers = db.session.scalars(
            db.select(SessionAttendance.answer).where(SessionAttendance.specialist_id == declined)
        ).all()
    assert answers == [AttendanceAnswer.DECLINED]


def make_members(app, center, answer: AttendanceAnswer) -> tuple[int, int]:
    """Two more members of the board: one who answered `answer`, one who did not answer."""
    from board.specialists.services import create_specialist

    with app.app_context():
        ids = []
        for number in (1, 2):
            person = create_specialist(
                {
                    "name": f"Dr. Extra {number}",
                    "email": f"extra{number}@example.org",
                    "specialty": "medical_oncology",
                    "boards": [center["board_id"]],
                }
            )
            db.session.flush()
            ids.append(person.id)
        db.session.add(
            SessionAttendance(session_id=center["sessions"][0], specialist_id=ids[0], answer=answer)
        )
        db.session.commit()
        return ids[0], ids[1]


def test_finishing_needs_csrf_staff_and_the_current_version(app, client, login, published):
    url = f"/sessions/{published}/meeting"
    login("coordinator")
    version = row(app, BoardSession, published).version
    assert client.post(f"{url}/finish", data={"version": version}).status_code == 400
    token = csrf_of(client.get(url).data)
    stale = client.post(f"{url}/finish", data={"version": version - 1, "csrf_token": token})
    assert stale.status_code == 412 and b"Someone else changed" in stale.data
    login("specialist")
    token = csrf_of(client.get("/").data)
    forbidden = client.post(f"{url}/finish", data={"version": version, "csrf_token": token})
    assert forbidden.status_code == 403
    assert attendance(app, published) == {}
    assert row(app, BoardSession, published).status == SessionStatus.PUBLISHED
