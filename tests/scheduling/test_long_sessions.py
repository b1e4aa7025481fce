"""Sessions of tens of thousands of minutes: the knapsack steps stay small and exact enough."""

import random
from datetime import date, timedelta

import numpy as np

from scheduling import find_violations, greedy_value_density, plan_schedule
from scheduling.greedy import assign_value_density
from scheduling.problem import Component
from scheduling.repack import repack_sessions
from scheduling.wide import sweep_wide
from tests.scheduling.factories import at, case, session

LONG = 30_000


def _long_component(case_count: int, seed: int) -> Component:
    """Return two 30,000-minute sessions sharing every case, more demand than room."""
    rng = np.random.default_rng(seed)
    minutes = rng.choice([3.0, 5.0, 20.0, 45.0], size=case_count)
    pair_case = np.repeat(np.arange(case_count), 2)
    pair_session = np.tile([0, 1], case_count)
    values = rng.uniform(100.0, 3000.0, size=2 * case_count)
    return Component(
        case_index=np.arange(case_count),
        session_index=np.arange(2),
        pair_case=pair_case,
        pair_session=pair_session,
        pair_value=values,
        minutes=minutes,
        capacity=np.array([LONG, LONG], dtype=np.float64),
        count_limit=np.array([np.inf, np.inf]),
        session_board=np.zeros(2, dtype=np.int64),
    )


def _assert_within_limits(component, assignment) -> None:
    placed = assignment >= 0
    used = np.bincount(assignment[placed], weights=component.minutes[placed], minlength=2)
    count = np.bincount(assignment[placed], minlength=2)
    assert np.all(used <= component.capacity)
    assert np.all(count <= component.count_limit)


def test_re_packing_and_the_wide_sweep_handle_30000_minute_sessions():
    # a two-session table over 30,000 minutes each would need terabytes: the steps must
    # bound their tables instead, keep every limit and never lose value
    component = _long_component(4000, seed=1)
    args = component.arrays()
    start = assign_value_density(*args, component.case_index.size)
    repacked = repack_sessions(start, *args, deadline=float("inf"), passes=2)
    swept = sweep_wide(component, repacked, float("inf"), 1, 2, 6, lambda a: a)
    for result in (repacked, swept):
        _assert_within_limits(component, result)
    assert component.value_of(repacked) >= component.value_of(start)
    assert component.value_of(swept) >= component.value_of(repacked)


def test_a_center_with_30000_minute_sessions_gets_a_valid_near_optimal_plan(policy):
    rng = random.Random(3)
    sessions = [
        session(id=1, capacity_minutes=LONG),
        session(id=2, capacity_minutes=LONG, starts_at=at(date(2025, 12, 16)), max_cases=900),
        session(id=3, capacity_minutes=60, starts_at=at(date(2025, 12, 11))),
    ]
    cases = [
        case(
            id=number,
            minutes=rng.choice((3, 5, 20, 45)),
            priority=rng.choice(("routine", "urgent", "emergent")),
            decision_due_on=date(2025, 12, 9) + timedelta(days=rng.choice((1, 7, 14))),
        )
        for number in range(1, 4001)
    ]
    plan = plan_schedule(sessions, cases, policy)
    assert find_violations(sessions, cases, policy, plan) == []
    assert plan.objective >= greedy_value_density(sessions, cases, policy).objective
    assert plan.objective >= 0.999 * plan.upper_bound
