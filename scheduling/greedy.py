"""Greedy heuristics: the fallback when the LP runs out of time, and the benchmark baselines."""

from __future__ import annotations

import numpy as np


def assign_value_density(
    pair_case: np.ndarray,
    pair_session: np.ndarray,
    pair_value: np.ndarray,
    minutes: np.ndarray,
    capacity: np.ndarray,
    count_limit: np.ndarray,
    case_count: int,
    first: np.ndarray | None = None,
) -> np.ndarray:
    """Return session index per case (-1 = unplaced), taking pairs by value per minute.

    Pairs marked in `first` (e.g. those keeping a case where it is) are taken before all others.
    """
    assignment = np.full(case_count, -1, dtype=np.int64)
    if pair_case.size == 0:
        return assignment
    remaining = capacity.astype(np.float64).copy()
    slots = count_limit.astype(np.float64).copy()
    density = pair_value / np.maximum(minutes[pair_case], 1e-9)
    # lexsort keys run last-first: density descending, then case and session for determinism
    if first is None:
        order = np.lexsort((pair_session, pair_case, -density))
    else:
        order = np.lexsort((pair_session, pair_case, -density, ~first))
    for j in order.tolist():
        case = pair_case[j]
        if assignment[case] >= 0:
            continue
        session = pair_session[j]
        need = minutes[case]
        if need <= remaining[session] + 1e-9 and slots[session] >= 1:
            assignment[case] = session
            remaining[session] -= need
            slots[session] -= 1
    return assignment


def assign_earliest_deadline_first(
    pair_case: np.ndarray,
    pair_session: np.ndarray,
    minutes: np.ndarray,
    capacity: np.ndarray,
    count_limit: np.ndarray,
    case_order: np.ndarray,
    case_count: int,
) -> np.ndarray:
    """Return session index per case, placing cases in `case_order` at their earliest session.

    Session indices must follow session dates, so the lowest feasible index is the earliest.
    """
    assignment = np.full(case_count, -1, dtype=np.int64)
    if pair_case.size == 0:
        return assignment
    remaining = capacity.astype(np.float64).copy()
    slots = count_limit.astype(np.float64).copy()
    order = np.lexsort((pair_session, pair_case))
    sorted_cases = pair_case[order]
    sorted_sessions = pair_session[order]
    starts = np.searchsorted(sorted_cases, np.arange(case_count + 1))
    for case in case_order.tolist():
        need = minutes[case]
        for session in sorted_sessions[starts[case] : starts[case + 1]].tolist():
            if need <= remaining[session] + 1e-9 and slots[session] >= 1:
                assignment[case] = session
                remaining[session] -= need
                slots[session] -= 1
                break
    return assignment


def improve_by_moves(
    assignment: np.ndarray,
    pair_case: np.ndarray,
    pair_session: np.ndarray,
    pair_value: np.ndarray,
    minutes: np.ndarray,
    capacity: np.ndarray,
    count_limit: np.ndarray,
) -> np.ndarray:
    """Return the assignment after single-case moves into spare capacity that raise the value."""
    assignment = assignment.copy()
    remaining = capacity.astype(np.float64).copy()
    slots = count_limit.astype(np.float64).copy()
    placed = assignment >= 0
    np.subtract.at(remaining, assignment[placed], minutes[placed])
    np.subtract.at(slots, assignment[placed], 1)
    current_value = np.zeros(assignment.size)
    chosen = assignment[pair_case] == pair_session
    current_value[pair_case[chosen]] = pair_value[chosen]
    gain = pair_value - current_value[pair_case]
    order = np.lexsort((pair_session, pair_case, -gain))
    for j in order.tolist():
        if gain[j] <= 1e-9:
            break
        case = pair_case[j]
        session = pair_session[j]
        if assignment[case] == session or pair_value[j] <= current_value[case] + 1e-9:
            continue
        need = minutes[case]
        if need <= remaining[session] + 1e-9 and slots[session] >= 1:
            old = assignment[case]
            if old >= 0:
                remaining[old] += need
                slots[old] += 1
            assignment[case] = session
            remaining[session] -= need
            slots[session] -= 1
            current_value[case] = pair_value[j]
    return assignment
