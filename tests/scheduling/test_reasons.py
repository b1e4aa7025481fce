"""Reasons must tell a coordinator what to chase."""

from datetime import date

from scheduling import Blocker, Policy, plan_schedule
from tests.scheduling.factories import at, case, session

POLICY = Policy(isolate_solver=False)


def test_missing_records_with_expected_date_name_the_first_session():
    sessions = [session(id=1), session(id=2, starts_at=at(date(2025, 12, 16)))]
    waiting = case(
        ready_on=None,
        expected_ready_on=date(2025, 12, 8),
        blocker=Blocker(missing_records=("slides", "imaging"), insurer_notice="sent"),
    )
    reason = plan_schedule(sessions, [waiting], POLICY).reasons[1]
    assert reason == (
        "records missing: slides, imaging; insurer notice pending; once they arrive "
        "(expected 8 Dec) the first possible session is 16 Dec"
    )


def test_denied_notice_is_reported():
    blocked = case(ready_on=None, blocker=Blocker(insurer_notice="denied"))
    reason = plan_schedule([session()], [blocked], POLICY).reasons[1]
    assert reason.startswith("insurer notice denied")


def test_late_records_name_the_next_possible_session():
    sessions = [session(id=1), session(id=2, starts_at=at(date(2026, 1, 13)))]
    late = case(ready_on=date(2025, 12, 8))
    reason = plan_schedule(sessions, [late], POLICY).reasons[1]
    assert reason == (
        "records complete on 8 Dec, too late for the records lead time of every Thoracic "
        "session by 2 Jan; the first possible session is 13 Jan"
    )


def test_full_sessions_are_named_as_full():
    sessions = [session(capacity_minutes=10)]
    cases = [case(id=1), case(id=2, submitted_at=at(date(2025, 12, 1), 10))]
    plan = plan_schedule(sessions, cases, POLICY)
    assert plan.reasons[2] == (
        "the only eligible Thoracic session by 2 Jan is full (cases with higher priority or "
        "earlier decision dates took the time)"
    )
