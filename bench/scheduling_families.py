"""Benchmark of the engine on the instance families of `bench/families.py`.

Run from the repository root:
`python -m bench.scheduling_families` (every family and size, MIP at 2k and 5k), or e.g.
`python -m bench.scheduling_families --runs long:20000x1000 --mip-seconds 0`.

Per family and size (each in its own process): the engine's share of the exact LP bound (the
LP relaxation solved to optimality here, outside the timed run), its share of the best
integer plan HiGHS MIP finds in `--mip-seconds` (started from the engine's plan, so never
below it), seconds, peak memory of an in-process plan (in a separate process), violations
found by `scheduling.check.find_violations`, the value-density greedy's share, and for three
events (a specialist on leave, 5% new cases, a cancelled session) what a replan moved.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import replace

import numpy as np

from bench.families import generate_family, perturbations
from bench.scheduling import count_moves, machine, run_in_child
from scheduling import (
    Policy,
    find_violations,
    greedy_value_density,
    plan_schedule,
    replan_affected,
    sessions_for_case,
)
from scheduling.problem import build_problem
from scheduling.solver import _columns_to_assignment, _solve

DEFAULT_RUNS = tuple(
    f"{family}:{size}"
    for family in ("overloaded", "sparse", "long")
    for size in ("2000x150", "5000x400", "20000x1000")
) + ("regional:50000x2500",)
MIP_MAX_CASES = 5000
HEURISTIC_EFFORT = 0.3


def _parse(run: str) -> tuple[str, int, int]:
    family, size = run.split(":")
    cases, sessions = (int(part) for part in size.split("x"))
    return family, cases, sessions


def _local_start(problem, component, placements) -> np.ndarray:
    """Return the engine plan of one component as MIP start columns."""
    position = {s.id: i for i, s in enumerate(problem.sessions)}
    local_session = {int(g): k for k, g in enumerate(component.session_index.tolist())}
    assignment = np.full(component.case_index.size, -1, dtype=np.int64)
    for local, case_index in enumerate(component.case_index.tolist()):
        session_id = placements[problem.cases[case_index].id]
        if session_id is not None:
            assignment[local] = local_session.get(position[session_id], -1)
    return assignment


def lp_and_mip(sessions, cases, policy, plan, mip_seconds: float) -> dict:
    """Return the pair count, the exact LP bound and, when asked, HiGHS's best integer objective."""
    problem = build_problem(sessions, cases, policy)
    lp = integer = problem.fixed_value
    pairs_left = max(1, int(problem.pair_case.size))
    deadline = time.monotonic() + mip_seconds
    for component in sorted(problem.components, key=lambda c: c.pair_case.size):
        args = component.arrays()
        count = component.case_index.size
        _columns, bound, optimal = _solve(*args, count, 3600.0, integer=False)
        assert optimal and bound is not None
        lp += bound
        start = _local_start(problem, component, plan.placements)
        engine_value = component.value_of(start)
        best = engine_value
        if mip_seconds > 0:
            share = (deadline - time.monotonic()) * component.pair_case.size / pairs_left
            columns, _dual, _proven = _solve(
                *args,
                count,
                max(1.0, share),
                integer=True,
                start=(start[component.pair_case] == component.pair_session).astype(float),
                gap=1e-6,
                heuristic_effort=HEURISTIC_EFFORT,
            )
            if columns is not None:
                found = _columns_to_assignment(
                    columns, component.pair_case, component.pair_session, count
                )
                best = max(best, component.value_of(found))
        pairs_left -= component.pair_case.size
        integer += best
    return {"pairs": int(problem.pair_case.size), "lp": lp, "integer": integer}


def _replans(sessions, cases, plan, policy, seed, replan_limit) -> list[dict]:
    rows = []
    events = perturbations(sessions, cases, plan.placements, seed)
    for name, (new_sessions, new_cases, changed_sessions, changed_cases) in events.items():
        for how in ("full plan_schedule", "replan_affected"):
            started = time.perf_counter()
            if how == "replan_affected":
                replan = replan_affected(
                    new_sessions,
                    new_cases,
                    replace(policy, time_limit_seconds=replan_limit),
                    changed_session_ids=changed_sessions,
                    changed_case_ids=changed_cases,
                )
            else:
                replan = plan_schedule(new_sessions, new_cases, policy)
            seconds = time.perf_counter() - started
            moves = count_moves(new_sessions, new_cases, replan, policy)
            rows.append({"event": name, "how": how, "seconds": seconds, **moves})
    return rows


def _find_session_ms(sessions, cases, plan, policy, seed) -> tuple[float, float]:
    """Return p50 and p95 milliseconds of `sessions_for_case` for 50 cases of the plan."""
    current = [replace(c, current_session_id=plan.placements[c.id]) for c in cases]
    rng = np.random.default_rng(seed)
    timings = []
    for index in rng.choice(len(current), size=min(50, len(current)), replace=False).tolist():
        started = time.perf_counter()
        sessions_for_case(sessions, current, policy, current[index].id)
        timings.append(1000 * (time.perf_counter() - started))
    return float(np.percentile(timings, 50)), float(np.percentile(timings, 95))


def run_one(
    run: str, seed: int, time_limit: float, mip_seconds: float, replan_limit: float = 2.5
) -> dict:
    """Measure one family at one size."""
    family, case_count, session_count = _parse(run)
    sessions, cases = generate_family(family, case_count, session_count, seed)
    policy = Policy(time_limit_seconds=time_limit)
    # the first plan in a process starts the fork server once; a service pays it at start-up
    plan_schedule(*generate_family(family, 300, 30, seed), policy)
    started = time.perf_counter()
    plan = plan_schedule(sessions, cases, policy)
    seconds = time.perf_counter() - started
    greedy = greedy_value_density(sessions, cases, policy)
    mip = mip_seconds if case_count <= MIP_MAX_CASES else 0.0
    bounds = lp_and_mip(sessions, cases, policy, plan, mip)
    return {
        "run": run,
        "pairs": bounds["pairs"],
        "method": plan.method,
        "seconds": seconds,
        "share_lp": plan.objective / bounds["lp"],
        "share_mip": plan.objective / bounds["integer"] if mip else None,
        "greedy_share_lp": greedy.objective / bounds["lp"],
        "violations": len(find_violations(sessions, cases, policy, plan)),
        "replans": _replans(sessions, cases, plan, policy, seed, replan_limit),
        "find_session_ms": _find_session_ms(sessions, cases, plan, policy, seed),
    }


def peak_memory(run: str, seed: int, time_limit: float) -> float:
    """Return the peak RSS in MB of generating and planning one instance in one process."""
    family, case_count, session_count = _parse(run)
    sessions, cases = generate_family(family, case_count, session_count, seed)
    plan_schedule(sessions, cases, Policy(time_limit_seconds=time_limit, isolate_solver=False))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tables(results: list[dict]) -> str:
    lines = [
        "| family | size | pairs | % of LP bound | % of best MIP plan | value-density greedy "
        "| seconds | peak MB | violations | engine method | find a session p50 / p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        family, size = r["run"].split(":")
        mip = f"{100 * r['share_mip']:.3f}%" if r["share_mip"] is not None else "-"
        lines.append(
            f"| {family} | {size} | {r['pairs']} | {100 * r['share_lp']:.3f}% | {mip} "
            f"| {100 * r['greedy_share_lp']:.3f}% | {r['seconds']:.2f} | {r['peak_mb']:.0f} "
            f"| {r['violations']} | {r['method']} "
            f"| {r['find_session_ms'][0]:.0f} / {r['find_session_ms'][1]:.0f} |"
        )
    lines += [
        "",
        "| family | size | event | replan | seconds | published moved (unforced) "
        "| drafts moved | violations |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        family, size = r["run"].split(":")
        for e in r["replans"]:
            lines.append(
                f"| {family} | {size} | {e['event']} | {e['how']} | {e['seconds']:.2f} "
                f"| {e['published_moved']} of {e['published']} ({e['unforced']}) "
                f"| {e['drafts_moved']} of {e['drafts']} "
                f"({100 * e['drafts_moved'] / max(1, e['drafts']):.1f}%) | {e['violations']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the family benchmark and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=",".join(DEFAULT_RUNS), help="family:CASESxSESSIONS")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--mip-seconds", type=float, default=100.0, help="0 skips the MIP")
    parser.add_argument("--replan-limit", type=float, default=2.5, help="replan_affected limit")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--memory", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        result = run_one(args.one, args.seed, args.time_limit, args.mip_seconds, args.replan_limit)
        print(json.dumps(result))
        return 0
    if args.memory:
        print(json.dumps(peak_memory(args.memory, args.seed, args.time_limit)))
        return 0
    results = []
    options = {
        "seed": args.seed,
        "time-limit": args.time_limit,
        "mip-seconds": args.mip_seconds,
        "replan-limit": args.replan_limit,
    }
    for run in args.runs.split(","):
        result = run_in_child("bench.scheduling_families", "--one", run.strip(), options)
        result["peak_mb"] = run_in_child(
            "bench.scheduling_families", "--memory", run.strip(), options
        )
        results.append(result)
        print(f"{run}: done", file=sys.stderr, flush=True)
    print(
        f"{machine()} at the end; seed {args.seed}; time limit {args.time_limit:g} s; "
        f"MIP {args.mip_seconds:g} s per instance up to {MIP_MAX_CASES} cases\n"
    )
    print(_tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
