"""A case placed past its decision date says so everywhere: by how many days, why, what helps."""

from datetime import timedelta

import pytest

from board.common.time import local_date
from board.extensions import db
from board.notifications.models import Notification
from board.planning.services import run_assignment
from board.sessions.models import BoardSession
from board.specialists.models import TimeOff


@pytest.fixture
def quorum_lost(app, center, ready_case, make_user):
    """The pathologist is away at the first session; an urgent case is due two days after it."""
    coordinator, _email = make_user("coordinator", email="late-coordinator@example.org")
    with app.app_context():
        first = db.session.get(BoardSession, center["sessions"][0])
        day = local_date(first.starts_at, first.board.time_zone)
        db.session.add(
            TimeOff(specialist_id=center["people"]["pathology"], starts_on=day, ends_on=day)
        )
        db.session.commit()
    case_id = ready_case(priority="urgent", decision_due_on=day + timedelta(days=2))
    return {"case": case_id, "first_day": day, "coordinator": coordinator}


def test_a_late_placement_says_how_late_and_why_in_the_api_run_and_notification(
    app, api, center, quorum_lost
):
    run = api.post("/api/v1/schedule/runs", json={"dry_run": False}).get_json()
    [change] = [c for c in run["changes"] if c["case_id"] == quorum_lost["case"]]
    assert change["to_session_id"] == center["sessions"][1]
    assert change["on_time"] is False and change["days_late"] == 5
    assert change["late_causes"] == ["quorum"]
    assert "no pathologist available" in change["timeliness"]
    assert change["reason"].startswith("Placed on Breast Tumor Board on ")

    placement = api.get(f"/api/v1/cases/{quorum_lost['case']}/placement").get_json()
    assert placement["on_time"] is False
    assert placement["days_late"] == 5
    assert placement["late_causes"] == ["quorum"]
    assert placement["timeliness"].startswith("5 days late: decision due ")
    kinds = [action["kind"] for action in placement["actions"]]
    assert "ad_hoc" in kinds
    assert placement["session"]["time_zone"] == "America/New_York"

    with app.app_context():
        [note] = db.session.scalars(
            db.select(Notification).where(
                Notification.kind == "case_late",
                Notification.user_id == quorum_lost["coordinator"],
            )
        ).all()
        assert "5 days late" in note.body and "no pathologist available" in note.body
        before = db.session.scalar(db.select(db.func.count(Notification.id)))
    # A second run leaves it where it is and does not notify again.
    api.post("/api/v1/schedule/runs", json={"dry_run": False})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == before


def test_an_on_time_placement_says_on_time(app, api, center, ready_case):
    case_id = ready_case()
    api.post("/api/v1/schedule/runs", json={"dry_run": False})
    placement = api.get(f"/api/v1/cases/{case_id}/placement").get_json()
    assert placement["on_time"] is True and placement["days_late"] == 0
    assert placement["late_causes"] == [] and placement["actions"] == []
    assert placement["timeliness"].startswith("On time: ")


def test_the_dashboard_and_case_page_show_the_late_case_with_its_fixes(
    app, client, login, quorum_lost
):
    with app.app_context():
        run_assignment("scheduled")
        db.session.commit()
    login("coordinator")
    dashboard = client.get("/").data.decode()
    assert "Late and at-risk cases (1)" in dashboard
    assert 'data-testid="late-case"' in dashboard
    assert "5 days late" in dashboard and "Add an ad-hoc session of Breast Tumor Board" in dashboard
    page = client.get(f"/cases/{quorum_lost['case']}").data.decode()
    assert "late by 5 days" in page and "What could fix it" in page
    assert "America/New_York" in page and "UTC</a>" not in page
