"""An independent checker of every hard rule, written apart from the feasibility filter."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_package

from scheduling.model import CaseDemand, Plan, Policy, SessionSlot


def _business_days_between(first: date, last: date, holidays: frozenset[date]) -> int:
    """Count business days d with first <= d < last, the other way round from the engine."""
    count = 0
    day = first
    while day < last:
        if day.weekday() < 5 and day not in holidays:
            count += 1
        day += timedelta(days=1)
    return count


def _local_day(session: SessionSlot) -> date:
    return session.starts_at.astimezone(ZoneInfo(session.time_zone)).date()


def _rule_problems(
    session: SessionSlot, case: CaseDemand, policy: Policy, holidays: frozenset[date]
) -> list[str]:
    """Return every rule a single placement breaks, capacity aside."""
    problems = []
    day = _local_day(session)
    if session.cancelled:
        problems.append("session is cancelled")
    if case.site not in session.sites:
        problems.append(f"session does not cover site {case.site}")
    for specialty in sorted(session.required_specialties):
        if len(session.available.get(specialty, ())) == 0:
            problems.append(f"board lacks quorum: no {specialty}")
    for specialty in sorted(case.extra_specialties):
        if len(session.available.get(specialty, ())) == 0:
            problems.append(f"case needs {specialty}, none available")
    if case.kind == "pathology_review" and not session.available.get(policy.pathology_specialty):
        problems.append("pathology review without a pathologist")
    if case.kind == "individual":
        everyone = set()
        for ids in session.available.values():
            everyone |= set(ids)
        if case.requested_specialist_id not in everyone:
            problems.append("requested specialist not available")
    if case.ready_on is None:
        problems.append("records or notice not ready")
    else:
        lead = policy.lead_business_days.get(session.board_id, policy.default_lead_business_days)
        if case.ready_on > day or _business_days_between(case.ready_on, day, holidays) < lead:
            problems.append(f"ready on {case.ready_on}, less than {lead} business days before")
    if not session.starts_at > case.submitted_at:
        problems.append("session is not after submission")
    if (day - case.decision_due_on).days > policy.allowed_lateness_days:
        problems.append("later than the allowed lateness")
    return problems


def find_violations(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    plan: Plan,
    holidays: frozenset[date] | None = None,
) -> list[str]:
    """Return a description of every hard rule the plan breaks; empty when it is valid."""
    if holidays is None:
        holidays = frozenset(policy.holidays)
        if policy.holiday_country and sessions:
            years = {s.starts_at.year + delta for s in sessions for delta in (-1, 0)}
            holidays |= frozenset(
                holidays_package.country_holidays(
                    policy.holiday_country, subdiv=policy.holiday_subdivision, years=years
                )
            )
    session_by_id = {s.id: s for s in sessions}
    violations: list[str] = []
    case_ids = {c.id for c in cases}
    if set(plan.placements) != case_ids:
        violations.append("plan does not cover exactly the given cases")
    minutes_used: dict[int, int] = defaultdict(int)
    cases_used: dict[int, int] = defaultdict(int)
    pinned_minutes: dict[int, int] = defaultdict(int)
    pinned_cases: dict[int, int] = defaultdict(int)
    for case in cases:
        session_id = plan.placements.get(case.id)
        current = session_by_id.get(case.current_session_id)
        pinned_live = case.pinned and current is not None and not current.cancelled
        if pinned_live and session_id != current.id:
            violations.append(f"case {case.id}: pinned case moved from session {current.id}")
        if session_id is None:
            continue
        session = session_by_id.get(session_id)
        if session is None:
            violations.append(f"case {case.id}: unknown session {session_id}")
            continue
        minutes_used[session_id] += case.minutes
        cases_used[session_id] += 1
        if case.pinned and session_id == case.current_session_id:
            pinned_minutes[session_id] += case.minutes
            pinned_cases[session_id] += 1
            if session.cancelled:
                violations.append(f"case {case.id}: on cancelled session {session_id}")
            continue
        for problem in _rule_problems(session, case, policy, holidays):
            violations.append(f"case {case.id} at session {session_id}: {problem}")
    for session_id, used in sorted(minutes_used.items()):
        session = session_by_id[session_id]
        # pinned cases may overfill a session, but nothing else may be added beyond capacity
        free_minutes = used - pinned_minutes[session_id]
        if free_minutes > max(0, session.capacity_minutes - pinned_minutes[session_id]):
            violations.append(
                f"session {session_id}: {used} minutes booked, capacity {session.capacity_minutes}"
            )
        if session.max_cases is not None:
            free_cases = cases_used[session_id] - pinned_cases[session_id]
            if free_cases > max(0, session.max_cases - pinned_cases[session_id]):
                violations.append(
                    f"session {session_id}: {cases_used[session_id]} cases, limit "
                    f"{session.max_cases}"
                )
    for case in cases:
        current = session_by_id.get(case.current_session_id)
        if case.pinned or current is None or not current.published or current.cancelled:
            continue
        if plan.placements.get(case.id) == current.id:
            continue
        if _rule_problems(current, case, policy, holidays):
            continue
        # a still-valid published placement may only give way when the agenda is full
        room = current.capacity_minutes - minutes_used[current.id]
        slots_left = (
            current.max_cases - cases_used[current.id] if current.max_cases is not None else 1
        )
        if case.minutes <= room and slots_left >= 1:
            violations.append(
                f"case {case.id}: moved off published session {current.id} though still valid"
            )
    return violations
