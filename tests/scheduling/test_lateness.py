"""Lateness: on time, or late by how many days and why (quorum, capacity, records, notice)."""

from datetime import date

import pytest

from scheduling import Blocker, Policy
from scheduling.lateness import assess_lateness
from tests.scheduling.factories import at, case, full_panel, session

TODAY = date(2025, 12, 1)
DUE = date(2025, 12, 10)  # Wednesday
EARLY = session(id=1, starts_at=at(date(2025, 12, 9)))  # Tuesday, cutoff Thu 4 Dec
LATE = session(id=2, starts_at=at(date(2025, 12, 22)))  # Monday, 12 days after the due date


def judge(demand, placed_on, sessions, used=None):
    return assess_lateness(demand, placed_on, sessions, used or {}, Policy(), TODAY)


def test_a_case_placed_by_its_decision_date_is_on_time():
    verdict = judge(case(decision_due_on=DUE), EARLY, [EARLY, LATE])
    assert verdict.on_time is True and verdict.days_late == 0 and verdict.causes == ()


@pytest.mark.parametrize(
    ("early", "demand", "used", "cause", "words"),
    [
        (
            session(
                id=1,
                starts_at=at(date(2025, 12, 9)),
                available=full_panel({"pathology": frozenset()}),
            ),
            case(decision_due_on=DUE),
            {},
            "quorum",
            "no pathologist available",
        ),
        (
            EARLY,
            case(decision_due_on=DUE, minutes=10),
            {1: 55},
            "capacity",
            "full (55 of 60 min used",
        ),
        (
            EARLY,
            case(decision_due_on=DUE, ready_on=date(2025, 12, 5)),
            {},
            "records",
            "after its cutoff of 4 Dec",
        ),
    ],
)
def test_a_late_placement_says_by_how_much_and_which_rule_kept_it_off(
    early, demand, used, cause, words
):
    verdict = judge(demand, LATE, [early, LATE], used)
    assert verdict.on_time is False
    assert verdict.days_late == 12
    assert verdict.causes == (cause,)
    assert verdict.reason.startswith("12 days late: decision due 10 Dec, placed on 22 Dec.")
    assert words in verdict.reason
    assert [blocked.session_id for blocked in verdict.blocked] == [1]


def test_an_unready_case_past_every_cutoff_by_its_date_is_late_for_records_and_notice():
    demand = case(
        decision_due_on=DUE,
        ready_on=None,
        blocker=Blocker(missing_records=("slides",), insurer_notice="sent"),
    )
    verdict = assess_lateness(demand, None, [EARLY, LATE], {}, Policy(), date(2025, 12, 5))
    assert verdict.on_time is False
    assert verdict.causes == ("records", "notice")
    assert verdict.days_late is None
    assert (
        "records missing: slides" in verdict.reason and "insurer notice pending" in verdict.reason
    )


def test_an_unready_case_whose_records_can_still_make_a_cutoff_is_at_risk():
    demand = case(decision_due_on=DUE, ready_on=None, blocker=Blocker(missing_records=("slides",)))
    verdict = judge(demand, None, [EARLY, LATE])
    assert verdict.on_time is True and verdict.at_risk is True
    assert "records missing: slides. They must be in by 4 Dec" in verdict.reason


def test_an_unplaced_case_with_one_chance_left_is_at_risk_not_late():
    verdict = judge(case(decision_due_on=DUE), None, [EARLY, LATE])
    assert verdict.on_time is True and verdict.at_risk is True
    assert "9 Dec" in verdict.reason


def test_an_unplaced_case_with_several_chances_is_on_time():
    other = session(id=3, starts_at=at(date(2025, 12, 10)))
    verdict = judge(case(decision_due_on=DUE), None, [EARLY, other, LATE])
    assert verdict.on_time is True and verdict.at_risk is False
    assert "and 1 more session(s)" in verdict.reason


def test_an_unplaced_case_whose_only_earlier_session_is_full_is_late_by_the_next_one():
    verdict = judge(case(decision_due_on=DUE, minutes=10), None, [EARLY, LATE], {1: 60})
    assert verdict.on_time is False and verdict.days_late == 12
    assert verdict.causes == ("capacity",)


def test_no_session_of_a_covering_board_before_the_placement():
    verdict = judge(case(decision_due_on=DUE), LATE, [LATE])
    assert verdict.causes == ("no_session",) and verdict.days_late == 12
