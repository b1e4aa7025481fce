"""HiGHS LP relaxation, relax-and-fix and window polish, one independent component at a time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from scheduling.greedy import assign_value_density, improve_by_moves
from scheduling.problem import Component
from scheduling.repack import repack_sessions

# components this small are solved as an exact MIP, which HiGHS proves optimal quickly
EXACT_MIP_PAIRS = 200
# a window MIP larger than this is skipped: its root work would cost more than it gains
RESIDUAL_MIP_PAIRS = 20000
INTEGRAL = 1.0 - 1e-6
# measured on the benchmark: windows of two fractional sessions give most of the gain of
# larger windows at a fraction of HiGHS's per-MIP root cost
WINDOW_SESSIONS = 2
# a window whose value is already within this of the LP's value there is left alone
WINDOW_SLACK = 1.0
# a second sweep with windows shifted by one session: +0.02 points of the bound at 2k-20k
WINDOW_SWEEPS = 2
# unplaced cases offered to a window, per session in the window
WINDOW_HOPEFULS = 12
# a node limit, not the clock, ends each window MIP, so the same input gives the same plan;
# the improvements come from HiGHS's root heuristics, deeper search gained nothing measurable
RESIDUAL_MAX_NODES = 1
MIP_HEURISTIC_EFFORT = 0.05
RESIDUAL_GAP = 5e-4


@dataclass
class ComponentResult:
    """Local session index per case (-1 = unplaced), the LP bound and whether it is optimal."""

    assignment: np.ndarray
    bound: float
    proven_optimal: bool


def _new_highs(time_limit: float) -> highspy.Highs:
    highs = highspy.Highs()
    # fixed options and one thread: the same input must always give the same plan
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    highs.setOptionValue("time_limit", max(0.01, float(time_limit)))
    return highs


def _solve(
    pair_case: np.ndarray,
    pair_session: np.ndarray,
    pair_value: np.ndarray,
    minutes: np.ndarray,
    capacity: np.ndarray,
    count_limit: np.ndarray,
    case_count: int,
    time_limit: float,
    integer: bool,
    start: np.ndarray | None = None,
    gap: float = 0.0,
    max_nodes: int = 2_000_000_000,
) -> tuple[np.ndarray | None, float | None, bool]:
    """Solve the assignment LP (or MIP); return column values, objective and optimality."""
    session_count = capacity.size
    columns = pair_case.size
    limited = np.isfinite(count_limit)
    count_row = np.full(session_count, -1, dtype=np.int64)
    count_row[limited] = case_count + session_count + np.arange(int(limited.sum()))
    rows_per_column = 2 + limited[pair_session].astype(np.int64)
    starts = np.zeros(columns + 1, dtype=np.int32)
    np.cumsum(rows_per_column, out=starts[1:])
    index = np.empty(int(starts[-1]), dtype=np.int32)
    value = np.empty(int(starts[-1]), dtype=np.float64)
    base = starts[:-1]
    index[base] = pair_case
    value[base] = 1.0
    index[base + 1] = case_count + pair_session
    value[base + 1] = minutes[pair_case]
    with_count = limited[pair_session]
    index[base[with_count] + 2] = count_row[pair_session[with_count]]
    value[base[with_count] + 2] = 1.0

    lp = highspy.HighsLp()
    lp.num_col_ = columns
    lp.num_row_ = case_count + session_count + int(limited.sum())
    lp.col_cost_ = pair_value
    lp.col_lower_ = np.zeros(columns)
    lp.col_upper_ = np.ones(columns)
    lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.ones(case_count), capacity, count_limit[limited]])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = columns
    lp.a_matrix_.num_row_ = lp.num_row_
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * columns
    highs = _new_highs(time_limit)
    if integer:
        highs.setOptionValue("mip_rel_gap", gap)
        highs.setOptionValue("mip_abs_gap", 1e-7)
        highs.setOptionValue("mip_heuristic_effort", MIP_HEURISTIC_EFFORT)
        # a node limit, not the clock, ends the search so the same input gives the same plan
        highs.setOptionValue("mip_max_nodes", max_nodes)
    highs.passModel(lp)
    if integer and start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = start.astype(np.float64).tolist()
        solution.value_valid = True
        highs.setSolution(solution)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    if info.primal_solution_status != 2:  # 2 = feasible
        return None, None, False
    columns_value = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    optimal = status == highspy.HighsModelStatus.kOptimal
    bound = info.objective_function_value
    if integer:
        bound = info.mip_dual_bound if np.isfinite(info.mip_dual_bound) else None
    return columns_value, bound, optimal


def _assignment_value(assignment: np.ndarray, component: Component) -> float:
    chosen = assignment[component.pair_case] == component.pair_session
    return float(component.pair_value[chosen].sum())


def _columns_to_assignment(
    columns: np.ndarray, pair_case: np.ndarray, pair_session: np.ndarray, case_count: int
) -> np.ndarray:
    assignment = np.full(case_count, -1, dtype=np.int64)
    chosen = columns >= INTEGRAL
    assignment[pair_case[chosen]] = pair_session[chosen]
    return assignment


def solve_component(
    component: Component,
    time_limit: float,
    report: Callable[[ComponentResult], None] | None = None,
) -> ComponentResult:
    """Solve one component: exact MIP when tiny, else LP, relax-and-fix, re-pack, small MIP.

    `report`, when given, receives the relax-and-fix plan before the slower MIP polish, so a
    caller that has to stop early still has it.
    """
    started = time.monotonic()
    deadline = started + time_limit
    case_count = component.case_index.size
    args = (
        component.pair_case,
        component.pair_session,
        component.pair_value,
        component.minutes,
        component.capacity,
        component.count_limit,
    )
    columns, bound, lp_optimal = _solve(*args, case_count, time_limit, integer=False)
    if columns is None or bound is None or not lp_optimal:
        # without a proven LP optimum there is no valid bound: fall back to the sum of each
        # case's best value, which no plan can beat
        greedy = assign_value_density(*args, case_count)
        best = improve_by_moves(greedy, *args)
        return ComponentResult(best, _trivial_bound(component), False)
    fractional = (columns > 1e-6) & (columns < INTEGRAL)
    if not fractional.any():
        assignment = _columns_to_assignment(columns, *args[:2], case_count)
        return ComponentResult(assignment, bound, True)
    if component.pair_case.size <= EXACT_MIP_PAIRS:
        greedy = assign_value_density(*args, case_count)
        start = (greedy[component.pair_case] == component.pair_session).astype(np.float64)
        time_left = deadline - time.monotonic()
        mip_columns, _, mip_optimal = _solve(
            *args, case_count, time_left, integer=True, start=start
        )
        if mip_columns is not None:
            assignment = _columns_to_assignment(mip_columns, *args[:2], case_count)
            return ComponentResult(assignment, bound, mip_optimal)
    # relax-and-fix: keep what the LP settled, then fill and re-pack the sessions it split
    assignment = _columns_to_assignment(columns, *args[:2], case_count)
    assignment = improve_by_moves(assignment, *args)
    assignment = repack_sessions(assignment, *args, deadline=deadline)
    best_value = _assignment_value(assignment, component)
    if report is not None:
        report(ComponentResult(assignment, bound, False))
    if time.monotonic() < deadline - 0.02:
        polished = _polish_windows(component, columns, assignment, deadline)
        polished = improve_by_moves(polished, *args)
        polished = repack_sessions(polished, *args, deadline=deadline)
        if _assignment_value(polished, component) > best_value:
            assignment = polished
            best_value = _assignment_value(polished, component)
    proven = best_value >= bound - 1e-6 * max(1.0, abs(bound))
    return ComponentResult(assignment, bound, proven)


def _trivial_bound(component: Component) -> float:
    best = np.zeros(component.case_index.size)
    np.maximum.at(best, component.pair_case, component.pair_value)
    return float(best.sum())


def _polish_windows(
    component: Component, columns: np.ndarray, assignment: np.ndarray, deadline: float
) -> np.ndarray:
    """Re-solve, window by window, the sessions where the LP was fractional.

    Sessions are taken board by board in date order, WINDOW_SESSIONS at a time; in each
    window the cases sitting in its sessions, and the best unplaced cases that could use them,
    are re-assigned to those sessions while everything else stays put. A window's answer is
    kept only when it does not lower the value. Two-session windows are solved exactly by a
    knapsack; HiGHS, whose root work dominates on such small MIPs, only when a count limit binds.
    """
    fractional = (columns > 1e-6) & (columns < INTEGRAL)
    unsettled = np.zeros(component.capacity.size, dtype=bool)
    unsettled[component.pair_session[fractional]] = True
    sessions = np.flatnonzero(unsettled)
    # pair each board's sessions with its next ones: they share most of their candidates
    sessions = sessions[np.lexsort((sessions, component.session_board[sessions]))]
    # a second sweep with windows shifted by one lets neighbours of the first windows trade
    starts = [
        first
        for offset in range(min(WINDOW_SWEEPS, WINDOW_SESSIONS))
        for first in range(offset, sessions.size, WINDOW_SESSIONS)
    ]
    for first in starts:
        if time.monotonic() >= deadline - 0.01:
            break
        window = np.zeros(component.capacity.size, dtype=bool)
        window[sessions[first : first + WINDOW_SESSIONS]] = True
        in_window = window[component.pair_session]
        lp_value = float((columns * component.pair_value)[in_window].sum())
        chosen = in_window & (assignment[component.pair_case] == component.pair_session)
        # the LP's value there is only a guide, not a bound, but windows already at it rarely gain
        if float(component.pair_value[chosen].sum()) >= lp_value - WINDOW_SLACK:
            continue
        assignment = _polish_window(component, assignment, window, deadline)
    return assignment


def _polish_window(
    component: Component, assignment: np.ndarray, window: np.ndarray, deadline: float
) -> np.ndarray:
    """Re-assign the cases of a set of sessions, and unplaced ones, among those sessions."""
    case_count = component.case_index.size
    pair_case, pair_session = component.pair_case, component.pair_session
    minutes = component.minutes
    free_case = (assignment < 0) | window[np.maximum(assignment, 0)]
    kept = np.where(free_case, -1, assignment)
    remaining = component.capacity.copy()
    slots = component.count_limit.copy()
    placed = kept >= 0
    np.subtract.at(remaining, kept[placed], minutes[placed])
    np.subtract.at(slots, kept[placed], 1)
    open_pairs = (
        free_case[pair_case]
        & window[pair_session]
        & (minutes[pair_case] <= remaining[pair_session] + 1e-9)
        & (slots[pair_session] >= 1)
    )
    hopeful = open_pairs & (assignment[pair_case] < 0)
    limit = WINDOW_HOPEFULS * int(window.sum())
    if np.unique(pair_case[hopeful]).size > limit:
        # an overloaded window has many unplaced hopefuls; the best per minute are enough
        density = component.pair_value / np.maximum(minutes[pair_case], 1e-9)
        best = np.zeros(case_count)
        np.maximum.at(best, pair_case[hopeful], density[hopeful])
        candidates = np.flatnonzero(best > 0)
        chosen = candidates[np.lexsort((candidates, -best[candidates]))[:limit]]
        keep = np.zeros(case_count, dtype=bool)
        keep[chosen] = True
        open_pairs &= ~hopeful | keep[pair_case]
    if not open_pairs.any() or open_pairs.sum() > RESIDUAL_MIP_PAIRS:
        return assignment
    residual = (
        pair_case[open_pairs],
        pair_session[open_pairs],
        component.pair_value[open_pairs],
        minutes,
        remaining,
        slots,
    )
    result = _two_session_knapsack(residual, case_count)
    if result is None:
        start = (assignment[residual[0]] == residual[1]).astype(np.float64)
        mip_columns, _, _ = _solve(
            *residual,
            case_count,
            deadline - time.monotonic(),
            integer=True,
            start=start,
            gap=RESIDUAL_GAP,
            max_nodes=RESIDUAL_MAX_NODES,
        )
        if mip_columns is None:
            return assignment
        result = _columns_to_assignment(mip_columns, *residual[:2], case_count)
    merged = np.where(free_case, result, assignment)
    # never accept a worse window (HiGHS returns at least its start, but be safe)
    if _assignment_value(merged, component) + 1e-9 < _assignment_value(assignment, component):
        return assignment
    return merged


def _two_session_knapsack(residual: tuple, case_count: int) -> np.ndarray | None:
    """Solve a window of at most two sessions exactly by dynamic programming over minutes.

    Returns None when the window does not fit the method (more sessions, fractional minutes,
    or a case-count limit that could bind), and the caller uses a MIP instead. A two-session
    window is by far the common case, and this is an order of magnitude faster than HiGHS.
    """
    pair_case, pair_session, pair_value, minutes, remaining, slots = residual
    sessions = np.unique(pair_session)
    if sessions.size > 2:
        return None
    cases, local = np.unique(pair_case, return_inverse=True)
    for session in sessions.tolist():
        at_session = pair_session == session
        if np.count_nonzero(at_session) <= slots[session]:
            continue
        # the limit binds only if more cases than it allows fit by minutes
        smallest = np.sort(minutes[pair_case[at_session]])
        if np.count_nonzero(np.cumsum(smallest) <= remaining[session] + 1e-9) > slots[session]:
            return None
    case_minutes = minutes[cases]
    if not np.allclose(case_minutes, np.rint(case_minutes)):
        return None
    weights = np.rint(case_minutes).astype(np.int64)
    first = int(sessions[0])
    second = int(sessions[1]) if sessions.size == 2 else -1
    cap_first = int(np.floor(remaining[first] + 1e-9))
    cap_second = int(np.floor(remaining[second] + 1e-9)) if second >= 0 else 0
    value_first = np.full(cases.size, -np.inf)
    value_second = np.full(cases.size, -np.inf)
    at_first = pair_session == first
    value_first[local[at_first]] = pair_value[at_first]
    if second >= 0:
        at_second = pair_session == second
        value_second[local[at_second]] = pair_value[at_second]
    best = np.zeros((cap_first + 1, cap_second + 1))
    # 0 = left out, 1 = first session, 2 = second session
    choice = np.zeros((cases.size, cap_first + 1, cap_second + 1), dtype=np.int8)
    for item in range(cases.size):
        weight = int(weights[item])
        new = best.copy()
        if np.isfinite(value_first[item]) and weight <= cap_first:
            candidate = best[: cap_first + 1 - weight, :] + value_first[item]
            better = candidate > new[weight:, :] + 1e-12
            new[weight:, :] = np.where(better, candidate, new[weight:, :])
            choice[item, weight:, :][better] = 1
        if np.isfinite(value_second[item]) and weight <= cap_second:
            candidate = best[:, : cap_second + 1 - weight] + value_second[item]
            better = candidate > new[:, weight:] + 1e-12
            new[:, weight:] = np.where(better, candidate, new[:, weight:])
            choice[item, :, weight:][better] = 2
        best = new
    result = np.full(case_count, -1, dtype=np.int64)
    room_first, room_second = cap_first, cap_second
    for item in range(cases.size - 1, -1, -1):
        taken = choice[item, room_first, room_second]
        if taken == 1:
            result[cases[item]] = first
            room_first -= int(weights[item])
        elif taken == 2:
            result[cases[item]] = second
            room_second -= int(weights[item])
    return result
