"""The two-session knapsack of the wide sweep is exact, and the sweep never breaks a rule."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.greedy import assign_value_density
from scheduling.problem import Component
from scheduling.wide import sweep_wide, two_session_knapsack


@st.composite
def windows(draw):
    case_count = draw(st.integers(1, 7))
    first = np.full(case_count, -np.inf)
    second = np.full(case_count, -np.inf)
    for case in range(case_count):
        for session in draw(st.sets(st.sampled_from((0, 1)), min_size=1)):
            (first, second)[session][case] = draw(st.floats(1.0, 100.0))
    minutes = np.array([draw(st.integers(1, 9)) for _ in range(case_count)], dtype=np.int64)
    rooms = (draw(st.integers(0, 20)), draw(st.integers(0, 20)))
    return minutes, first, second, rooms


def brute_force(minutes, first, second, rooms) -> float:
    best = 0.0
    for choice in itertools.product((0, 1, 2), repeat=minutes.size):
        load = [0, 0]
        total = 0.0
        for case, where in enumerate(choice):
            if where == 0:
                continue
            value = (first, second)[where - 1][case]
            if not np.isfinite(value):
                break
            load[where - 1] += minutes[case]
            total += value
        else:
            if load[0] <= rooms[0] and load[1] <= rooms[1]:
                best = max(best, total)
    return best


@settings(max_examples=150, deadline=None)
@given(windows())
def test_two_session_knapsack_matches_enumeration(window):
    minutes, first, second, rooms = window
    value, choice = two_session_knapsack(minutes, first, second, *rooms)
    load = [0, 0]
    total = 0.0
    for case, where in enumerate(choice.tolist()):
        if where:
            chosen = (first, second)[where - 1][case]
            assert np.isfinite(chosen)
            load[where - 1] += minutes[case]
            total += chosen
    assert load[0] <= rooms[0] and load[1] <= rooms[1]
    assert abs(total - value) < 1e-6
    assert abs(total - brute_force(minutes, first, second, rooms)) < 1e-6


@st.composite
def components(draw):
    session_count = draw(st.integers(2, 6))
    case_count = draw(st.integers(1, 25))
    pairs = sorted(
        draw(
            st.sets(
                st.tuples(st.integers(0, case_count - 1), st.integers(0, session_count - 1)),
                min_size=1,
                max_size=3 * case_count,
            )
        )
    )
    pair_case = np.array([p[0] for p in pairs], dtype=np.int64)
    pair_session = np.array([p[1] for p in pairs], dtype=np.int64)
    case_index = np.unique(pair_case)
    # local case numbers must be 0..n-1, as build_problem makes them
    pair_case = np.searchsorted(case_index, pair_case)
    values = np.array([draw(st.floats(1.0, 1000.0)) for _ in pairs])
    minutes = np.array([draw(st.integers(1, 12)) for _ in range(case_index.size)], dtype=np.float64)
    capacity = np.array([draw(st.integers(0, 40)) for _ in range(session_count)], dtype=np.float64)
    count_limit = np.array(
        [draw(st.sampled_from((np.inf, 2.0, 3.0, 5.0))) for _ in range(session_count)]
    )
    return Component(
        case_index=np.arange(case_index.size),
        session_index=np.arange(session_count),
        pair_case=pair_case,
        pair_session=pair_session,
        pair_value=values,
        minutes=minutes,
        capacity=capacity,
        count_limit=count_limit,
        session_board=np.zeros(session_count, dtype=np.int64),
    )


@settings(max_examples=150, deadline=None)
@given(components(), st.integers(1, 3))
def test_wide_sweep_keeps_every_limit_and_never_loses_value(component, reach):
    args = component.arrays()
    start = assign_value_density(*args, component.case_index.size)
    result = sweep_wide(component, start, float("inf"), reach, 2, 4, lambda a: a)
    assert component.value_of(result) >= component.value_of(start) - 1e-9
    placed = result >= 0
    # every placed case sits on one of its own feasible sessions
    feasible = set(zip(component.pair_case.tolist(), component.pair_session.tolist(), strict=True))
    for case in np.flatnonzero(placed).tolist():
        assert (case, int(result[case])) in feasible
    used = np.bincount(result[placed], weights=component.minutes[placed], minlength=6)
    count = np.bincount(result[placed], minlength=6)
    sessions = component.capacity.size
    assert np.all(used[:sessions] <= component.capacity + 1e-9)
    assert np.all(count[:sessions] <= component.count_limit)
