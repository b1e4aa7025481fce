"""HiGHS LP relaxation, relax-and-fix, re-packing and the wide sweep, one component at a time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from scheduling.greedy import assign_value_density, improve_by_moves
from scheduling.problem import Component
from scheduling.repack import repack_sessions
from scheduling.wide import sweep_wide
from scheduling.windows import solve_in_windows

# components this small are solved as an exact MIP, which HiGHS proves optimal quickly
EXACT_MIP_PAIRS = 200
INTEGRAL = 1.0 - 1e-6
MIP_HEURISTIC_EFFORT = 0.05
# re-packing passes over every session right after relax-and-fix, and after the wide sweep
# (which already moved most of what re-packing would): 2 and 1 lose nothing measurable
# against 4 and 4, and save about 1 s at 20k x 1000
FIRST_PASSES = 2
FINAL_PASSES = 1
# a component further than this share below its LP bound after re-packing gets the wide
# sweep; measured on the benchmark it lifts such components by 0.05-0.5 points of their bound
WIDE_GAP = 1e-3
# sessions ahead (in date order, any board of the component) each session is paired with.
# 20k x 1000 seed 1 (in-process seconds for all components): reach 3 99.785% 6.8 s,
# 4 99.796% 7.7 s, 5 99.808% 7.9-8.4 s, 6 99.807% 9.5 s
WIDE_REACH = 5
# sweeps of the wide windows, alternately forward and backward in date; a later sweep
# re-solves only pairs that changed since; a third sweep gains under 0.005 points at 20k
WIDE_SWEEPS = 2
# unplaced cases offered to each wide window (the best per minute): 6 did as well as 24
WIDE_HOPEFULS = 6
# components with more pairs are solved in rolling time windows (scheduling/windows.py)
# instead of one LP, which would need most of the time limit on its own (135k pairs 2.8 s,
# 300k 9.7 s); below it the whole LP is better (a 69k-pair component: 99.81% of its bound
# through the LP, about 99.2% through windows)
LARGE_PAIRS = 150_000
# window passes: one without prices, then re-solves with the prices the last pass left
WINDOW_PASSES = 3
# share of a large component's time the windows may use; the rest is for the repair steps
WINDOW_SHARE = 0.5
# time left once every component has its plan goes to HiGHS MIP, started from the plan, on
# components up to this size (larger ones spend the time on their root LP and find nothing)
POLISH_MAX_PAIRS = 40_000
POLISH_HEURISTIC_EFFORT = 0.3


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
    heuristic_effort: float = MIP_HEURISTIC_EFFORT,
    prices: list | None = None,
) -> tuple[np.ndarray | None, float | None, bool]:
    """Solve the assignment LP (or MIP); return column values, objective and optimality.

    For a MIP the returned objective is HiGHS's dual bound, not the incumbent's value. When
    `prices` is a list, the LP's session prices (minute and count row duals, never negative)
    are appended to it.
    """
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
        highs.setOptionValue("mip_heuristic_effort", heuristic_effort)
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
    solution = highs.getSolution()
    columns_value = np.asarray(solution.col_value, dtype=np.float64)
    optimal = status == highspy.HighsModelStatus.kOptimal
    if prices is not None and not integer:
        duals = np.maximum(np.asarray(solution.row_dual, dtype=np.float64), 0.0)
        minute_price = duals[case_count : case_count + session_count]
        count_price = np.zeros(session_count)
        count_price[limited] = duals[case_count + session_count :]
        prices.append((minute_price, count_price))
    bound = info.objective_function_value
    if integer:
        bound = info.mip_dual_bound if np.isfinite(info.mip_dual_bound) else None
    return columns_value, bound, optimal


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
    """Solve one component: exact MIP when tiny, else LP, relax-and-fix, re-pack, wide sweep.

    `report`, when given, receives the re-packed relax-and-fix plan before the slower wide
    sweep, so a caller that has to stop early still has it.
    """
    started = time.monotonic()
    deadline = started + time_limit
    case_count = component.case_index.size
    args = component.arrays()
    if component.pair_case.size > LARGE_PAIRS:
        window_deadline = started + WINDOW_SHARE * time_limit
        assignment, bound = solve_in_windows(component, window_deadline, WINDOW_PASSES, _solve)
        # a bound cut short is still valid; the sum of best values caps it either way
        bound = min(bound, component.best_value_sum())
        return _repair_and_sweep(component, assignment, bound, deadline, report)
    columns, bound, lp_optimal = _solve(*args, case_count, time_limit, integer=False)
    if columns is None or bound is None or not lp_optimal:
        # without a proven LP optimum there is no valid bound: fall back to the sum of each
        # case's best value, which no plan can beat
        greedy = assign_value_density(*args, case_count)
        best = improve_by_moves(greedy, *args)
        return ComponentResult(best, component.best_value_sum(), False)
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
    return _repair_and_sweep(component, assignment, bound, deadline, report)


def _repair_and_sweep(
    component: Component,
    assignment: np.ndarray,
    bound: float,
    deadline: float,
    report: Callable[[ComponentResult], None] | None,
) -> ComponentResult:
    """Fill and re-pack a partial plan, report it, then run the wide sweep while time lasts."""
    args = component.arrays()
    assignment = improve_by_moves(assignment, *args)
    if report is not None:
        # re-packing takes a while on a busy machine: send the filled plan first
        report(ComponentResult(assignment, bound, False))
    assignment = repack_sessions(assignment, *args, deadline=deadline, passes=FIRST_PASSES)
    best_value = component.value_of(assignment)
    if report is not None:
        report(ComponentResult(assignment, bound, False))
    if best_value < bound - WIDE_GAP * abs(bound) and time.monotonic() < deadline - 0.02:
        widened = sweep_wide(
            component,
            assignment,
            deadline,
            WIDE_REACH,
            WIDE_SWEEPS,
            WIDE_HOPEFULS,
            lambda current: improve_by_moves(current, *args),
        )
        widened = repack_sessions(widened, *args, deadline=deadline, passes=FINAL_PASSES)
        if component.value_of(widened) > best_value:
            assignment = widened
            best_value = component.value_of(widened)
    proven = best_value >= bound - 1e-6 * max(1.0, abs(bound))
    return ComponentResult(assignment, bound, proven)


def polish_component(
    component: Component, result: ComponentResult, time_limit: float
) -> ComponentResult | None:
    """Return a better plan (or a tighter bound) from HiGHS MIP started from `result`, or None.

    Only spare time is spent here, and HiGHS stops on the clock, so a plan found this way
    depends on the machine: this is the one stage that is not deterministic.
    """
    if result.proven_optimal or component.pair_case.size > POLISH_MAX_PAIRS or time_limit < 0.2:
        return None
    args = component.arrays()
    case_count = component.case_index.size
    start = (result.assignment[component.pair_case] == component.pair_session).astype(np.float64)
    columns, dual, optimal = _solve(
        *args,
        case_count,
        time_limit,
        integer=True,
        start=start,
        gap=1e-6,
        heuristic_effort=POLISH_HEURISTIC_EFFORT,
    )
    if columns is None:
        return None
    assignment = _columns_to_assignment(columns, *args[:2], case_count)
    bound = result.bound if dual is None else min(result.bound, dual)
    if component.value_of(assignment) <= component.value_of(result.assignment):
        if bound >= result.bound:
            return None
        assignment = result.assignment
    return ComponentResult(assignment, bound, optimal)


def polish_in_windows(
    component: Component,
    result: ComponentResult,
    deadline: float,
    window_sessions: int = 12,
    window_seconds: float = 1.0,
) -> ComponentResult | None:
    """Return a better plan from exact MIPs over windows of consecutive sessions, or None.

    Each window frees the cases placed in its sessions and the unplaced ones that could go
    there; everything else stays. Windows overlap by half, so chains can cross their seams.
    """
    if result.proven_optimal:
        return None
    pair_case, pair_session = component.pair_case, component.pair_session
    assignment = result.assignment.copy()
    sessions = component.capacity.size
    step = max(1, window_sessions // 2)
    improved = False
    for start in range(0, max(1, sessions - step), step):
        time_left = deadline - time.monotonic()
        if time_left < 0.05:
            break
        stop = min(sessions, start + window_sessions)
        free = (assignment < 0) | ((assignment >= start) & (assignment < stop))
        inside = (pair_session >= start) & (pair_session < stop) & free[pair_case]
        if not inside.any():
            continue
        cases, local = np.unique(pair_case[inside], return_inverse=True)
        local_session = pair_session[inside] - start
        values = component.pair_value[inside]
        current = (assignment[pair_case[inside]] == pair_session[inside]).astype(np.float64)
        columns, _dual, _optimal = _solve(
            local,
            local_session,
            values,
            component.minutes[cases],
            component.capacity[start:stop],
            component.count_limit[start:stop],
            cases.size,
            min(time_left, window_seconds),
            integer=True,
            start=current,
            gap=1e-6,
            heuristic_effort=POLISH_HEURISTIC_EFFORT,
        )
        if columns is None:
            continue
        chosen = columns >= INTEGRAL
        if float(values[chosen].sum()) <= float(values[current > 0].sum()) + 1e-7:
            continue
        assignment[cases] = -1
        assignment[pair_case[inside][chosen]] = pair_session[inside][chosen]
        improved = True
    if not improved:
        return None
    return ComponentResult(assignment, result.bound, False)


def gap_of(component: Component, result: ComponentResult) -> float:
    """Return how far a component's plan is below its bound, in objective units."""
    return max(0.0, result.bound - component.value_of(result.assignment))
