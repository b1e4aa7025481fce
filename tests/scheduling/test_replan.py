"""Replanning after an event touches only the affected component and moves few drafts."""

from dataclasses import replace

import pytest

from bench.instances import generate_instance
from scheduling import (
    Plan,
    Policy,
    find_violations,
    plan_schedule,
    replan_affected,
    sessions_for_case,
)
from scheduling.problem import site_groups

POLICY = Policy(isolate_solver=False, time_limit_seconds=20, polish=False)


@pytest.fixture(scope="module")
def planned():
    sessions, cases = generate_instance(1200, 100, seed=8)
    plan = plan_schedule(sessions, cases, POLICY)
    first = min(s.starts_at for s in sessions)
    published = [replace(s, published=(s.starts_at - first).days < 14) for s in sessions]
    current = [replace(c, current_session_id=plan.placements[c.id]) for c in cases]
    return published, current


def _merged(cases, replan: Plan) -> Plan:
    placements = {c.id: c.current_session_id for c in cases}
    placements.update(replan.placements)
    return Plan(placements, {}, 0.0, 0.0, False, "merged")


def _busiest_draft(sessions, cases) -> int:
    drafts = {s.id for s in sessions if not s.published}
    counts: dict[int, int] = {}
    for case in cases:
        if case.current_session_id in drafts:
            counts[case.current_session_id] = counts.get(case.current_session_id, 0) + 1
    return max(sorted(counts), key=counts.__getitem__)


def test_a_cancelled_session_moves_only_its_own_cases(planned):
    sessions, cases = planned
    cancelled = _busiest_draft(sessions, cases)
    sessions = [replace(s, cancelled=s.id == cancelled) for s in sessions]
    replan = replan_affected(sessions, cases, POLICY, changed_session_ids=[cancelled])
    on_it = {c.id for c in cases if c.current_session_id == cancelled}
    assert on_it and not any(replan.placements[i] == cancelled for i in on_it)
    moved = {
        c.id
        for c in cases
        if c.id in replan.placements and replan.placements[c.id] != c.current_session_id
    }
    # every other draft is held, so only the cancelled session's cases (or unplaced ones) move
    assert moved <= on_it | {c.id for c in cases if c.current_session_id is None}
    assert find_violations(sessions, cases, POLICY, _merged(cases, replan)) == []


def test_only_the_affected_component_is_replanned(planned):
    sessions, cases = planned
    root = site_groups(sessions)
    new_case = replace(cases[0], id=10**6, current_session_id=None, priority="emergent")
    replan = replan_affected(sessions, [*cases, new_case], POLICY, changed_case_ids=[10**6])
    group = root[new_case.site]
    assert 10**6 in replan.placements
    assert {root[c.site] for c in cases if c.id in replan.placements} == {group}
    assert any(root[c.site] != group for c in cases)
    merged = _merged([*cases, new_case], replan)
    assert find_violations(sessions, [*cases, new_case], POLICY, merged) == []


def test_a_lost_specialist_forces_only_the_moves_it_must(planned):
    sessions, cases = planned
    target = _busiest_draft(sessions, cases)
    session = next(s for s in sessions if s.id == target)
    # the whole pathology group is away: the session loses quorum, every case must move
    changed = replace(session, available={**session.available, "pathology": frozenset()})
    sessions = [changed if s.id == target else s for s in sessions]
    replan = replan_affected(sessions, cases, POLICY, changed_session_ids=[target])
    assert not any(sid == target for sid in replan.placements.values())
    assert find_violations(sessions, cases, POLICY, _merged(cases, replan)) == []


def test_sessions_for_case_lists_valid_sessions_best_first(planned):
    sessions, cases = planned
    published = {s.id for s in sessions if s.published}
    target = next(
        c
        for c in cases
        if c.current_session_id is not None and c.current_session_id not in published
    )
    options = sessions_for_case(sessions, cases, POLICY, target.id)
    # its own session is among them, with room (its own minutes do not count against it)
    assert any(o.session_id == target.current_session_id and o.fits_now for o in options)
    fitting = [o for o in options if o.fits_now]
    assert [o.value for o in fitting] == sorted((o.value for o in fitting), reverse=True)
    # putting the case on any session that fits now breaks no rule
    for option in fitting[:5]:
        placements = {c.id: c.current_session_id for c in cases}
        placements[target.id] = option.session_id
        plan = Plan(placements, {}, 0.0, 0.0, False, "suggested")
        assert find_violations(sessions, cases, POLICY, plan) == []
    # and the sessions it leaves out are ones the rules forbid
    offered = {o.session_id for o in options}
    for session in sessions:
        if session.id in offered or target.site not in session.sites:
            continue
        placements = {c.id: c.current_session_id for c in cases}
        placements[target.id] = session.id
        plan = Plan(placements, {}, 0.0, 0.0, False, "forbidden")
        assert any(
            f"case {target.id} at session" in v
            for v in find_violations(sessions, cases, POLICY, plan)
        )


def test_sessions_for_case_refuses_an_unknown_case(planned):
    sessions, cases = planned
    with pytest.raises(ValueError, match="case 999999"):
        sessions_for_case(sessions, cases, POLICY, 999999)
