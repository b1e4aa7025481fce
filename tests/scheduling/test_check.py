"""The checker itself must catch broken plans."""

from datetime import date

import pytest

from scheduling import Policy, find_violations
from scheduling.model import Plan
from tests.scheduling.factories import at, case, full_panel, session

POLICY = Policy()


def plan_of(placements):
    return Plan(placements, {}, 0.0, 0.0, False, "hand-made")


@pytest.mark.parametrize(
    ("sessions", "cases", "placements", "message"),
    [
        ([session(cancelled=True)], [case()], {1: 1}, "cancelled"),
        ([session(sites=frozenset({"breast"}))], [case()], {1: 1}, "does not cover"),
        (
            [session(available=full_panel({"surgery": frozenset()}))],
            [case()],
            {1: 1},
            "quorum",
        ),
        ([session()], [case(extra_specialties=frozenset({"genetics"}))], {1: 1}, "genetics"),
        (
            [session(available=full_panel({"pathology": frozenset()}))],
            [case(kind="pathology_review")],
            {1: 1},
            "pathologist",
        ),
        ([session()], [case(kind="individual", requested_specialist_id=42)], {1: 1}, "requested"),
        ([session()], [case(ready_on=None)], {1: 1}, "not ready"),
        ([session()], [case(ready_on=date(2025, 12, 5))], {1: 1}, "business days"),
        ([session()], [case(submitted_at=at(date(2025, 12, 9), 9))], {1: 1}, "submission"),
        ([session()], [case(decision_due_on=date(2025, 11, 20))], {1: 1}, "lateness"),
        ([session()], [case(), case(id=2, minutes=51)], {1: 1, 2: 1}, "capacity"),
        ([session(max_cases=1)], [case(), case(id=2)], {1: 1, 2: 1}, "limit"),
        (
            [session(), session(id=2, starts_at=at(date(2025, 12, 16)))],
            [case(pinned=True, current_session_id=2)],
            {1: 1},
            "pinned",
        ),
        (
            [session(published=True), session(id=2, starts_at=at(date(2025, 12, 16)))],
            [case(current_session_id=1)],
            {1: 2},
            "published",
        ),
        ([session()], [case()], {}, "exactly"),
    ],
)
def test_checker_reports_broken_rule(sessions, cases, placements, message):
    violations = find_violations(sessions, cases, POLICY, plan_of(placements))
    assert any(message in v for v in violations), violations


def test_checker_accepts_a_valid_plan():
    assert find_violations([session()], [case()], POLICY, plan_of({1: 1})) == []
