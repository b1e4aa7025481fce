"""Jobs run through their firing record: once per slot, and a failure is recorded, not raised."""

from board.agendas.models import AgendaItem
from board.extensions import db
from board.jobs.models import JobFiring
from board.jobs.process import run_firing


def test_jobs_run_through_their_firing_record(app, center, ready_case):
    case_id = ready_case()
    run_firing(app, "assign", "test-host:1")
    run_firing(app, "assign", "test-host:1")  # same slot: not run again
    with app.app_context():
        [firing] = db.session.scalars(db.select(JobFiring)).all()
        assert firing.outcome == "succeeded" and "1 placed" in firing.summary
        assert db.session.scalar(db.select(AgendaItem.case_id)) == case_id


def test_a_failing_job_is_recorded_not_raised(app, monkeypatch):
    from board.jobs import definitions as jobs

    def broken() -> str:
        raise ValueError("no such board")

    monkeypatch.setitem(jobs.JOBS, "generate_sessions", broken)
    run_firing(app, "generate_sessions", "test-host:1")
    with app.app_context():
        firing = db.session.scalar(db.select(JobFiring))
        assert firing.outcome == "failed" and "no such board" in firing.summary
