"""Entry points: the optimizing planner and the two greedy planners."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
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
from scheduling.problem import (
    Component,
    Problem,
    build_problem,
    session_local_date,
    site_groups,
)
from scheduling.reasons import ReasonWriter
from scheduling.repack import RepackState
from scheduling.solver import (
    POLISH_MAX_PAIRS,
    ComponentResult,
    gap_of,
    polish_component,
    polish_in_windows,
    solve_component,
)

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

    Anytime: a greedy plan per component exists before any LP starts, and every later stage
    (re-packing it, the LP's relax-and-fix, the wide sweep) replaces a component's plan only
    when it is worth more. The solve runs in fork-server workers (independent components side
    by side, one worker per core) killed at `policy.time_limit_seconds`, whatever HiGHS is
    doing, while this process re-packs the greedy plans and writes reasons ahead. As with any
    multiprocessing code, a script calling this must guard its entry point with
    `if __name__ == "__main__":`. `now` only shapes reasons ("once they arrive ...").
    """
    return _plan(sessions, cases, policy, now, frozenset())


def replan_affected(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    changed_session_ids: Collection[int] = (),
    changed_case_ids: Collection[int] = (),
    now: datetime | None = None,
) -> Plan:
    """Re-plan only the part of the center an event touched, moving drafts only near it.

    Pass every session and case as for `plan_schedule`, with `current_session_id` set from the
    plan in force, and the ids of the sessions (cancelled, capacity or availability changed)
    and cases (new, records received, withdrawn ...) the event changed. The answer covers only
    the cases of the affected components (sessions linked by shared sites); every other case
    keeps its session and is not in `placements`. Inside, published placements are fixed as
    always, and drafts stay where they are (held like published ones) unless they sit on a
    changed session, on a session a changed case could use, or on one that no longer takes
    them; so a replan is fast and moves few drafts. The periodic full `plan_schedule` stays
    the safety net that re-optimises everything.
    """
    changed_sessions = set(changed_session_ids)
    changed_cases = set(changed_case_ids)
    root = site_groups(sessions)
    touched = {root.get(c.site, c.site) for c in cases if c.id in changed_cases}
    for session in sessions:
        if session.id in changed_sessions:
            touched |= {root.get(site, site) for site in session.sites}
    sub_sessions = [s for s in sessions if any(root.get(x, x) in touched for x in s.sites)]
    sub_cases = [c for c in cases if root.get(c.site, c.site) in touched]
    free_sessions = set(changed_sessions)
    by_site: dict[str, list[tuple[SessionSlot, object]]] = {}
    for session in sub_sessions:
        day = session_local_date(session)
        for site in session.sites:
            by_site.setdefault(site, []).append((session, day))
    for case in sub_cases:
        if case.id not in changed_cases or case.ready_on is None:
            continue
        # only the sessions where a changed case would be on time give up their drafts (all
        # those up to its latest day freed twice the drafts for little gain); when it cannot
        # be on time anywhere, those up to its latest day
        options = by_site.get(case.site, ())
        on_time = [s.id for s, day in options if case.ready_on <= day <= case.decision_due_on]
        latest = case.decision_due_on + timedelta(days=policy.allowed_lateness_days)
        free_sessions.update(
            on_time or [s.id for s, day in options if case.ready_on <= day <= latest]
        )
    hold = frozenset(
        c.id
        for c in sub_cases
        if c.current_session_id is not None
        and c.current_session_id not in free_sessions
        and c.id not in changed_cases
    )
    # an event replan answers as soon as its plan is found (no MIP polish on spare time) and
    # holds on to its drafts more firmly than the periodic plan
    replan_policy = replace(
        policy, polish=False, keep_bonus=max(policy.keep_bonus, policy.replan_keep_bonus)
    )
    return _plan(sub_sessions, sub_cases, replan_policy, now, hold)


@dataclass(frozen=True)
class SessionOption:
    """One session a case could go to, with its value and whether it has room now."""

    session_id: int
    value: float
    fits_now: bool
    minutes_free: int
    on_time: bool


def sessions_for_case(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    case_id: int,
) -> list[SessionOption]:
    """Return every session the case may go to, best value first, without planning anything.

    For the case page's "find a session": only the case's own pairs are built, and the room
    left at each session comes from the other cases' `current_session_id`, so the answer
    takes milliseconds whatever the center's size.
    """
    case = next((c for c in cases if c.id == case_id), None)
    if case is None:
        raise ValueError(f"case {case_id}: not among the cases given")
    candidates = [s for s in sessions if case.site in s.sites]
    wanted = {s.id for s in candidates}
    used_minutes: dict[int, int] = {}
    used_count: dict[int, int] = {}
    for other in cases:
        if other.id != case_id and other.current_session_id in wanted:
            sid = other.current_session_id
            used_minutes[sid] = used_minutes.get(sid, 0) + other.minutes
            used_count[sid] = used_count.get(sid, 0) + 1
    # the case alone, unplaced, so the pairs are every session it may go to, room aside
    alone = replace(case, current_session_id=None, pinned=False)
    problem = build_problem(candidates, [alone], policy)
    options = []
    for si, value in zip(problem.pair_session.tolist(), problem.pair_value.tolist(), strict=True):
        session = problem.sessions[si]
        free = session.capacity_minutes - used_minutes.get(session.id, 0)
        count_ok = session.max_cases is None or used_count.get(session.id, 0) < session.max_cases
        if case.current_session_id == session.id:
            value += policy.keep_bonus
        options.append(
            SessionOption(
                session_id=session.id,
                value=value,
                fits_now=case.minutes <= free and count_ok,
                minutes_free=max(0, free),
                on_time=problem.session_dates[si] <= case.decision_due_on,
            )
        )
    options.sort(key=lambda option: (not option.fits_now, -option.value, option.session_id))
    return options


def _plan(sessions, cases, policy: Policy, now: datetime | None, hold: frozenset[int]) -> Plan:
    """Build, solve within the limit and assemble; `hold` as in `build_problem`."""
    started = time.monotonic()
    problem = build_problem(sessions, cases, policy, hold)
    built = time.monotonic()
    deadline = started + policy.time_limit_seconds - _ASSEMBLY_RESERVE
    writer = ReasonWriter(problem, policy, now)
    best = _Incumbents(problem.components)
    _solve_all(problem, deadline, policy, best, writer)
    solved = time.monotonic()
    assignment = np.full(len(problem.cases), -1, dtype=np.int64)
    bound = problem.fixed_value
    for number, component in enumerate(problem.components):
        _apply(assignment, component, best.results[number].assignment)
        bound += best.bounds[number]
    if len(best.solved) == len(problem.components):
        method = METHOD_RELAX_AND_FIX
    elif not best.solved:
        method = METHOD_GREEDY_FALLBACK
    else:
        method = METHOD_MIXED
    proven = all(best.proven(k) for k in range(len(problem.components)))
    return _assemble(
        problem, assignment, bound, proven, method, started, built, solved, policy, now, writer
    )


class _Incumbents:
    """The best plan known per component, replaced only by a plan worth more."""

    def __init__(self, components: list[Component]) -> None:
        self.components = components
        self.results: dict[int, ComponentResult] = {}
        self.values: dict[int, float] = {}
        self.bounds: dict[int, float] = {}
        # the solver proved the kept plan optimal (a MIP optimum may lie below the LP bound)
        self.exact: dict[int, bool] = {}
        # components for which the solver (not only the greedy) delivered a plan
        self.solved: set[int] = set()

    def offer(self, number: int, result: ComponentResult, from_solver: bool) -> None:
        """Keep `result` when it beats the component's plan; always keep the tighter bound."""
        value = self.components[number].value_of(result.assignment)
        # a tie goes to the solver, whose plan may come with a proof of optimality
        margin = -1e-9 if from_solver else 1e-9
        if number not in self.results or value > self.values[number] + margin:
            self.results[number] = result
            self.values[number] = value
            self.exact[number] = result.proven_optimal
        # every bound offered is valid (LP optimum or sum of best values): the least is best
        self.bounds[number] = min(self.bounds.get(number, np.inf), result.bound)
        if from_solver:
            self.solved.add(number)

    def proven(self, number: int) -> bool:
        """Return True when the component's plan reaches its bound."""
        bound = self.bounds[number]
        return self.exact[number] or self.values[number] >= bound - 1e-6 * max(1.0, abs(bound))


def greedy_value_density(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    now: datetime | None = None,
) -> Plan:
    """Place cases by value per minute, best pair first; fast, no optimality claim."""

    def assign(problem: Problem) -> np.ndarray:
        """Return the value-density assignment of the whole problem."""
        return assign_value_density(
            problem.pair_case,
            problem.pair_session,
            problem.pair_value,
            problem.minutes,
            problem.capacity,
            problem.count_limit,
            len(problem.cases),
        )

    return _greedy_plan(sessions, cases, policy, now, METHOD_VALUE_DENSITY, assign)


def greedy_edf(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    now: datetime | None = None,
) -> Plan:
    """Place cases earliest decision date first, each at its earliest session with room."""

    def assign(problem: Problem) -> np.ndarray:
        """Return the earliest-deadline-first assignment of the whole problem."""
        order = sorted(
            range(len(problem.cases)),
            key=lambda i: (
                problem.cases[i].decision_due_on,
                -policy.weight_of(problem.cases[i].priority),
                i,
            ),
        )
        return assign_earliest_deadline_first(
            problem.pair_case,
            problem.pair_session,
            problem.minutes,
            problem.capacity,
            problem.count_limit,
            np.array(order, dtype=np.int64),
            len(problem.cases),
        )

    return _greedy_plan(sessions, cases, policy, now, METHOD_EDF, assign)


def _greedy_plan(sessions, cases, policy: Policy, now: datetime | None, method: str, assign):
    """Build the problem, place its cases with `assign(problem)` and assemble the plan."""
    started = time.monotonic()
    problem = build_problem(sessions, cases, policy)
    built = time.monotonic()
    assignment = assign(problem)
    solved = time.monotonic()
    bound = _trivial_bound(problem)
    return _assemble(problem, assignment, bound, False, method, started, built, solved, policy, now)


def _trivial_bound(problem: Problem) -> float:
    best = np.zeros(len(problem.cases))
    if problem.pair_case.size:
        np.maximum.at(best, problem.pair_case, problem.pair_value)
    return float(best.sum()) + problem.fixed_value


def _greedy_component(component: Component, deadline: float = np.inf) -> ComponentResult:
    args = component.arrays()
    started = time.monotonic()
    assignment = assign_value_density(*args, component.case_index.size)
    # each later greedy step is one more pass over the pairs, about as long as the first:
    # near the deadline only the value-density plan itself, the promised floor, is made
    step = time.monotonic() - started

    def time_for(passes: int) -> bool:
        """Return True when that many more passes over the pairs fit before the deadline."""
        return time.monotonic() + 1.5 * passes * step < deadline

    if time_for(1):
        assignment = improve_by_moves(assignment, *args)
    kept = component.pair_kept
    if kept is not None and kept.any() and time_for(2):
        # on a replan, the greedy that first keeps drafts where they are moves far fewer of
        # them; the better of the two (by objective) is the floor
        keeping = assign_value_density(*args, component.case_index.size, first=kept)
        keeping = improve_by_moves(keeping, *args)
        if component.value_of(keeping) >= component.value_of(assignment):
            assignment = keeping
    return ComponentResult(assignment, component.best_value_sum(), False)


def _apply(assignment: np.ndarray, component: Component, local: np.ndarray) -> None:
    placed = local >= 0
    assignment[component.case_index[placed]] = component.session_index[local[placed]]


def _solve_all(
    problem: Problem, deadline: float, policy: Policy, best: _Incumbents, writer: ReasonWriter
) -> None:
    """Give every component the greedy plan, then improve them until the deadline."""
    components = problem.components
    order = _solve_order(components)
    workers = None
    if components and policy.isolate_solver and time.monotonic() < deadline:
        try:
            workers = _Workers(
                components, order, deadline, _process_count(policy, components), policy.polish
            )
        except (AssertionError, OSError):
            # a daemonic parent may not have children: solve here, trusting HiGHS's own limit
            workers = None
    # the greedy plans come first (while the workers start), so that a plan exists whatever
    # happens to the solver, and they are the fallback of every component it does not reach
    for number, component in enumerate(components):
        best.offer(number, _greedy_component(component, deadline), from_solver=False)
    if workers is not None:
        # this process re-packs greedy plans only on a core no worker uses
        spare_core = len(workers.processes) < _process_count(policy, components, cap=False)
        workers.collect(best, _idle_work(problem, order, best, writer, deadline, spare_core))
        return
    if time.monotonic() < deadline:
        results = {}
        for number, result in _solve_sequence(components, order, deadline):
            results[number] = result
            best.offer(number, result, from_solver=True)
        if policy.polish:
            for number, result in _polish_sequence(components, results, deadline):
                best.offer(number, result, from_solver=True)


def _process_count(policy: Policy, components: list[Component], cap: bool = True) -> int:
    if policy.solver_processes is not None:
        wanted = policy.solver_processes
    elif hasattr(os, "sched_getaffinity"):
        wanted = len(os.sched_getaffinity(0))
    else:
        wanted = os.cpu_count() or 1
    return max(1, min(wanted, len(components)) if cap else wanted)


def _idle_work(
    problem: Problem,
    order,
    best: _Incumbents,
    writer: ReasonWriter,
    deadline: float,
    repack: bool = True,
):
    """Yield after each small step of the work this process does while the workers solve.

    First the reasons of the cases the greedy plans leave unplaced (most stay unplaced), so
    little is left to write after the deadline; then, when `repack` (a core no worker uses),
    one re-packing pass over each greedy plan, components the workers reach last first,
    skipping those the solver already beat. With every core busy the workers' own early
    plans come sooner than this would (at 20k x 1000, load 6: the last component's plan came
    at 9.8 s of 10 with the parent re-packing too).
    """
    # cases with no feasible pair (and not fixed) stay unplaced whatever the solver does
    in_component = np.zeros(len(problem.cases), dtype=bool)
    unplaced = []
    for number, component in enumerate(problem.components):
        in_component[component.case_index] = True
        local = best.results[number].assignment
        unplaced.extend(component.case_index[local < 0].tolist())
    outside = [i for i in np.flatnonzero(~in_component).tolist() if i not in problem.fixed]
    for count, case_index in enumerate(outside + unplaced):
        writer.explain(case_index)
        if count % 32 == 31:
            yield
    for number in reversed(order) if repack else ():
        if number in best.solved or time.monotonic() >= deadline:
            continue
        component = problem.components[number]
        args = component.arrays()
        state = RepackState(best.results[number].assignment, *args)
        for session in range(component.capacity.size):
            if number in best.solved or time.monotonic() >= deadline:
                break
            state.repack(session)
            yield
        best.offer(
            number,
            ComponentResult(state.assignment, best.bounds[number], False),
            from_solver=False,
        )
        yield


def _solve_order(components: list[Component]) -> list[int]:
    # small components first, so a timeout costs the fewest components
    return sorted(range(len(components)), key=lambda k: (components[k].pair_case.size, k))


def _expected_work(component: Component) -> float:
    """Return a component's expected solve time in arbitrary units, for sharing the time.

    The wide sweep's work grows with sessions and the LP's with pairs; measured at 20k x 1000
    (71-167 sessions, 12k-69k pairs per component) the time is 6-8 ms per unit of this.
    """
    return component.capacity.size + component.pair_case.size / 1000.0


def _partition(components: list[Component], order: list[int], count: int) -> list[list[int]]:
    """Split components into `count` groups of similar expected work, each in solve order."""
    loads = [0.0] * count
    groups: list[list[int]] = [[] for _ in range(count)]
    # largest first onto the least loaded group: the classic longest-processing-time rule
    for number in sorted(order, key=lambda k: (-_expected_work(components[k]), k)):
        target = min(range(count), key=lambda g: (loads[g], g))
        loads[target] += _expected_work(components[number])
        groups[target].append(number)
    position = {number: rank for rank, number in enumerate(order)}
    return [sorted(group, key=position.__getitem__) for group in groups if group]


def _solve_sequence(components, order, deadline, report=None):
    """Yield (component number, result) pairs, sharing the time left by expected work.

    `components` maps numbers to components; `report(number, result)` also receives each
    component's early relax-and-fix plan.
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


def _polish_sequence(components, results, deadline):
    """Yield (component number, result) for plans HiGHS MIP improves in the time left.

    The time is shared by each component's gap to its bound, largest gap first. Components
    up to `POLISH_MAX_PAIRS` get one MIP over the whole component (measured better than
    windows there: 99.34% against 99.29% of the bound in 9 s on a 4,400-pair component);
    larger ones get MIPs over windows of consecutive sessions.
    """
    gaps = {
        number: gap_of(components[number], result)
        for number, result in results.items()
        if not result.proven_optimal
    }
    gap_left = sum(gaps.values())
    for number in sorted(gaps, key=lambda k: (-gaps[k], k)):
        time_left = deadline - time.monotonic()
        if time_left <= 0.2 or gap_left <= 0:
            return
        share = time_left * gaps[number] / gap_left
        gap_left -= gaps[number]
        component = components[number]
        if component.pair_case.size <= POLISH_MAX_PAIRS:
            polished = polish_component(component, results[number], share)
        else:
            polished = polish_in_windows(component, results[number], time.monotonic() + share)
        if polished is not None:
            yield number, polished


def _worker_main(components, order, seconds_left, polish, connection) -> None:
    """Solve in the worker, sending each component's result as soon as it is ready."""
    deadline = time.monotonic() + seconds_left
    # HiGHS prints a banner on stdout; the worker's output is nobody's business
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    try:
        # early plans go out at once, so a kill during the wide sweep loses only the sweep
        results = {}
        for number, result in _solve_sequence(
            components, order, deadline, lambda k, early: connection.send((k, early, False))
        ):
            results[number] = result
            connection.send((number, result, True))
        if polish:
            for number, result in _polish_sequence(components, results, deadline):
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


class _Workers:
    """Solver processes, each with its own group of components, killed at the deadline."""

    def __init__(self, components, order, deadline: float, count: int, polish: bool) -> None:
        context = _worker_context()
        self.deadline = deadline
        self.processes = []
        self.receivers = []
        # a worker starts late and needs a moment to send its last result: give it less time
        seconds_left = deadline - time.monotonic()
        worker_seconds = seconds_left - max(0.05, WORKER_MARGIN * seconds_left)
        try:
            for group in _partition(components, order, count):
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(
                    target=_worker_main,
                    args=(
                        {k: components[k] for k in group},
                        group,
                        worker_seconds,
                        polish,
                        sender,
                    ),
                    daemon=True,
                )
                self.processes.append(process)
                self.receivers.append(receiver)
                process.start()
                sender.close()
        except BaseException:
            self.stop()
            raise

    def collect(self, best: _Incumbents, idle) -> None:
        """Offer results as they arrive, running `idle` steps in between, then stop."""
        open_receivers = list(self.receivers)
        idle_left = True
        try:
            while open_receivers:
                time_left = self.deadline - time.monotonic()
                if time_left <= 0:
                    break
                ready = multiprocessing.connection.wait(
                    open_receivers, timeout=0 if idle_left else time_left
                )
                if not ready:
                    if idle_left and next(idle, StopIteration) is StopIteration:
                        idle_left = False
                    continue
                for receiver in ready:
                    try:
                        number, result, _final = receiver.recv()
                    except EOFError:
                        # the worker is done (or died): what it sent stands
                        open_receivers.remove(receiver)
                        continue
                    best.offer(number, result, from_solver=True)
            # time left after the workers are done goes to the remaining idle work
            while idle_left and time.monotonic() < self.deadline:
                idle_left = next(idle, StopIteration) is not StopIteration
        finally:
            self.stop()

    def stop(self) -> None:
        """Kill every worker still running and release its pipe."""
        for receiver in self.receivers:
            receiver.close()
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()
        self.processes = []
        self.receivers = []


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
    writer: ReasonWriter | None = None,
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
    writer = writer if writer is not None else ReasonWriter(problem, policy, now)
    reasons = writer.reasons(unplaced)
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
