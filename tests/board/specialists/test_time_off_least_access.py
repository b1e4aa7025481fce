"""Least access: a specialist sees their own time off, not a colleague's."""

from tests.helpers import ApiClient


def test_specialist_reads_only_their_own_time_off(app, client, make_user, make_specialist):
    from board.accounts.models import User
    from board.accounts.services import create_api_token
    from board.extensions import db

    colleague = make_specialist()
    api = ApiClient(client, "")
    own_id, _ = make_user("specialist")
    with app.app_context():
        user = db.session.get(User, own_id)
        own_specialist = user.specialist_id
        api.headers = {"Authorization": f"Bearer {create_api_token(user)}"}
        db.session.commit()
    assert api.get(f"/api/v1/specialists/{own_specialist}/time-off").status_code == 200
    assert api.get(f"/api/v1/specialists/{colleague}/time-off").status_code == 403


def test_staff_read_everyone_s_time_off(api, make_specialist):
    assert api.get(f"/api/v1/specialists/{make_specialist()}/time-off").status_code == 200
