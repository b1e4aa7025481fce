"""Human-actionable reasons for cases the plan leaves without a session."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from scheduling.business_days import records_cutoff
from scheduling.model import CaseDemand, Policy, SessionSlot

SPECIALIST_NOUNS = {
    "medical_oncology": "medical oncologist",
    "radiation_oncology": "radiation oncologist",
    "surgical_oncology": "surgical oncologist",
    "surgery": "surgeon",
    "pathology": "pathologist",
    "radiology": "radiologist",
    "diagnostic_radiology": "radiologist",
    "genetics": "geneticist",
    "palliative_care": "palliative care specialist",
    "nurse_navigation": "nurse navigator",
    "clinical_trials": "trial coordinator",
}

NOTICE_TEXT = {
    "required": "insurer notice not sent yet",
    "sent": "insurer notice pending",
    "denied": "insurer notice denied",
}


def specialist_noun(specialty: str) -> str:
    """Return how a coordinator would name one member of a specialty."""
    return SPECIALIST_NOUNS.get(specialty, f"{specialty.replace('_', ' ')} specialist")


def format_day(day: date) -> str:
    """Return a short date such as '4 Dec'."""
    return f"{day.day} {day:%b}"


def _site_label(site: str) -> str:
    return site[:1].upper() + site[1:]


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


class ReasonWriter:
    """Writes the reason for one unplaced case at a time, remembering each answer.

    A reason depends on the case and the built problem only, never on the plan, so it can be
    written ahead (while the solver works) for the cases that are likely to stay unplaced.
    """

    def __init__(self, problem, policy: Policy, now: datetime | None) -> None:
        self.problem = problem
        self.policy = policy
        self.now = now
        self.by_site: dict[str, list[int]] = defaultdict(list)
        for index, session in enumerate(problem.sessions):
            if not session.cancelled:
                for site in session.sites:
                    self.by_site[site].append(index)
        # sessions are in (starts_at, id) order, so each site's list is sorted by start
        self.starts = {
            site: [problem.sessions[i].starts_at for i in indices]
            for site, indices in self.by_site.items()
        }
        self.cutoffs: dict[int, date] = {}
        self.written: dict[int, str] = {}
        self.missing: dict[tuple, list[str]] = {}

    def cutoff_of(self, index: int) -> date:
        """Return the records cutoff of a session, computed once."""
        if index not in self.cutoffs:
            session = self.problem.sessions[index]
            self.cutoffs[index] = records_cutoff(
                self.problem.session_dates[index],
                self.policy.lead_days_for(session.board_id),
                self.problem.holidays,
            )
        return self.cutoffs[index]

    def missing_of(self, index: int, case: CaseDemand) -> list[str]:
        """Return the specialists session `index` lacks for the case, computed once per kind."""
        key = (index, case.kind, case.extra_specialties, case.requested_specialist_id)
        if key not in self.missing:
            self.missing[key] = _missing_for(self.problem.sessions[index], case, self.policy)
        return self.missing[key]

    def explain(self, case_index: int) -> str:
        """Return the reason a case of the problem is unplaced."""
        if case_index not in self.written:
            case = self.problem.cases[case_index]
            self.written[case_index] = _explain(
                case,
                self.by_site.get(case.site, []),
                self.problem,
                self.policy,
                self.now,
                self.cutoff_of,
                self.starts.get(case.site, []),
                self.missing_of,
            )
        return self.written[case_index]

    def reasons(self, unplaced: Sequence[int]) -> dict[int, str]:
        """Return case id -> reason for the given unplaced case indices."""
        return {self.problem.cases[i].id: self.explain(i) for i in unplaced}


def _missing_for(session: SessionSlot, case: CaseDemand, policy: Policy) -> list[str]:
    """Return the specialists a session lacks for this case, as nouns."""
    missing = []
    for specialty in sorted(session.required_specialties | case.extra_specialties):
        if not session.available.get(specialty):
            missing.append(specialist_noun(specialty))
    if case.kind == "pathology_review" and not session.available.get(policy.pathology_specialty):
        missing.append(specialist_noun(policy.pathology_specialty))
    if case.kind == "individual" and (
        case.requested_specialist_id is None
        or not any(case.requested_specialist_id in ids for ids in session.available.values())
    ):
        missing.append("the requested specialist")
    return list(dict.fromkeys(missing))


def _first_possible(case, candidates, problem, arrival: date, cutoff_of, missing_of) -> date | None:
    """Return the first session date the case could use if it were ready on `arrival`."""
    for index in candidates:
        session = problem.sessions[index]
        if session.starts_at <= case.submitted_at or cutoff_of(index) < arrival:
            continue
        if problem.session_dates[index] < arrival:
            continue
        if case.minutes > session.capacity_minutes:
            continue
        if not missing_of(index, case):
            return problem.session_dates[index]
    return None


def _explain(case, candidates, problem, policy, now, cutoff_of, starts, missing_of):
    """Return the reason one case is unplaced; `starts` are the candidates' start times."""
    site = _site_label(case.site)
    latest = case.decision_due_on + timedelta(days=policy.allowed_lateness_days)
    if not candidates:
        return f"no {site} session is scheduled"
    # candidates are in start order: look only at those after submission and at most two
    # days past the latest day in UTC (a local date is within a day of the UTC one)
    first = bisect.bisect_right(starts, case.submitted_at)
    limit = datetime.combine(latest + timedelta(days=2), time.min, tzinfo=UTC)
    last = bisect.bisect_right(starts, limit)
    in_window = [
        i
        for i in candidates[first:last]
        if problem.sessions[i].starts_at > case.submitted_at and problem.session_dates[i] <= latest
    ]
    if case.ready_on is None:
        parts = []
        if case.blocker.missing_records:
            parts.append("records missing: " + ", ".join(case.blocker.missing_records))
        notice = NOTICE_TEXT.get(case.blocker.insurer_notice)
        if notice:
            parts.append(notice)
        if not parts:
            parts.append("records or insurer notice not complete")
        if case.expected_ready_on is not None:
            arrival = case.expected_ready_on
            when = f"once they arrive (expected {format_day(arrival)})"
        else:
            today = (now or case.submitted_at).date()
            arrival = max(today, case.submitted_at.date())
            when = "once they arrive"
        first = _first_possible(case, candidates, problem, arrival, cutoff_of, missing_of)
        if first is None:
            parts.append(f"{when} no {site} session in the plan could take the case")
        else:
            late = " (after the decision date)" if first > case.decision_due_on else ""
            parts.append(f"{when} the first possible session is {format_day(first)}{late}")
        return "; ".join(parts)
    if not in_window:
        return (
            f"no {site} session between submission and {format_day(latest)} "
            f"(decision due {format_day(case.decision_due_on)})"
        )
    ready = [i for i in in_window if cutoff_of(i) >= case.ready_on]
    if not ready:
        first = _first_possible(case, candidates, problem, case.ready_on, cutoff_of, missing_of)
        text = (
            f"records complete on {format_day(case.ready_on)}, too late for the records lead "
            f"time of every {site} session by {format_day(latest)}"
        )
        if first is not None:
            text += f"; the first possible session is {format_day(first)}"
        return text
    missing_by_session = [missing_of(i, case) for i in ready]
    usable = [i for i, missing in zip(ready, missing_by_session, strict=True) if not missing]
    if not usable:
        common = set(missing_by_session[0]).intersection(*map(set, missing_by_session[1:]))
        if common:
            noun = sorted(common)[0]
            who = noun if noun.startswith("the ") else f"{_article(noun)} {noun}"
            return f"no {site} session by {format_day(latest)} has {who} available"
        wanted = sorted({noun for missing in missing_by_session for noun in missing})
        return (
            f"every {site} session by {format_day(latest)} lacks a needed specialist "
            f"(missing: {', '.join(wanted)})"
        )
    if all(case.minutes > problem.sessions[i].capacity_minutes for i in usable):
        return f"needs {case.minutes} minutes, more than any eligible {site} session holds"
    count = len(usable)
    why = "(cases with higher priority or earlier decision dates took the time)"
    if count == 1:
        return f"the only eligible {site} session by {format_day(latest)} is full {why}"
    return f"all {count} eligible {site} sessions by {format_day(latest)} are full {why}"
