"""The two-session knapsack used to polish windows is exact."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.solver import _two_session_knapsack


@st.composite
def windows(draw):
    case_count = draw(st.integers(1, 7))
    pairs = []
    for case in range(case_count):
        for session in draw(st.sets(st.sampled_from((0, 1)), min_size=1)):
            pairs.append((case, session, draw(st.floats(1.0, 100.0))))
    minutes = np.array([draw(st.integers(1, 9)) for _ in range(case_count)], dtype=float)
    remaining = np.array([draw(st.integers(0, 20)) for _ in range(2)], dtype=float)
    return pairs, minutes, remaining


def brute_force(pairs, minutes, remaining, case_count):
    options = {case: [None] for case in range(case_count)}
    value = {}
    for case, session, v in pairs:
        options[case].append(session)
        value[(case, session)] = v
    best = 0.0
    for choice in itertools.product(*(options[c] for c in range(case_count))):
        load = [0.0, 0.0]
        total = 0.0
        for case, session in enumerate(choice):
            if session is not None:
                load[session] += minutes[case]
                total += value[(case, session)]
        if load[0] <= remaining[0] and load[1] <= remaining[1]:
            best = max(best, total)
    return best


@settings(max_examples=150, deadline=None)
@given(windows())
def test_two_session_knapsack_matches_enumeration(window):
    pairs, minutes, remaining = window
    case_count = minutes.size
    residual = (
        np.array([p[0] for p in pairs]),
        np.array([p[1] for p in pairs]),
        np.array([p[2] for p in pairs]),
        minutes,
        remaining,
        np.array([np.inf, np.inf]),
    )
    result = _two_session_knapsack(residual, case_count)
    assert result is not None
    value = {(p[0], p[1]): p[2] for p in pairs}
    load = np.zeros(2)
    total = 0.0
    for case, session in enumerate(result.tolist()):
        if session >= 0:
            load[session] += minutes[case]
            total += value[(case, session)]
    assert np.all(load <= remaining + 1e-9)
    assert abs(total - brute_force(pairs, minutes, remaining, case_count)) < 1e-6
