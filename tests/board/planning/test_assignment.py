"""The engine run on the database: placements, reasons, pins, dry runs, failures."""

import json
from datetime import timedelta

import pytest

from board.agendas.models import AgendaItem
from board.agendas.services import place_case
from board.cases.models import Case, CaseStatus
from board.common.time import today
from board.extensions import db
from board.planning import engine_input, services
from board.planning.models import RunOutcome, ScheduleRun
from board.sessions.models import BoardSession


def agenda(app) -> dict[int, int]:
    with app.app_context():
        return dict(db.session.execute(db.select(AgendaItem.case_id, AgendaItem.session_id)).all())


def run(app, **kwargs) -> ScheduleRun:
    with app.app_context():
        result = services.run_assignment("test", **kwargs)
        db.session.refresh(result)
        db.session.expunge(result)
        return result


def test_ready_case_is_placed_on_the_first_session_past_the_records_cutoff(
    app, center, ready_case, api
):
    case_id = ready_case()
    result = run(app)
    assert result.outcome == RunOutcome.APPLIED
    assert result.placed_count == 1 and result.unplaced_count == 0
    placed = agenda(app)
    assert placed[case_id] == center["sessions"][0]
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == CaseStatus.SCHEDULED
        item = db.session.scalar(db.select(AgendaItem))
        assert item.placed_by_engine and item.position == 1 and item.minutes == 5
        assert db.session.get(BoardSession, placed[case_id]).sequence == 1
    placement = api.get(f"/api/v1/cases/{case_id}/placement").get_json()
    assert placement["session"]["id"] == center["sessions"][0]
    assert placement["session"]["placed_by"] == "scheduler"
    assert placement["reason"].startswith("Placed by the scheduler on Breast Tumor Board")


def test_running_again_changes_nothing(app, center, ready_case):
    for _ in range(3):
        ready_case()
    first = run(app)
    assert first.placed_count == 3
    second = run(app)
    assert (second.placed_count, second.moved_count, second.removed_count) == (0, 0, 0)


def test_case_without_records_is_not_placed_and_the_reason_says_why(app, center, make_case, api):
    case_id = make_case(records=[{"kind": "slides_blocks"}])
    api.post(f"/api/v1/cases/{case_id}/transitions", json={"to": "awaiting_records"})
    result = run(app)
    assert result.unplaced_count == 1 and agenda(app) == {}
    placement = api.get(f"/api/v1/cases/{case_id}/placement").get_json()
    assert placement["session"] is None
    assert "records missing" in placement["reason"]
    assert "slides" in placement["reason"]


def test_missing_quorum_is_named_in_the_reason(app, center, ready_case, api):
    with app.app_context():
        from board.specialists.models import Specialist

        db.session.get(Specialist, center["people"]["pathology"]).active = False
        db.session.commit()
    case_id = ready_case()
    run(app)
    placement = api.get(f"/api/v1/cases/{case_id}/placement").get_json()
    assert placement["session"] is None
    assert "patholog" in placement["reason"].lower()


def test_pinned_item_is_never_moved(app, center, ready_case, api):
    case_id = ready_case()
    later = center["sessions"][3]
    with app.app_context():
        item = place_case(
            db.session.get(Case, case_id), db.session.get(BoardSession, later), None, pinned=True
        )
        db.session.commit()
        assert item.pinned
    result = run(app)
    assert result.moved_count == 0
    assert agenda(app)[case_id] == later
    assert "Pinned" in api.get(f"/api/v1/cases/{case_id}/placement").get_json()["reason"]


def test_dry_run_proposes_and_writes_nothing(app, center, ready_case, api):
    case_id = ready_case()
    response = api.post("/api/v1/schedule/runs", json={"dry_run": True})
    assert response.status_code == 201
    body = response.get_json()
    assert body["outcome"] == "proposed" and body["dry_run"] is True
    assert body["changes"] == [
        {
            "case_id": case_id,
            "reference": body["changes"][0]["reference"],
            "from_session_id": None,
            "to_session_id": center["sessions"][0],
            "action": "placed",
            "reason": body["changes"][0]["reason"],
            "on_time": True,
            "days_late": 0,
            "late_causes": [],
            "timeliness": body["changes"][0]["timeliness"],
        }
    ]
    assert body["changes"][0]["reason"].startswith("Placed on Breast Tumor Board on ")
    assert body["changes"][0]["timeliness"].startswith("On time: ")
    assert agenda(app) == {}
    assert api.get(f"/api/v1/cases/{case_id}").get_json()["status"] == "ready"

    applied = api.post("/api/v1/schedule/runs", json={"dry_run": False}).get_json()
    assert applied["outcome"] == "applied" and applied["placed"] == 1
    assert agenda(app) == {case_id: center["sessions"][0]}
    runs = api.get("/api/v1/schedule/runs").get_json()
    assert [r["outcome"] for r in runs] == ["applied", "proposed"]
    assert runs[0]["method"] and runs[0]["finished_at"]


def test_a_run_that_crashes_midway_leaves_no_partial_plan(app, center, ready_case, monkeypatch):
    for _ in range(3):
        ready_case()
    calls = {"count": 0}
    real_place = services.place_case

    def failing_place(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 2:
            raise RuntimeError("disk full")
        return real_place(*args, **kwargs)

    monkeypatch.setattr(services, "place_case", failing_place)
    with app.app_context(), pytest.raises(RuntimeError):
        services.run_assignment("test")
    assert agenda(app) == {}
    with app.app_context():
        failed = db.session.scalar(db.select(ScheduleRun))
        assert failed.outcome == RunOutcome.FAILED and "disk full" in failed.error
        statuses = set(db.session.scalars(db.select(Case.status)))
        assert statuses == {CaseStatus.READY}


def test_a_coordinator_edit_made_during_the_solve_is_not_overwritten(app, center, ready_case):
    case_id = ready_case()
    with app.app_context():
        sessions, cases, snapshot = engine_input.build_engine_input(services.utcnow())
        plan = services.plan_schedule(sessions, cases, engine_input.engine_policy())
        assert plan.placements[case_id] == center["sessions"][0]
        # meanwhile a coordinator changes the case
        case = db.session.get(Case, case_id)
        case.priority = "urgent"
        db.session.commit()
        result = ScheduleRun(trigger="test")
        db.session.add(result)
        db.session.flush()
        changes = services.apply_plan(plan, snapshot, result, dry_run=False)
        db.session.commit()
    assert [change["action"] for change in changes] == ["skipped"]
    assert agenda(app) == {}


def test_specialists_may_not_run_the_scheduler(api_as):
    specialist = api_as("specialist")
    assert specialist.post("/api/v1/schedule/runs", json={}).status_code == 403
    assert specialist.get("/api/v1/schedule/runs").status_code == 403


def test_run_request_validates_its_body(api):
    response = api.post("/api/v1/schedule/runs", json={"dry_run": "perhaps"})
    assert response.status_code == 422
    assert "dry_run" in response.get_json()["error"]["details"]


def test_placement_of_unknown_case_is_404(api):
    assert api.get("/api/v1/cases/999/placement").status_code == 404


def test_run_details_list_every_change(app, center, ready_case, api):
    ready_case()
    ready_case(decision_due_on=today() + timedelta(days=30))
    run_id = api.post("/api/v1/schedule/runs", json={"dry_run": False}).get_json()["id"]
    detail = api.get(f"/api/v1/schedule/runs/{run_id}").get_json()
    assert len(detail["changes"]) == 2
    with app.app_context():
        stored = json.loads(db.session.get(ScheduleRun, run_id).changes_json)
    assert stored == detail["changes"]
