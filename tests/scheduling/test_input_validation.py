"""Inputs the engine cannot honour are refused with a ValueError that names the culprit."""

import pytest

from scheduling import find_violations, greedy_edf, greedy_value_density, plan_schedule
from tests.scheduling.factories import case, session

PLANNERS = [plan_schedule, greedy_value_density, greedy_edf]


@pytest.mark.parametrize("planner", PLANNERS, ids=lambda p: p.__name__)
@pytest.mark.parametrize(
    ("sessions", "cases", "message"),
    [
        pytest.param([session()], [case(id=7, minutes=4.5)], "case 7: minutes", id="fraction"),
        pytest.param([session()], [case(id=7, minutes=0)], "case 7: minutes", id="zero-minutes"),
        pytest.param(
            [session()], [case(id=7, minutes=float("nan"))], "case 7: minutes", id="nan-minutes"
        ),
        pytest.param([session()], [case(id=7, minutes=True)], "case 7: minutes", id="bool"),
        pytest.param(
            [session(id=3, capacity_minutes=59.5)],
            [case()],
            "session 3: capacity_minutes",
            id="fractional-capacity",
        ),
        pytest.param(
            [session(id=3, capacity_minutes=-5)],
            [case()],
            "session 3: capacity_minutes",
            id="negative-capacity",
        ),
        pytest.param(
            [session(id=3, max_cases=2.5)], [case()], "session 3: max_cases", id="fractional-count"
        ),
        pytest.param(
            [session()],
            [case(id=7, priority="urgnet")],
            "case 7: unknown priority 'urgnet'",
            id="priority",
        ),
        pytest.param(
            [session()],
            [case(id=7, kind="tumour_board")],
            "case 7: unknown kind 'tumour_board'",
            id="kind",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(planner, sessions, cases, message, policy):
    with pytest.raises(ValueError, match=message):
        planner(sessions, cases, policy)


def test_whole_minutes_given_as_floats_are_accepted(policy):
    plan = plan_schedule([session(capacity_minutes=60.0)], [case(minutes=10.0)], policy)
    assert plan.placements == {1: 1}


def test_the_error_lists_the_known_priorities(policy):
    with pytest.raises(ValueError, match="known: emergent, routine, urgent"):
        plan_schedule([session()], [case(priority="URGENT")], policy)


def test_the_policy_refuses_an_unknown_priority_weight_lookup(policy):
    with pytest.raises(ValueError, match="unknown priority 'soon'"):
        policy.weight_of("soon")


@pytest.mark.parametrize("planner", PLANNERS, ids=lambda p: p.__name__)
def test_whole_minutes_fill_a_session_exactly_and_never_beyond(planner, policy):
    # seven 9-minute cases and a 60-minute session: six fit (54), a seventh would overbook
    cases = [case(id=i, minutes=9) for i in range(1, 8)]
    plan = planner([session(capacity_minutes=60)], cases, policy)
    assert len([c for c in plan.placements.values() if c is not None]) == 6
    assert find_violations([session(capacity_minutes=60)], cases, policy, plan) == []
