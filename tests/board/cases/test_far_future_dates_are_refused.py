"""Dates at the edge of the calendar are refused at the door instead of breaking the scheduler."""

import pytest

from board.planning.services import run_assignment
from tests.helpers import patch_as_read


@pytest.mark.parametrize("due", ["9999-12-31", "3000-01-01"])
def test_decision_date_far_in_the_future_is_422(api, make_case, due):
    case_id = make_case()
    response = patch_as_read(api, f"/api/v1/cases/{case_id}", {"decision_due_on": due})
    assert response.status_code == 422, response.get_json()
    assert "decision_due_on" in response.get_json()["error"]["details"]


def test_edge_dates_never_break_a_scheduler_run(app, api, center, ready_case):
    case_id = ready_case()
    patch_as_read(api, f"/api/v1/cases/{case_id}", {"decision_due_on": "9999-12-31"})
    with app.app_context():
        run = run_assignment("test", dry_run=True)
        assert run.outcome.value == "proposed", run.error
