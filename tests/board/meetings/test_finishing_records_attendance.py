"""Finishing a meeting records every expected attendee: present, absent, or not expected."""

from datetime import timedelta

from board.extensions import db
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.specialists.models import TimeOff
from tests.helpers import csrf_of, row


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
    finished = client.post(
        f"{url}/finish", data={"version": version, "confirm": "y", "csrf_token": token}
    )
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
    finished = client.post(
        f"{url}/finish", data={"version": version, "confirm": "y", "csrf_token": token}
    )
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
