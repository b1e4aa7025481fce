"""Random small instances: every plan obeys the checker, pinned cases stay, same input same plan."""

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from scheduling import Policy, find_violations, greedy_edf, greedy_value_density, plan_schedule
from tests.scheduling.strategies import instances

IN_PROCESS = Policy(isolate_solver=False)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances())
def test_engine_plans_break_no_rule(instance):
    sessions, cases = instance
    plan = plan_schedule(sessions, cases, IN_PROCESS)
    assert find_violations(sessions, cases, IN_PROCESS, plan) == []
    assert set(plan.reasons) == set(plan.unplaced())
    assert plan.objective <= plan.upper_bound + 1e-6


@SETTINGS
@given(instances())
def test_greedy_plans_break_no_rule(instance):
    sessions, cases = instance
    for planner in (greedy_edf, greedy_value_density):
        plan = planner(sessions, cases, IN_PROCESS)
        assert find_violations(sessions, cases, IN_PROCESS, plan) == []


@SETTINGS
@given(instances())
def test_pinned_cases_never_move(instance):
    sessions, cases = instance
    plan = plan_schedule(sessions, cases, IN_PROCESS)
    live = {s.id for s in sessions if not s.cancelled}
    for case in cases:
        if case.pinned and case.current_session_id in live:
            assert plan.placements[case.id] == case.current_session_id


@settings(max_examples=40, deadline=None)
@given(instances())
def test_same_input_same_plan(instance):
    sessions, cases = instance
    first = plan_schedule(sessions, cases, IN_PROCESS)
    # input order must not matter either
    second = plan_schedule(list(reversed(sessions)), list(reversed(cases)), IN_PROCESS)
    assert first.placements == second.placements
    assert first.reasons == second.reasons
    assert first.objective == second.objective


@settings(max_examples=15, deadline=None)
@given(instances())
def test_isolated_worker_gives_the_same_plan(instance):
    sessions, cases = instance
    isolated = plan_schedule(sessions, cases, replace(IN_PROCESS, isolate_solver=True))
    local = plan_schedule(sessions, cases, IN_PROCESS)
    assert isolated.placements == local.placements
    assert isolated.method == local.method
