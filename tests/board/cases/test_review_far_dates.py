"""Dates at the edge of the calendar are refused at the door instead of breaking the scheduler."""

import pytest

from board.planning.services import run_assignment


@pytest.mark.parametrize("due", ["9999-12-31", "3000-01-01"])
def test_decision_date_far_in_the_future_is_422(api, make_case, due):
    case_id = make_case()
    etag = api.get(f"/api/v1/cases/{case_id}").headers["ETag"]
    response = api.patch(
        f"/api/v1/cases/{case_id}", json={"decision_due_on": due}, headers={"If-Match": etag}
    )
    assert response.status_code == 422, response.get_json()
    assert "decision_due_on" in response.get_json()["error"]["details"]


def test_edge_dates_never_break_a_scheduler_run(app, api, center, ready_case):
    case_id = ready_case()
    etag = api.get(f"/api/v1/cases/{case_id}").headers["ETag"]
    api.patch(
        f"/api/v1/cases/{case_id}",
        json={"decision_due_on": "9999-12-31"},
        headers={"If-Match": etag},
    )
    with app.app_context():
        run = run_assignment("test", dry_run=True)
        assert run.outcome.value == "proposed", run.error


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59:59+00:00", "3000-01-01T10:00:00+00:00"])
def test_session_start_far_in_the_future_is_422(api, center, starts_at):
    created = api.post(
        "/api/v1/sessions", json={"board_id": center["board_id"], "starts_at": starts_at}
    )
    assert created.status_code == 422, created.get_json()
    assert "starts_at" in created.get_json()["error"]["details"]
    session_id = center["sessions"][0]
    etag = api.get(f"/api/v1/sessions/{session_id}").headers["ETag"]
    moved = api.patch(
        f"/api/v1/sessions/{session_id}", json={"starts_at": starts_at}, headers={"If-Match": etag}
    )
    assert moved.status_code == 422, moved.get_json()
