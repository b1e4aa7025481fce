"""Rolling time windows: valid plans, valid bounds, and the large-component path end to end."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.families import generate_family
from scheduling import Policy, find_violations, greedy_value_density, plan_schedule, solver
from scheduling.problem import build_problem
from scheduling.solver import _solve
from scheduling.windows import lagrangian_bound, solve_in_windows, window_edges
from tests.scheduling.test_window_knapsack import components


@settings(max_examples=80, deadline=None)
@given(components(), st.integers(1, 12), st.integers(1, 3))
def test_windows_keep_every_limit_and_their_bound_is_above_the_lp(component, pairs, passes):
    assignment, bound = solve_in_windows(component, float("inf"), passes, _solve, pairs)
    placed = assignment >= 0
    feasible = set(zip(component.pair_case.tolist(), component.pair_session.tolist(), strict=True))
    for case in np.flatnonzero(placed).tolist():
        assert (case, int(assignment[case])) in feasible
    sessions = component.capacity.size
    used = np.bincount(assignment[placed], weights=component.minutes[placed], minlength=sessions)
    count = np.bincount(assignment[placed], minlength=sessions)
    assert np.all(used <= component.capacity + 1e-9)
    assert np.all(count <= component.count_limit)
    _columns, lp, _optimal = _solve(*component.arrays(), component.case_index.size, 60, False)
    assert component.value_of(assignment) <= lp + 1e-6
    assert bound >= lp - 1e-6 * max(1.0, lp)


@settings(max_examples=60, deadline=None)
@given(components(), st.lists(st.floats(0.0, 200.0), min_size=6, max_size=6))
def test_any_non_negative_prices_bound_the_lp(component, raw):
    sessions = component.capacity.size
    minute_price = np.array(raw[:sessions])
    count_price = np.array(raw[::-1][:sessions])
    _columns, lp, _optimal = _solve(*component.arrays(), component.case_index.size, 60, False)
    assert lagrangian_bound(component, minute_price, count_price) >= lp - 1e-6 * max(1.0, lp)


def test_windows_cover_every_session_once():
    sessions, cases = generate_family("long", 2000, 150, seed=2)
    problem = build_problem(sessions, cases, Policy())
    component = max(problem.components, key=lambda c: c.pair_case.size)
    edges = window_edges(component, 500)
    assert edges[0][0] == 0 and edges[-1][1] == component.capacity.size
    assert all(a[1] == b[0] for a, b in zip(edges, edges[1:], strict=False))
    assert len(edges) > 3


def test_large_components_through_windows_give_valid_plans_above_greedy(monkeypatch):
    # shrink the threshold so a small instance takes the large-component path
    monkeypatch.setattr(solver, "LARGE_PAIRS", 1000)
    sessions, cases = generate_family("overloaded", 2000, 150, seed=2)
    policy = Policy(isolate_solver=False, time_limit_seconds=30, polish=False)
    plan = plan_schedule(sessions, cases, policy)
    assert find_violations(sessions, cases, policy, plan) == []
    assert plan.objective > greedy_value_density(sessions, cases, policy).objective
    assert plan.objective <= plan.upper_bound
