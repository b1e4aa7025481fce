"""After the meeting, the quorum panel shows who was present, by specialty."""

from board.agendas.services import place_case, publish_agenda, quorum_status
from board.cases.models import Case
from board.extensions import db
from board.sessions.models import BoardSession
from board.specialists.models import Specialist
from tests.helpers import csrf_of, row, start_in_the_past


def test_held_quorum_is_the_recorded_attendance(app, client, login, center, ready_case):
    session_id = center["sessions"][0]
    case_id = ready_case()
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        place_case(db.session.get(Case, case_id), session, None)
        publish_agenda(session)
        db.session.commit()
    start_in_the_past(app, session_id)
    people = center["people"]
    login("coordinator")
    url = f"/sessions/{session_id}/meeting"
    token = csrf_of(client.get(url).data)
    present = [people["pathology"], people["surgical_oncology"]]
    client.post(f"{url}/attendance", data={"present": present, "csrf_token": token})
    version = row(app, BoardSession, session_id).version
    finished = client.post(
        f"{url}/finish", data={"version": version, "confirm": "y", "csrf_token": token}
    )
    assert finished.status_code == 302
    with app.app_context():
        rows = {r["code"]: r for r in quorum_status(db.session.get(BoardSession, session_id))}
        absent = db.session.get(Specialist, people["medical_oncology"]).name
    assert rows["pathology"]["met"] and rows["surgical_oncology"]["met"]
    assert rows["medical_oncology"]["met"] is False
    assert rows["medical_oncology"]["absent"] == [absent]
    page = client.get(f"/sessions/{session_id}/agenda").data.decode()
    assert "present: Dr. Specialist" in page
    assert f"absent: {absent}" in page and "nobody present" in page
