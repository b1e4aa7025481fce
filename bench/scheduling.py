"""Benchmark of the scheduling engine against greedy baselines and the LP upper bound.

Run from the repository root: `python -m bench.scheduling [--sizes 2000x150,5000x400]`.
Each size runs in its own process so peak memory is measured per size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np

from bench.instances import generate_instance, perturb_for_replanning
from scheduling import Policy, find_violations, greedy_edf, greedy_value_density, plan_schedule
from scheduling.problem import build_problem

DEFAULT_SIZES = ("2000x150", "5000x400", "10000x700", "20000x1000")
URGENT = ("urgent", "emergent")


def _metrics(name, plan, sessions, cases, policy, bound, seconds) -> dict:
    """Return the figures of one plan, measured against the engine's LP bound."""
    by_session = {s.id: s for s in sessions}
    weight_total = weight_on_time = 0.0
    urgent_total = urgent_on_time = 0
    waits = []
    for case in cases:
        weight = policy.weight_of(case.priority)
        weight_total += weight
        urgent_total += case.priority in URGENT
        session_id = plan.placements[case.id]
        if session_id is None:
            continue
        session = by_session[session_id]
        waits.append((session.starts_at - case.submitted_at).total_seconds() / 86400)
        if session.starts_at.date() <= case.decision_due_on:
            weight_on_time += weight
            urgent_on_time += case.priority in URGENT
    return {
        "method": name,
        "share": plan.objective / bound,
        "weighted_on_time": weight_on_time / weight_total,
        "urgent_on_time": urgent_on_time / max(1, urgent_total),
        "wait_p50": float(np.percentile(waits, 50)) if waits else 0.0,
        "wait_p90": float(np.percentile(waits, 90)) if waits else 0.0,
        "unplaced": len(plan.unplaced()),
        "seconds": seconds,
        "violations": len(find_violations(sessions, cases, policy, plan)),
        "proven_optimal": plan.proven_optimal,
        "engine_method": plan.method,
    }


def _timed(planner, sessions, cases, policy):
    started = time.perf_counter()
    plan = planner(sessions, cases, policy)
    return plan, time.perf_counter() - started


def count_moves(new_sessions, new_cases, replan, policy) -> dict:
    """Count what a replan moved; cases it does not cover keep their current session."""
    placements = {c.id: c.current_session_id for c in new_cases}
    placements.update(replan.placements)
    replan = replace(replan, placements=placements)
    published = {s.id for s in new_sessions if s.published}
    drafts = moved_drafts = dropped_drafts = published_total = moved_published = 0
    for case in new_cases:
        if case.current_session_id is None:
            continue
        moved = replan.placements[case.id] != case.current_session_id
        if case.current_session_id in published:
            published_total += 1
            moved_published += moved
        else:
            drafts += 1
            moved_drafts += moved
            dropped_drafts += replan.placements[case.id] is None
    violations = find_violations(new_sessions, new_cases, policy, replan)
    return {
        "published": published_total,
        "published_moved": moved_published,
        "unforced": sum("published session" in v for v in violations),
        "drafts": drafts,
        "drafts_moved": moved_drafts,
        "drafts_dropped": dropped_drafts,
        "violations": len(violations),
    }


def _replanning(sessions, cases, plan, policy, seed) -> dict:
    """Perturb the instance around the engine's plan and count what the replan moved."""
    new_sessions, new_cases = perturb_for_replanning(sessions, cases, plan.placements, seed)
    replan, seconds = _timed(plan_schedule, new_sessions, new_cases, policy)
    return {
        **count_moves(new_sessions, new_cases, replan, policy),
        "seconds": seconds,
        "share": replan.bound_share,
        "method": replan.method,
    }


def run_size(size: str, seed: int, time_limit: float, repeat: int = 1) -> dict:
    """Run every method on one instance size and return the figures."""
    case_count, session_count = (int(part) for part in size.split("x"))
    sessions, cases = generate_instance(case_count, session_count, seed)
    policy = Policy(time_limit_seconds=time_limit)
    # the first plan in a process starts the solver's fork server once; a service pays that
    # only at start-up, so it is measured apart from the timed runs
    small_sessions, small_cases = generate_instance(300, 40, 1)
    _plan, cold_start = _timed(plan_schedule, small_sessions, small_cases, policy)
    # on a shared machine single timings are noisy: report the median of `repeat` runs
    timings = []
    for _run in range(max(1, repeat)):
        engine, seconds = _timed(plan_schedule, sessions, cases, policy)
        timings.append(seconds)
    engine_seconds = float(np.median(timings))
    bound = engine.upper_bound
    rows = [_metrics("engine", engine, sessions, cases, policy, bound, engine_seconds)]
    rows[0].update(
        build_seconds=engine.build_seconds,
        solve_seconds=engine.solve_seconds,
        bound=bound,
    )
    for name, planner in (
        ("EDF greedy", greedy_edf),
        ("value-density greedy", greedy_value_density),
    ):
        plan, seconds = _timed(planner, sessions, cases, policy)
        rows.append(_metrics(name, plan, sessions, cases, policy, bound, seconds))
    replanning = _replanning(sessions, cases, engine, policy, seed)
    # one in-process run, so this process's peak memory includes the LP and MIP work
    plan_schedule(sessions, cases, replace(policy, isolate_solver=False))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pairs = _pair_count(sessions, cases, policy)
    return {
        "size": size,
        "rows": rows,
        "replanning": replanning,
        "peak_mb": peak_mb,
        "pairs": pairs,
        "cold_start": cold_start,
    }


def _pair_count(sessions, cases, policy) -> int:
    return int(build_problem(sessions, cases, policy).pair_case.size)


def run_in_child(module: str, flag: str, value: str, options: dict) -> object:
    """Run `python -m module flag value --name option ...` in a fresh process; return its JSON.

    A fresh process per measurement keeps one size's peak memory and fork server out of the
    next one's figures; the child prints its result as the last line of its output.
    """
    command = [sys.executable, "-m", module, flag, value]
    for name, option in options.items():
        command += [f"--{name}", str(option)]
    output = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def machine() -> str:
    """Return the processor, core count, Python version and load average, for a bench header."""
    load = os.getloadavg()
    return (
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f}"
    )


def _table(results: list[dict]) -> str:
    lines = [
        "| size (cases x sessions) | method | % of LP bound | weighted on-time | urgent on-time "
        "| wait p50 / p90 (days) | unplaced | seconds | violations |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for row in result["rows"]:
            lines.append(
                f"| {result['size']} | {row['method']} | {100 * row['share']:.3f}% "
                f"| {100 * row['weighted_on_time']:.1f}% | {100 * row['urgent_on_time']:.1f}% "
                f"| {row['wait_p50']:.1f} / {row['wait_p90']:.1f} | {row['unplaced']} "
                f"| {row['seconds']:.2f} | {row['violations']} |"
            )
    lines += [
        "",
        "| size | feasible pairs | engine method | build s | solve s | peak RSS MB "
        "| LP bound | first-plan start-up s |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        engine = result["rows"][0]
        lines.append(
            f"| {result['size']} | {result['pairs']} | {engine['engine_method']} "
            f"| {engine['build_seconds']:.2f} | {engine['solve_seconds']:.2f} "
            f"| {result['peak_mb']:.0f} | {engine['bound']:.0f} | {result['cold_start']:.2f} |"
        )
    lines += [
        "",
        "Replanning (5% new arrivals, half of them urgent or emergent; 2% withdrawals; 3% of "
        "sessions lose a specialist; the first two weeks published):",
        "",
        "| size | published moved (unforced) | drafts moved | of which left unplaced "
        "| % of LP bound | seconds | violations |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        r = result["replanning"]
        lines.append(
            f"| {result['size']} | {r['published_moved']} of {r['published']} "
            f"({r['unforced']}) | {r['drafts_moved']} of {r['drafts']} "
            f"({100 * r['drafts_moved'] / max(1, r['drafts']):.1f}%) "
            f"| {r['drafts_dropped']} | {100 * r['share']:.3f}% | {r['seconds']:.2f} "
            f"| {r['violations']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1, help="engine runs per size (median)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_size(args.one, args.seed, args.time_limit, args.repeat)))
        return 0
    results = []
    options = {"seed": args.seed, "time-limit": args.time_limit, "repeat": args.repeat}
    for size in args.sizes.split(","):
        results.append(run_in_child("bench.scheduling", "--one", size.strip(), options))
        print(f"{size}: done", file=sys.stderr)
    print(
        f"{machine()} at the end; seed {args.seed}; time limit {args.time_limit:g} s; "
        f"engine seconds are the median of {args.repeat} run(s)\n"
    )
    print(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
