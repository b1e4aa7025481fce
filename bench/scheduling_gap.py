"""How far the LP bound is from the integer optimum: the headroom left for the engine.

Run from the repository root:
`python -m bench.scheduling_gap --sizes 2000x150 --seed 2 --time-limit 300`.

For each instance it builds the engine's own model (`scheduling.problem.build_problem`), runs
the engine's component solver in-process, then solves every component's exact integer program
with HiGHS MIP, started from the engine's plan, sharing the time limit across components by
their number of feasible pairs (time a component does not use passes to the next). It prints,
as shares of the LP bound the benchmark divides by: the engine's plan, the best integer plan
HiGHS found, and HiGHS's MIP dual bound. No integer plan can beat the dual bound, so a dual
bound below a target share proves that target unattainable on that instance.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.instances import generate_instance
from bench.scheduling import machine
from scheduling import Policy
from scheduling.problem import build_problem
from scheduling.solver import _columns_to_assignment, _solve, solve_component

# six times HiGHS's default heuristic effort: here the aim is the best plan, not a quick one
HEURISTIC_EFFORT = 0.3
ENGINE_SECONDS_PER_COMPONENT = 60.0


def measure(size: str, seed: int, time_limit: float, verbose: bool = False) -> dict:
    """Return the engine, best-integer and dual-bound objectives of one instance."""
    case_count, session_count = (int(part) for part in size.split("x"))
    sessions, cases = generate_instance(case_count, session_count, seed)
    policy = Policy()
    problem = build_problem(sessions, cases, policy)
    totals = {"lp": problem.fixed_value, "engine": problem.fixed_value}
    totals |= {"integer": problem.fixed_value, "dual": problem.fixed_value}
    components = problem.components
    order = sorted(range(len(components)), key=lambda k: (components[k].pair_case.size, k))
    pairs_left = sum(c.pair_case.size for c in components)
    deadline = time.monotonic() + time_limit
    optimal = 0
    rows = []
    for number in order:
        component = components[number]
        args = component.arrays()
        size_cases = component.case_index.size
        engine = solve_component(component, ENGINE_SECONDS_PER_COMPONENT)
        engine_value = component.value_of(engine.assignment)
        budget = (deadline - time.monotonic()) * component.pair_case.size / max(1, pairs_left)
        pairs_left -= component.pair_case.size
        start = (engine.assignment[component.pair_case] == component.pair_session).astype(float)
        started = time.monotonic()
        columns, dual, proven = _solve(
            *args,
            size_cases,
            max(1.0, budget),
            integer=True,
            start=start,
            gap=1e-6,
            heuristic_effort=HEURISTIC_EFFORT,
        )
        seconds = time.monotonic() - started
        integer_value = engine_value
        if columns is not None:
            assignment = _columns_to_assignment(
                columns, component.pair_case, component.pair_session, size_cases
            )
            integer_value = max(engine_value, component.value_of(assignment))
        # a missing dual bound falls back to the LP bound, which is always valid
        dual = engine.bound if dual is None else min(dual, engine.bound)
        optimal += bool(proven)
        totals["lp"] += engine.bound
        totals["engine"] += engine_value
        totals["integer"] += integer_value
        totals["dual"] += dual
        row = {
            "component": number,
            "pairs": int(component.pair_case.size),
            "lp": engine.bound,
            "engine": engine_value,
            "integer": integer_value,
            "dual": dual,
            "optimal": bool(proven),
            "seconds": seconds,
        }
        rows.append(row)
        if verbose:
            print(
                f"  {size} seed {seed} component {number}: {row['pairs']} pairs, "
                f"engine {100 * engine_value / engine.bound:.3f}%, "
                f"integer {100 * integer_value / engine.bound:.3f}%, "
                f"dual {100 * dual / engine.bound:.3f}% of its LP bound, "
                f"{'optimal' if proven else 'not proven'}, {seconds:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    return {
        "size": size,
        "seed": seed,
        "time_limit": time_limit,
        "components": len(components),
        "optimal": optimal,
        "pairs": int(problem.pair_case.size),
        "rows": rows,
        **totals,
    }


def _table(results: list[dict]) -> str:
    lines = [
        "| size | seed | MIP time limit s | components proven optimal | engine | best integer "
        "| MIP dual bound | LP bound |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lp = r["lp"]
        lines.append(
            f"| {r['size']} | {r['seed']} | {r['time_limit']:g} | {r['optimal']} of "
            f"{r['components']} | {100 * r['engine'] / lp:.3f}% | {100 * r['integer'] / lp:.3f}% "
            f"| {100 * r['dual'] / lp:.3f}% | {lp:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure the integrality gap and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000x150")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=300.0, help="MIP seconds per size")
    parser.add_argument("--verbose", action="store_true", help="per-component lines on stderr")
    args = parser.parse_args(argv)
    results = [
        measure(size.strip(), args.seed, args.time_limit, args.verbose)
        for size in args.sizes.split(",")
    ]
    print(
        f"{machine()} at the end; HiGHS MIP, one thread, started from the engine's plan; "
        "shares of the LP bound\n"
    )
    print(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
