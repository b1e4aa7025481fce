"""Entry points: the optimizing planner and the two greedy planners."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from datetime import datetime
from functools import partial

import numpy as np

from scheduling.greedy import (
    assign_earliest_deadline_first,
    assign_value_density,
    improve_by_moves,
)
from scheduling.model import (
    METHOD_EDF,
    METHOD_GREEDY_FALLBACK,
    METHOD_MIXED,
    METHOD_RELAX_AND_FIX,
    METHOD_VALUE_DENSITY,
    CaseDemand,
    Plan,
    Policy,
    SessionSlot,
)
from scheduling.problem import Component, Problem, build_problem
from scheduling.reasons import explain_unplaced
from scheduling.solver import ComponentResult, solve_component

# time kept back from the limit for writing reasons and assembling the plan
_ASSEMBLY_RESERVE = 0.05
# share of the remaining time the worker leaves unused, for its start-up and last message
WORKER_MARGIN = 0.08


def plan_schedule(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    now: datetime | None = None,
) -> Plan:
    """Place cases on sessions, maximising on-time weighted discussion under every hard rule.

    The solve runs in a fork-server worker that is killed at `policy.time_limit_seconds`
    (whatever HiGHS is doing); components it did not finish get the greedy plan. As with any
    multiprocessing code, a script calling this must guard its entry point with
    `if __name__ == "__main__":`. `now` only shapes reasons ("once they arrive ...").
    """
    started = time.monotonic()
    problem = build_problem(sessions, cases, policy)
    built = time.monotonic()
    deadline = started + policy.time_limit_seconds - _ASSEMBLY_RESERVE
    results = _solve_all(problem.components, deadline, policy.isolate_solver)
    solved = time.monotonic()
    assignment = np.full(len(problem.cases), -1, dtype=np.int64)
    bound = problem.fixed_value
    proven = True
    fell_back = 0
    for number, component in enumerate(problem.components):
        result = results.get(number)
        if result is None:
            fell_back += 1
            result = _greedy_component(component)
        _apply(assignment, component, result.assignment)
        bound += result.bound
        proven = proven and result.proven_optimal
    if fell_back == 0:
        method = METHOD_RELAX_AND_FIX
    elif fell_back == len(problem.components):
        method = METHOD_GREEDY_FALLBACK
    else:
        method = METHOD_MIXED
    return _assemble(
        problem, assignment, bound, proven, method, started, built, solved, policy, now
    )


def greedy_value_density(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    now: datetime | None = None,
) -> Plan:
    """Place cases by value per minute, best pair first; fast, no optimality claim."""
    started = time.monotonic()
    problem = build_problem(sessions, cases, policy)
    built = time.monotonic()
    assignment = assign_value_density(
        problem.pair_case,
        problem.pair_session,
        problem.pair_value,
        problem.minutes,
        problem.capacity,
        problem.count_limit,
        len(problem.cases),
    )
    solved = time.monotonic()
    return _assemble(
        problem,
        assignment,
        _trivial_bound(problem),
        False,
        METHOD_VALUE_DENSITY,
        started,
        built,
        solved,
        policy,
        now,
    )


def greedy_edf(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    now: datetime | None = None,
) -> Plan:
    """Place cases earliest decision date first, each at its earliest session with room."""
    started = time.monotonic()
    problem = build_problem(sessions, cases, policy)
    built = time.monotonic()
    order = sorted(
        range(len(problem.cases)),
        key=lambda i: (
            problem.cases[i].decision_due_on,
            -policy.weight_of(problem.cases[i].priority),
            i,
        ),
    )
    assignment = assign_earliest_deadline_first(
        problem.pair_case,
        problem.pair_session,
        problem.minutes,
        problem.capacity,
        problem.count_limit,
        np.array(order, dtype=np.int64),
        len(problem.cases),
    )
    solved = time.monotonic()
    return _assemble(
        problem,
        assignment,
        _trivial_bound(problem),
        False,
        METHOD_EDF,
        started,
        built,
        solved,
        policy,
        now,
    )


def _trivial_bound(problem: Problem) -> float:
    best = np.zeros(len(problem.cases))
    if problem.pair_case.size:
        np.maximum.at(best, problem.pair_case, problem.pair_value)
    return float(best.sum()) + problem.fixed_value


def _greedy_component(component: Component) -> ComponentResult:
    args = (
        component.pair_case,
        component.pair_session,
        component.pair_value,
        component.minutes,
        component.capacity,
        component.count_limit,
    )
    assignment = assign_value_density(*args, component.case_index.size)
    assignment = improve_by_moves(assignment, *args)
    best = np.zeros(component.case_index.size)
    np.maximum.at(best, component.pair_case, component.pair_value)
    return ComponentResult(assignment, float(best.sum()), False)


def _apply(assignment: np.ndarray, component: Component, local: np.ndarray) -> None:
    placed = local >= 0
    assignment[component.case_index[placed]] = component.session_index[local[placed]]


def _solve_all(
    components: list[Component], deadline: float, isolate: bool
) -> dict[int, ComponentResult]:
    """Solve components within the deadline; missing entries fall back to greedy."""
    if not components or time.monotonic() >= deadline:
        return {}
    order = _solve_order(components)
    if not isolate:
        return dict(_solve_sequence(components, order, deadline))
    try:
        return _solve_in_worker(components, order, deadline)
    except (AssertionError, OSError):
        # a daemonic parent may not have children: solve here, trusting HiGHS's own limit
        return dict(_solve_sequence(components, order, deadline))


def _solve_order(components: list[Component]) -> list[int]:
    # small components first, so a timeout costs the fewest components
    return sorted(range(len(components)), key=lambda k: (components[k].pair_case.size, k))


def _expected_work(component: Component) -> float:
    """Return a component's expected solve time in arbitrary units, for sharing the time.

    The wide sweep's work grows with sessions and the LP's with pairs; measured at 20k x 1000
    (71-167 sessions, 12k-69k pairs per component) the time is 6-8 ms per unit of this.
    """
    return component.capacity.size + component.pair_case.size / 1000.0


def _solve_sequence(components, order, deadline, report=None):
    """Yield (component number, result) pairs, sharing the time left by expected work.

    `report(number, result)` also receives each component's early relax-and-fix plan.
    """
    work_left = sum(_expected_work(components[k]) for k in order)
    for number in order:
        component = components[number]
        time_left = deadline - time.monotonic()
        if time_left <= 0:
            return
        work = _expected_work(component)
        share = time_left * work / max(1e-9, work_left)
        # a small component still deserves a moment, and a large one all that is left
        budget = min(time_left, max(share, min(0.2, time_left)))
        work_left -= work
        early = None if report is None else partial(report, number)
        yield number, solve_component(component, budget, early)


def _worker_main(components, order, seconds_left, connection) -> None:
    """Solve in the worker, sending each component's result as soon as it is ready."""
    deadline = time.monotonic() + seconds_left
    # HiGHS prints a banner on stdout; the worker's output is nobody's business
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    try:
        for number, result in _solve_sequence(
            components, order, deadline, lambda k, early: connection.send((k, early, False))
        ):
            connection.send((number, result, True))
    finally:
        connection.close()


_context = None


def _worker_context():
    global _context
    if _context is None:
        methods = multiprocessing.get_all_start_methods()
        _context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            # the server imports HiGHS once, so each solve forks a warm process
            _context.set_forkserver_preload(["scheduling.solver"])
    return _context


def _solve_in_worker(components, order, deadline) -> dict[int, ComponentResult]:
    """Run the solver in a child process and kill it at the deadline, whatever it is doing."""
    context = _worker_context()
    receiver, sender = context.Pipe(duplex=False)
    # the worker starts late and needs a moment to send its last result: give it less time
    seconds_left = deadline - time.monotonic()
    worker_seconds = seconds_left - max(0.05, WORKER_MARGIN * seconds_left)
    worker = context.Process(
        target=_worker_main,
        args=(components, order, worker_seconds, sender),
        daemon=True,
    )
    results: dict[int, ComponentResult] = {}
    finished: set[int] = set()
    try:
        worker.start()
        sender.close()
        while len(finished) < len(components):
            time_left = deadline - time.monotonic()
            if time_left <= 0 or not receiver.poll(time_left):
                break
            try:
                number, result, final = receiver.recv()
            except EOFError:
                break
            # an early plan is replaced by the final one when that arrives in time
            results[number] = result
            if final:
                finished.add(number)
    finally:
        receiver.close()
        if worker.is_alive():
            worker.terminate()
        worker.join(1.0)
        if worker.is_alive():
            worker.kill()
            worker.join()
        worker.close()
    return results


def _assemble(
    problem: Problem,
    assignment: np.ndarray,
    bound: float,
    proven: bool,
    method: str,
    started: float,
    built: float,
    solved: float,
    policy: Policy,
    now: datetime | None,
) -> Plan:
    for case_index, session_index in problem.fixed.items():
        assignment[case_index] = session_index
    objective = problem.fixed_value
    if problem.pair_case.size:
        chosen = assignment[problem.pair_case] == problem.pair_session
        objective += float(problem.pair_value[chosen].sum())
    placements: dict[int, int | None] = {}
    unplaced: list[int] = []
    for case_index, case in enumerate(problem.cases):
        session_index = int(assignment[case_index])
        if session_index >= 0:
            placements[case.id] = problem.sessions[session_index].id
        else:
            placements[case.id] = None
            unplaced.append(case_index)
    reasons = explain_unplaced(problem, unplaced, policy, now)
    finished = time.monotonic()
    # a plan at the bound is optimal whatever produced it
    proven = proven or objective >= bound - 1e-6 * max(1.0, abs(bound))
    return Plan(
        placements=placements,
        reasons=reasons,
        objective=objective,
        upper_bound=max(bound, objective),
        proven_optimal=proven,
        method=method,
        build_seconds=built - started,
        solve_seconds=solved - built,
        total_seconds=finished - started,
        warnings=tuple(problem.warnings),
    )
