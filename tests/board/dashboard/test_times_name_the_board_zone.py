"""Every page shows a session's time in its board's zone, with the zone named."""

from board.agendas.services import place_case, publish_agenda
from board.cases.models import Case
from board.common.time import board_time
from board.extensions import db
from board.sessions.models import BoardSession


def test_case_agenda_meeting_and_dashboard_agree_on_the_time(
    app, client, login, center, ready_case
):
    case_id = ready_case()
    session_id = center["sessions"][0]
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        place_case(db.session.get(Case, case_id), session, None)
        publish_agenda(session)
        db.session.commit()
        shown = f"{board_time(session.starts_at, 'America/New_York')} America/New_York"
    assert "07:00 America/New_York" in shown
    login("coordinator")
    for url in (
        f"/cases/{case_id}",
        f"/sessions/{session_id}/agenda",
        f"/sessions/{session_id}/meeting",
        "/",
    ):
        page = client.get(url).data.decode()
        assert shown in page, url
        assert "12:00 UTC" not in page and "11:00 UTC" not in page, url
