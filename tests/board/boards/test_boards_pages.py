"""The boards admin pages: create, edit, stale versions, bad input and roles."""

from board.boards.models import Board
from board.extensions import db
from tests.helpers import csrf_of, row

BOARD_FORM = {
    "name": "Thoracic Tumor Board",
    "sites": ["lung"],
    "required_specialties": ["pathology", "radiation_oncology"],
    "recurrence": "FREQ=WEEKLY;BYDAY=WE",
    "local_start_time": "08:00",
    "time_zone": "Europe/Paris",
    "duration_minutes": "60",
    "capacity_minutes": "50",
    "default_case_minutes": "10",
    "records_lead_business_days": "2",
    "agenda_freeze_hours": "12",
    "attendance_target_percent": "0",
    "active": "y",
}


def test_boards_admin_create_edit_stale_and_bad_input(app, client, login, make_board):
    login("coordinator")
    token = csrf_of(client.get("/boards/new").data)
    assert client.post("/boards/new", data=BOARD_FORM).status_code == 400
    bad = client.post(
        "/boards/new", data={**BOARD_FORM, "time_zone": "Mars/Base", "csrf_token": token}
    )
    assert bad.status_code == 422 and b'id="time_zone-error"' in bad.data
    created = client.post("/boards/new", data={**BOARD_FORM, "csrf_token": token})
    assert created.status_code == 302
    with app.app_context():
        board = db.session.scalar(db.select(Board).where(Board.name == BOARD_FORM["name"]))
        board_id, version = board.id, board.version
        assert board.required_specialty_codes == ["pathology", "radiation_oncology"]
    edit = {**BOARD_FORM, "capacity_minutes": "90", "csrf_token": token}
    assert client.post(f"/boards/{board_id}", data={**edit, "version": version}).status_code == 302
    assert row(app, Board, board_id).capacity_minutes == 90
    stale = client.post(
        f"/boards/{board_id}", data={**edit, "capacity_minutes": "30", "version": version}
    )
    assert stale.status_code == 412 and b"Changed by someone else" in stale.data
    assert row(app, Board, board_id).capacity_minutes == 90
    login("specialist")
    assert client.get("/boards").status_code == 403
    edit["csrf_token"] = csrf_of(client.get("/").data)  # a new login has a new CSRF token
    assert (
        client.post(f"/boards/{board_id}", data={**edit, "version": version + 1}).status_code == 403
    )
