"""On tiny instances the engine's objective equals the optimum found by enumeration."""

import itertools
from dataclasses import replace

from hypothesis import given, settings

from scheduling import Policy, find_violations, plan_schedule
from scheduling.model import Plan
from scheduling.problem import build_problem
from tests.scheduling.strategies import instances

POLICY = Policy(isolate_solver=False)


def brute_force_optimum(sessions, cases, policy) -> float:
    """Enumerate every assignment the independent checker accepts; return the best value."""
    problem = build_problem(sessions, cases, policy)
    value = {
        (problem.cases[c].id, problem.sessions[s].id): v
        for c, s, v in zip(
            problem.pair_case.tolist(),
            problem.pair_session.tolist(),
            problem.pair_value.tolist(),
            strict=True,
        )
    }
    fixed = {problem.cases[c].id: problem.sessions[s].id for c, s in problem.fixed.items()}
    free = [c for c in cases if c.id not in fixed]
    options = [None] + [s.id for s in sessions]
    best = None
    for choice in itertools.product(options, repeat=len(free)):
        placements = dict(fixed)
        placements.update({c.id: sid for c, sid in zip(free, choice, strict=True)})
        plan = Plan(placements, {}, 0.0, 0.0, False, "brute-force")
        if find_violations(sessions, cases, policy, plan):
            continue
        total = problem.fixed_value
        for case, sid in zip(free, choice, strict=True):
            if sid is not None:
                # the checker accepted it, so the engine's filter must know the pair too
                assert (case.id, sid) in value, (case.id, sid)
                total += value[(case.id, sid)]
        best = total if best is None else max(best, total)
    assert best is not None
    return best


@settings(max_examples=60, deadline=None)
@given(instances(max_sessions=3, max_cases=5))
def test_engine_matches_brute_force(instance):
    sessions, cases = instance
    # published agendas restrict moves in a way enumeration would have to mimic; leave them out
    sessions = [replace(s, published=False) for s in sessions]
    plan = plan_schedule(sessions, cases, POLICY)
    optimum = brute_force_optimum(sessions, cases, POLICY)
    assert abs(plan.objective - optimum) <= 1e-6 * max(1.0, abs(optimum))
    assert plan.proven_optimal
