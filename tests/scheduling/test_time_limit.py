"""The hard wall-clock limit: when the solver cannot finish, the greedy plan is used."""

import time

from bench.instances import generate_instance
from scheduling import Policy, find_violations, plan_schedule
from scheduling.model import METHOD_GREEDY_FALLBACK, METHOD_MIXED, METHOD_RELAX_AND_FIX


def test_tiny_time_limit_kills_the_worker_and_falls_back():
    sessions, cases = generate_instance(2000, 150, seed=3)
    policy = Policy(time_limit_seconds=0.15)
    started = time.monotonic()
    plan = plan_schedule(sessions, cases, policy)
    elapsed = time.monotonic() - started
    # the worker may finish a small component or two before it is killed
    assert plan.method in (METHOD_GREEDY_FALLBACK, METHOD_MIXED)
    assert not plan.proven_optimal
    assert find_violations(sessions, cases, policy, plan) == []
    assert set(plan.reasons) == set(plan.unplaced())
    # build and reasons take a little time on top, but the solve itself must not overrun
    assert elapsed < 2.0


def test_zero_time_limit_falls_back_without_solving():
    sessions, cases = generate_instance(200, 20, seed=4)
    policy = Policy(time_limit_seconds=0.0)
    plan = plan_schedule(sessions, cases, policy)
    assert plan.method == METHOD_GREEDY_FALLBACK
    assert find_violations(sessions, cases, policy, plan) == []


def test_enough_time_uses_the_lp():
    sessions, cases = generate_instance(200, 20, seed=5)
    policy = Policy(time_limit_seconds=20.0)
    plan = plan_schedule(sessions, cases, policy)
    assert plan.method == METHOD_RELAX_AND_FIX
    assert plan.objective <= plan.upper_bound + 1e-6
    assert plan.objective >= 0.99 * plan.upper_bound
    assert find_violations(sessions, cases, policy, plan) == []
