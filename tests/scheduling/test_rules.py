"""One row per hard rule: the case must stay off the session, with a specific reason."""

from dataclasses import replace
from datetime import date, datetime

import pytest

from scheduling import Blocker, Policy, find_violations, plan_schedule
from tests.scheduling.factories import at, case, full_panel, session


def test_a_plain_case_is_placed(policy):
    plan = plan_schedule([session()], [case()], policy)
    assert plan.placements == {1: 1}
    assert plan.reasons == {}
    assert plan.proven_optimal


NO_RADIATION = full_panel({"radiation_oncology": frozenset()})


@pytest.mark.parametrize(
    ("sessions", "cases", "reason_part"),
    [
        pytest.param(
            [session(sites=frozenset({"breast"}))],
            [case()],
            "no Thoracic session is scheduled",
            id="site",
        ),
        pytest.param([session(cancelled=True)], [case()], "no Thoracic session", id="cancelled"),
        pytest.param(
            [
                session(
                    available=full_panel({"pathology": frozenset()}),
                    required_specialties=frozenset(),
                )
            ],
            [case(kind="pathology_review")],
            "has a pathologist available",
            id="pathology-review",
        ),
        pytest.param(
            [session()],
            [case(kind="individual", requested_specialist_id=99)],
            "has the requested specialist available",
            id="individual-opinion",
        ),
        pytest.param(
            [session(available=NO_RADIATION)],
            [case()],
            "no Thoracic session by 2 Jan has a radiation oncologist available",
            id="board-quorum",
        ),
        pytest.param(
            [session()],
            [case(extra_specialties=frozenset({"genetics"}))],
            "has a geneticist available",
            id="extra-specialty",
        ),
        pytest.param([session()], [case(minutes=61)], "needs 61 minutes", id="capacity-minutes"),
        pytest.param(
            [session(max_cases=1)],
            [case(), case(id=2)],
            "eligible Thoracic session by 2 Jan is full",
            id="max-cases",
        ),
        pytest.param(
            [session()],
            [case(ready_on=date(2025, 12, 5))],
            "records complete on 5 Dec, too late",
            id="lead-time",
        ),
        pytest.param(
            [session()],
            [case(ready_on=None, blocker=Blocker(missing_records=("slides",)))],
            "records missing: slides",
            id="records-missing",
        ),
        pytest.param(
            [session()],
            [case(ready_on=None, blocker=Blocker(insurer_notice="sent"))],
            "insurer notice pending",
            id="insurer-notice",
        ),
        pytest.param(
            [session(starts_at=at(date(2025, 12, 1), 8))],
            [case(ready_on=date(2025, 11, 20))],
            "no Thoracic session between submission",
            id="before-submission",
        ),
        pytest.param(
            [session(starts_at=at(date(2026, 1, 6)))],
            [case()],
            "no Thoracic session between submission and 2 Jan",
            id="allowed-lateness",
        ),
    ],
)
def test_hard_rule_keeps_case_off(sessions, cases, reason_part, policy):
    plan = plan_schedule(sessions, cases, policy)
    unplaced = plan.unplaced()
    assert unplaced, "some case must stay unplaced"
    assert any(reason_part in plan.reasons[case_id] for case_id in unplaced), plan.reasons
    assert find_violations(sessions, cases, policy, plan) == []


def test_lead_time_counts_business_days_and_holidays():
    # ready Thursday 4 Dec fits a Tuesday 9 Dec session with 3 business days...
    sessions, cases = [session()], [case(ready_on=date(2025, 12, 4))]
    assert plan_schedule(sessions, cases, Policy(isolate_solver=False)).placements[1] == 1
    # ...but not when Monday 8 Dec is a holiday
    holiday = Policy(isolate_solver=False, holidays=frozenset({date(2025, 12, 8)}))
    assert plan_schedule(sessions, cases, holiday).placements[1] is None
    # a board with a one-day lead time accepts records on Friday
    short = Policy(isolate_solver=False, lead_business_days={1: 1})
    late = [case(ready_on=date(2025, 12, 8))]
    assert plan_schedule(sessions, late, short).placements[1] == 1


def test_session_day_follows_the_board_time_zone():
    # 02:00 UTC Wednesday is still Tuesday evening in Chicago: one business day less of lead
    evening = session(starts_at=at(date(2025, 12, 10), 2), time_zone="America/Chicago")
    cases = [case(ready_on=date(2025, 12, 5))]
    policy = Policy(isolate_solver=False)
    assert plan_schedule([evening], cases, policy).placements[1] is None
    utc = replace(evening, time_zone="UTC")
    assert plan_schedule([utc], cases, policy).placements[1] == 1


def test_pinned_case_stays_even_over_capacity(policy):
    sessions = [session(capacity_minutes=15), session(id=2, starts_at=at(date(2025, 12, 16)))]
    cases = [
        case(id=1, minutes=10, pinned=True, current_session_id=1),
        case(id=2, minutes=10, pinned=True, current_session_id=1, ready_on=None),
        case(id=3, minutes=5, current_session_id=1),
    ]
    plan = plan_schedule(sessions, cases, policy)
    assert plan.placements[1] == 1
    assert plan.placements[2] == 1
    assert plan.placements[3] == 2
    assert any("over capacity" in warning for warning in plan.warnings)
    assert find_violations(sessions, cases, policy, plan) == []


def test_published_placement_stays_even_when_a_move_would_gain():
    policy = Policy(isolate_solver=False, keep_bonus=20.0)
    sessions = [
        session(id=1, starts_at=at(date(2025, 12, 16)), published=True),
        session(id=2, starts_at=at(date(2025, 12, 9))),
    ]
    # an emergent case gains 70 weighted wait-days by moving a week earlier
    cases = [case(current_session_id=1, priority="emergent")]
    assert plan_schedule(sessions, cases, policy).placements[1] == 1
    draft = [replace(s, published=False) for s in sessions]
    assert plan_schedule(draft, cases, policy).placements[1] == 2


def test_published_placement_moves_when_it_became_infeasible(policy):
    sessions = [
        session(id=1, published=True, available=NO_RADIATION),
        session(id=2, starts_at=at(date(2025, 12, 16))),
    ]
    cases = [case(current_session_id=1)]
    plan = plan_schedule(sessions, cases, policy)
    assert plan.placements[1] == 2
    assert find_violations(sessions, cases, policy, plan) == []


def test_draft_placement_kept_unless_move_gains_clearly(policy):
    sessions = [session(id=1), session(id=2, starts_at=at(date(2025, 12, 23)))]
    # two weeks earlier gains 14 routine wait-days, less than the keep bonus
    cases = [case(current_session_id=2, decision_due_on=date(2025, 12, 31))]
    assert plan_schedule(sessions, cases, policy).placements[1] == 2
    assert plan_schedule(sessions, [case()], policy).placements[1] == 1
    # becoming on time is worth far more than the keep bonus
    due = [case(current_session_id=2, decision_due_on=date(2025, 12, 12))]
    assert plan_schedule(sessions, due, policy).placements[1] == 1


def test_cancelled_session_releases_even_pinned_cases(policy):
    sessions = [session(id=1, cancelled=True), session(id=2, starts_at=at(date(2025, 12, 16)))]
    cases = [case(pinned=True, current_session_id=1)]
    plan = plan_schedule(sessions, cases, policy)
    assert plan.placements[1] == 2
    assert any("cancelled" in warning for warning in plan.warnings)


def test_higher_priority_wins_the_last_slot(policy):
    sessions = [session(capacity_minutes=10)]
    cases = [case(id=1), case(id=2, priority="urgent", submitted_at=at(date(2025, 12, 1), 10))]
    plan = plan_schedule(sessions, cases, policy)
    assert plan.placements == {1: None, 2: 1}
    assert "full" in plan.reasons[1]


def test_first_come_first_served_among_equals(policy):
    sessions = [session(capacity_minutes=10)]
    later = case(id=1, submitted_at=at(date(2025, 12, 1), 11))
    earlier = case(id=2, submitted_at=at(date(2025, 12, 1), 10))
    plan = plan_schedule(sessions, [later, earlier], policy)
    assert plan.placements == {1: None, 2: 1}


def test_earlier_submission_gets_the_earlier_session(policy):
    sessions = [
        session(id=1, capacity_minutes=10),
        session(id=2, capacity_minutes=10, starts_at=at(date(2025, 12, 11))),
    ]
    cases = [case(id=1, submitted_at=at(date(2025, 12, 1), 11)), case(id=2)]
    plan = plan_schedule(sessions, cases, policy)
    assert plan.placements == {1: 2, 2: 1}


def test_on_time_placement_beats_waiting_for_a_late_one(policy):
    sessions = [
        session(id=1, capacity_minutes=10),
        session(id=2, capacity_minutes=10, starts_at=at(date(2025, 12, 23))),
    ]
    # case 2 is due before the second session; case 1 can wait
    cases = [
        case(id=1, decision_due_on=date(2025, 12, 31)),
        case(id=2, decision_due_on=date(2025, 12, 10)),
    ]
    plan = plan_schedule(sessions, cases, policy)
    assert plan.placements == {1: 2, 2: 1}


@pytest.mark.parametrize(
    ("sessions", "cases"),
    [
        ([session()], [case(), case()]),
        ([session(), session()], [case()]),
        ([session(starts_at=datetime(2025, 12, 9, 8))], [case()]),
        ([session()], [case(submitted_at=datetime(2025, 12, 1, 9))]),
        ([session()], [case(minutes=0)]),
    ],
    ids=["duplicate-case", "duplicate-session", "naive-start", "naive-submission", "no-minutes"],
)
def test_invalid_input_is_rejected(sessions, cases, policy):
    with pytest.raises(ValueError):
        plan_schedule(sessions, cases, policy)


def test_country_holidays_are_resolved_from_the_policy():
    # Thanksgiving (27 Nov 2025) sits inside the lead time of a Monday 1 Dec session
    sessions = [session(starts_at=at(date(2025, 12, 1)))]
    cases = [case(submitted_at=at(date(2025, 11, 20)), ready_on=date(2025, 11, 26))]
    plain = Policy(isolate_solver=False)
    assert plan_schedule(sessions, cases, plain).placements[1] == 1
    american = Policy(isolate_solver=False, holiday_country="US")
    plan = plan_schedule(sessions, cases, american)
    assert plan.placements[1] is None
    assert find_violations(sessions, cases, american, plan) == []
    # the checker resolves the same calendar on its own
    assert find_violations(sessions, cases, american, plan_schedule(sessions, cases, plain))
