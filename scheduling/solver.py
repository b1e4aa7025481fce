"""HiGHS LP relaxation with relax-and-fix, solved one independent component at a time."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from scheduling.greedy import assign_value_density, improve_by_moves
from scheduling.problem import Component

# components this small are solved as an exact MIP, which HiGHS proves optimal quickly
EXACT_MIP_PAIRS = 200
# a residual this small after fixing the integral LP values goes to a time-limited MIP
RESIDUAL_MIP_PAIRS = 20000
INTEGRAL = 1.0 - 1e-6
HOPS = 1
MIP_HEURISTIC_EFFORT = 0.3
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


def solve_component(component: Component, time_limit: float) -> ComponentResult:
    """Solve one component: exact MIP when small, LP relax-and-fix plus repair otherwise."""
    started = time.monotonic()
    case_count = component.case_index.size
    args = (
        component.pair_case,
        component.pair_session,
        component.pair_value,
        component.minutes,
        component.capacity,
        component.count_limit,
    )
    greedy = assign_value_density(*args, case_count)
    columns, bound, lp_optimal = _solve(*args, case_count, time_limit, integer=False)
    if columns is None or bound is None or not lp_optimal:
        # without a proven LP optimum there is no valid bound: the value of a cheap
        # plan is not a bound either, so report the plain sum of best values
        best = improve_by_moves(greedy, *args[:3], *args[3:])
        return ComponentResult(best, _trivial_bound(component), False)
    fractional = (columns > 1e-6) & (columns < INTEGRAL)
    if not fractional.any():
        assignment = _columns_to_assignment(columns, *args[:2], case_count)
        return ComponentResult(assignment, bound, True)
    remaining_time = time_limit - (time.monotonic() - started)
    if component.pair_case.size <= EXACT_MIP_PAIRS and remaining_time > 0:
        start = (greedy[component.pair_case] == component.pair_session).astype(np.float64)
        mip_columns, _, mip_optimal = _solve(
            *args, case_count, remaining_time, integer=True, start=start
        )
        if mip_columns is not None:
            assignment = _columns_to_assignment(mip_columns, *args[:2], case_count)
            return ComponentResult(assignment, bound, mip_optimal)
    assignment = _relax_and_fix(component, columns, started, time_limit)
    assignment = improve_by_moves(assignment, *args)
    if _assignment_value(greedy, component) > _assignment_value(assignment, component):
        assignment = greedy
    value = _assignment_value(assignment, component)
    return ComponentResult(assignment, bound, value >= bound - 1e-6 * max(1.0, abs(bound)))


def _trivial_bound(component: Component) -> float:
    best = np.zeros(component.case_index.size)
    np.maximum.at(best, component.pair_case, component.pair_value)
    return float(best.sum())


def _relax_and_fix(
    component: Component, columns: np.ndarray, started: float, time_limit: float
) -> np.ndarray:
    """Fix the settled part of the LP solution, then solve the unsettled rest as a small MIP.

    Integral values in sessions untouched by fractions are kept; cases in sessions with a
    fractional value, and cases the LP split or left out, are re-optimised together.
    """
    case_count = component.case_index.size
    pair_case, pair_session = component.pair_case, component.pair_session
    minutes = component.minutes
    assignment = _columns_to_assignment(columns, pair_case, pair_session, case_count)
    fractional = (columns > 1e-6) & (columns < INTEGRAL)
    unsettled = np.zeros(component.capacity.size, dtype=bool)
    unsettled[pair_session[fractional]] = True
    for _hop in range(HOPS):
        # widen the neighbourhood: sessions the unsettled cases could also use
        free_case = (assignment < 0) | unsettled[np.maximum(assignment, 0)]
        reach = free_case[pair_case] & (columns > 1e-6)
        unsettled[pair_session[reach]] = True
    free_case = (assignment < 0) | unsettled[np.maximum(assignment, 0)]
    kept = np.where(free_case, -1, assignment)
    for _round in range(4):
        remaining = component.capacity.copy()
        slots = component.count_limit.copy()
        placed = kept >= 0
        np.subtract.at(remaining, kept[placed], minutes[placed])
        np.subtract.at(slots, kept[placed], 1)
        open_pairs = (
            ~placed[pair_case]
            & (minutes[pair_case] <= remaining[pair_session] + 1e-9)
            & (slots[pair_session] >= 1)
        )
        if not open_pairs.any():
            return kept
        residual = (
            pair_case[open_pairs],
            pair_session[open_pairs],
            component.pair_value[open_pairs],
            minutes,
            remaining,
            slots,
        )
        time_left = time_limit - (time.monotonic() - started)
        greedy = assign_value_density(*residual, case_count)
        # the LP's own rounding is a good start when the residual is what it already decided
        if time_left <= 0.02:
            return _merge(kept, greedy)
        if residual[0].size <= RESIDUAL_MIP_PAIRS:
            start = (greedy[residual[0]] == residual[1]).astype(np.float64)
            mip_columns, _, _ = _solve(
                *residual, case_count, time_left, integer=True, start=start, gap=RESIDUAL_GAP
            )
            if mip_columns is None:
                return _merge(kept, greedy)
            return _merge(kept, _columns_to_assignment(mip_columns, *residual[:2], case_count))
        lp_columns, _, _ = _solve(*residual, case_count, time_left, integer=False)
        if lp_columns is None:
            return _merge(kept, greedy)
        progress = _columns_to_assignment(lp_columns, *residual[:2], case_count)
        if not (progress >= 0).any():
            progress = _round_largest(lp_columns, residual)
        if not (progress >= 0).any():
            return _merge(kept, greedy)
        kept = _merge(kept, progress)
    return kept


def _round_largest(columns: np.ndarray, residual: tuple) -> np.ndarray:
    pair_case, pair_session, _values, minutes, remaining, slots = residual
    case_count = minutes.size
    assignment = np.full(case_count, -1, dtype=np.int64)
    remaining = remaining.copy()
    slots = slots.copy()
    for j in np.lexsort((pair_session, pair_case, -columns)).tolist():
        if columns[j] < 0.5:
            break
        case, session = pair_case[j], pair_session[j]
        if assignment[case] < 0 and minutes[case] <= remaining[session] and slots[session] >= 1:
            assignment[case] = session
            remaining[session] -= minutes[case]
            slots[session] -= 1
    return assignment


def _merge(assignment: np.ndarray, addition: np.ndarray) -> np.ndarray:
    merged = assignment.copy()
    new = (merged < 0) & (addition >= 0)
    merged[new] = addition[new]
    return merged
