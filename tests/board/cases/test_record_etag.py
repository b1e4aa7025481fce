"""Records take the ETag they were read with; out-of-range numbers never answer 500."""

from board.common.time import today


def test_record_update_checks_the_records_own_etag(api, make_case):
    case_id = make_case(records=[{"kind": "labs"}])
    record_id = api.get(f"/api/v1/cases/{case_id}/records").get_json()[0]["id"]
    first = api.patch(f"/api/v1/cases/{case_id}/records/{record_id}", json={"note": "asked"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = api.patch(
        f"/api/v1/cases/{case_id}/records/{record_id}",
        json={"received_on": today().isoformat()},
        headers={"If-Match": etag},
    )
    assert again.status_code == 200
    stale = api.patch(
        f"/api/v1/cases/{case_id}/records/{record_id}",
        json={"note": "overwrite"},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412
    records = api.get(f"/api/v1/cases/{case_id}/records").get_json()
    assert records[0]["note"] == "asked" and records[0]["received_on"] == today().isoformat()


def test_overflowing_number_in_a_form_is_a_clear_error(app, client, make_user, center):
    from tests.board.accounts.test_login import log_in
    from tests.board.ui.conftest import csrf_of

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
