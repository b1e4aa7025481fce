"""Rolling time windows for components too large for one LP within the time limit.

HiGHS's dual simplex grows much faster than linearly with a component's pairs (measured on a
300k-pair component: 16k pairs 0.11 s, 67k 0.81 s, 135k 2.8 s, 300k 9.7 s), so a component
tied together by multi-site boards cannot be solved whole in time. Its sessions are cut, in
date order, into windows of about `WINDOW_PAIRS` pairs. Each window's LP sees the cases not yet
placed, and for each of them an "outside" column worth what the case could earn at a later
session net of that session's price (minutes and case-count duals from the last pass), so a
window does not grab a case that is worth more later. Integral placements are fixed window by
window; fractional ones stay open for later windows and the repair steps. The first pass has no
prices; each later pass re-solves with the prices the previous one left.

Any non-negative session prices give a valid upper bound (Lagrangian relaxation of the
minute and count rows), so the component keeps a true bound without its full LP.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from scheduling.problem import Component

# pairs per window; 10k-pair windows solve in about 0.02-0.05 s each
WINDOW_PAIRS = 10_000
INTEGRAL = 1.0 - 1e-6


def window_edges(component: Component, window_pairs: int) -> list[tuple[int, int]]:
    """Return [start, stop) session ranges in date order with about `window_pairs` pairs each."""
    sessions = component.capacity.size
    per_session = np.bincount(component.pair_session, minlength=sessions)
    total = np.cumsum(per_session)
    cuts = np.searchsorted(total, np.arange(window_pairs, int(total[-1]), window_pairs)) + 1
    edges = sorted({0, sessions, *np.minimum(cuts, sessions).tolist()})
    return list(zip(edges[:-1], edges[1:], strict=False))


def lagrangian_bound(
    component: Component, minute_price: np.ndarray, count_price: np.ndarray
) -> float:
    """Return the upper bound that non-negative session prices prove for a component."""
    limited = np.isfinite(component.count_limit)
    # a session without a count limit has no count row to price
    count_price = np.where(limited, count_price, 0.0)
    reduced = (
        component.pair_value
        - component.minutes[component.pair_case] * minute_price[component.pair_session]
        - count_price[component.pair_session]
    )
    best = np.zeros(component.case_index.size)
    np.maximum.at(best, component.pair_case, reduced)
    return float(
        best.sum()
        + (minute_price * component.capacity).sum()
        + (count_price[limited] * component.count_limit[limited]).sum()
    )


def solve_in_windows(
    component: Component,
    deadline: float,
    passes: int,
    solve_lp: Callable,
    window_pairs: int = WINDOW_PAIRS,
) -> tuple[np.ndarray, float]:
    """Return an assignment built window by window and the best Lagrangian bound found.

    `solve_lp` is `scheduling.solver._solve`. The assignment leaves spare room for the
    repair steps (greedy moves, re-packing) that follow; it never breaks a limit.
    """
    case_count = component.case_index.size
    session_count = component.capacity.size
    minute_price = np.zeros(session_count)
    count_price = np.zeros(session_count)
    edges = window_edges(component, window_pairs)
    best_bound = np.inf
    assignment = np.full(case_count, -1, dtype=np.int64)
    for number in range(max(1, passes)):
        if time.monotonic() >= deadline:
            break
        trial, complete = _one_pass(
            component, edges, minute_price, count_price, number > 0, deadline, solve_lp
        )
        if not complete:
            # a pass cut short still fixed valid placements: better than none at all
            if number == 0:
                assignment = trial
            break
        assignment = trial
        best_bound = min(best_bound, lagrangian_bound(component, minute_price, count_price))
    return assignment, best_bound


def _later_best(component, order, minute_price, count_price) -> np.ndarray:
    """Return, per pair in `order` (by case, then session), the best priced value of the
    case at this or any later session of it, never below 0 (the case may stay out)."""
    pair_case = component.pair_case[order]
    pair_session = component.pair_session[order]
    reduced = (
        component.pair_value[order]
        - component.minutes[pair_case] * minute_price[pair_session]
        - count_price[pair_session]
    )
    reduced = np.maximum(reduced, 0.0)
    # a running maximum from the end that restarts at every case: lifting each case by a
    # step larger than any value makes earlier cases (seen later) dominate the ones before
    step = float(reduced.max(initial=0.0)) * 2.0 + 1.0
    lift = (pair_case.max(initial=0) - pair_case).astype(np.float64) * step
    running = np.maximum.accumulate((reduced + lift)[::-1])[::-1]
    return np.maximum(running - lift, 0.0)


def _one_pass(component, edges, minute_price, count_price, priced, deadline, solve_lp):
    """Fix placements window by window, updating the prices in place; say if it finished.

    Each window costs time in its own pairs only: the pairs are indexed by session once, and
    the best later option of each case comes from one running maximum per pass (the prices
    of later sessions do not change during a pass).
    """
    pair_case, pair_session = component.pair_case, component.pair_session
    case_count = component.case_index.size
    session_count = component.capacity.size
    assignment = np.full(case_count, -1, dtype=np.int64)
    free = np.ones(case_count, dtype=bool)
    by_session = np.argsort(pair_session, kind="stable")
    bounds = np.searchsorted(pair_session[by_session], np.arange(session_count + 1))
    order = np.lexsort((pair_session, pair_case))
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    sorted_case = pair_case[order]
    later_best = _later_best(component, order, minute_price, count_price) if priced else None
    last_rank = np.full(case_count, -1, dtype=np.int64)
    for start, stop in edges:
        if time.monotonic() >= deadline:
            return assignment, False
        inside = by_session[bounds[start] : bounds[stop]]
        inside = np.sort(inside[free[pair_case[inside]]])
        if inside.size == 0:
            continue
        cases, local_case = np.unique(pair_case[inside], return_inverse=True)
        outside = np.zeros(cases.size)
        if later_best is not None:
            # the case's next pair after its last one in this window is its first later one
            np.maximum.at(last_rank, pair_case[inside], rank[inside])
            after = last_rank[cases] + 1
            last_rank[cases] = -1
            has_later = after < order.size
            has_later[has_later] = sorted_case[after[has_later]] == cases[has_later]
            outside[has_later] = later_best[after[has_later]]
        width = stop - start
        # the outside option is a column in the case's row only: a session of its own with
        # room for everyone stands for "some later session"
        option = np.flatnonzero(outside > 0)
        columns_case = np.concatenate([local_case, option])
        columns_session = np.concatenate(
            [pair_session[inside] - start, np.full(option.size, width)]
        )
        columns_value = np.concatenate([component.pair_value[inside], outside[option]])
        minutes = component.minutes[cases]
        capacity = np.concatenate([component.capacity[start:stop], [minutes.sum() + 1.0]])
        count_limit = np.concatenate([component.count_limit[start:stop], [np.inf]])
        prices: list = []
        columns, _bound, optimal = solve_lp(
            columns_case,
            columns_session,
            columns_value,
            minutes,
            capacity,
            count_limit,
            cases.size,
            max(0.01, deadline - time.monotonic()),
            integer=False,
            prices=prices,
        )
        if columns is None or not optimal or not prices:
            return assignment, False
        minute_price[start:stop] = prices[0][0][:width]
        count_price[start:stop] = prices[0][1][:width]
        chosen = columns[: local_case.size] >= INTEGRAL
        placed_cases = pair_case[inside][chosen]
        assignment[placed_cases] = pair_session[inside][chosen]
        free[placed_cases] = False
    return assignment, True
