"""Whether a case is discussed by its decision date and, when not, by how much and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from scheduling.business_days import records_cutoff
from scheduling.model import CaseDemand, Policy, SessionSlot
from scheduling.problem import session_local_date
from scheduling.reasons import NOTICE_TEXT, _missing_for, format_day

# What can keep a case from an earlier session, in the order a coordinator can act on them.
CAUSES = ("quorum", "capacity", "records", "notice", "no_session")


@dataclass(frozen=True)
class Blocked:
    """One earlier session the case could not use, and why."""

    session_id: int
    day: date
    board_name: str
    causes: tuple[str, ...]
    detail: str
    # the last day records may arrive for this session
    cutoff: date | None = None

    @property
    def waits_for_records(self) -> bool:
        """Whether only the case's own records or notice keep it off, and they may still come."""
        return set(self.causes) <= {"records", "notice"}


@dataclass(frozen=True)
class Lateness:
    """A case's timeliness: on time, or late by `days_late` days for `causes`."""

    on_time: bool
    # days after the decision date; None when no session in the plan could take the case
    days_late: int | None
    causes: tuple[str, ...]
    reason: str
    # on time for now, but not yet placed or placed where it may not stay
    at_risk: bool = False
    blocked: tuple[Blocked, ...] = ()


def _blocked_by(
    case: CaseDemand,
    session: SessionSlot,
    used_minutes: int,
    policy: Policy,
    holidays: frozenset[date],
) -> Blocked | None:
    """Return why a case cannot use a session, or None when it could."""
    day = session_local_date(session)
    causes: list[str] = []
    details: list[str] = []
    missing = _missing_for(session, case, policy)
    if missing:
        causes.append("quorum")
        details.append("no " + ", ".join(missing) + " available")
    if used_minutes + case.minutes > session.capacity_minutes:
        causes.append("capacity")
        details.append(
            f"full ({used_minutes} of {session.capacity_minutes} min used, "
            f"the case needs {case.minutes})"
        )
    cutoff = records_cutoff(day, policy.lead_days_for(session.board_id), holidays)
    if case.ready_on is None:
        if case.blocker.missing_records:
            causes.append("records")
            details.append("records missing: " + ", ".join(case.blocker.missing_records))
        notice = NOTICE_TEXT.get(case.blocker.insurer_notice)
        if notice:
            causes.append("notice")
            details.append(notice)
        if not case.blocker.missing_records and not notice:
            causes.append("records")
            details.append("records or insurer notice not complete")
    elif case.ready_on > cutoff:
        causes.append("records")
        details.append(
            f"records complete on {format_day(case.ready_on)}, after its cutoff of "
            f"{format_day(cutoff)}"
        )
    if not causes:
        return None
    return Blocked(session.id, day, session.board_name, tuple(causes), "; ".join(details), cutoff)


def assess_lateness(
    case: CaseDemand,
    placed_on: SessionSlot | None,
    sessions: Iterable[SessionSlot],
    used_minutes: Mapping[int, int],
    policy: Policy,
    today: date,
    holidays: frozenset[date] = frozenset(),
) -> Lateness:
    """Say whether the case meets its decision date and, if not, by how much and why.

    `sessions` are the upcoming sessions (any board); only those of boards covering the
    case's site count. `used_minutes` are each session's booked minutes without this case.
    """
    due = case.decision_due_on
    covering = sorted(
        (
            s
            for s in sessions
            if case.site in s.sites
            and not s.cancelled
            and (placed_on is None or s.id != placed_on.id)
        ),
        key=lambda s: (s.starts_at, s.id),
    )

    def blocked_before(limit: date) -> tuple[list[Blocked], list[SessionSlot]]:
        """Split the covering sessions from today to `limit` into blocked and open ones."""
        blocked, open_ = [], []
        for session in covering:
            day = session_local_date(session)
            if day < today or day >= limit or session.starts_at <= case.submitted_at:
                continue
            reason = _blocked_by(case, session, used_minutes.get(session.id, 0), policy, holidays)
            (blocked if reason else open_).append(reason or session)
        return blocked, open_

    if placed_on is not None:
        day = session_local_date(placed_on)
        if day <= due:
            return Lateness(
                True, 0, (), f"On time: {format_day(day)}, decision due {format_day(due)}."
            )
        blocked, open_ = blocked_before(day)
        days = (day - due).days
        return _late(days, blocked, open_, f"placed on {format_day(day)}", due)
    blocked, open_ = blocked_before(date.fromordinal(due.toordinal() + 1))
    if open_:
        first = session_local_date(open_[0])
        chances = len(open_)
        return Lateness(
            True,
            0,
            (),
            f"Not placed yet; {open_[0].board_name or 'a session'} on {format_day(first)}"
            + (f" and {chances - 1} more session(s)" if chances > 1 else "")
            + f" could still take it by its decision date ({format_day(due)}).",
            # one chance left: if that session fills or loses quorum, the case is late
            at_risk=chances == 1,
        )
    waiting = [
        item
        for item in blocked
        if case.ready_on is None and item.waits_for_records and item.cutoff >= today
    ]
    if waiting:
        last = waiting[-1]
        return Lateness(
            True,
            0,
            (),
            f"Not placed yet: {last.detail}. They must be in by {format_day(last.cutoff)} "
            f"for {last.board_name or 'the session'} on {format_day(last.day)}, the last "
            f"session by its decision date ({format_day(due)}).",
            at_risk=True,
            blocked=tuple(blocked),
        )
    later = [
        session
        for session in covering
        if session_local_date(session) > due
        and session.starts_at > case.submitted_at
        and _blocked_by(case, session, used_minutes.get(session.id, 0), policy, holidays) is None
    ]
    days = (session_local_date(later[0]) - due).days if later else None
    where = (
        f"the first session that could take it is {format_day(session_local_date(later[0]))}"
        if later
        else "no session in the plan can take it"
    )
    return _late(days, blocked, [], where, due)


def _late(
    days: int | None, blocked: list[Blocked], open_: list[SessionSlot], where: str, due: date
) -> Lateness:
    """Return a late verdict naming every earlier session that could not take the case."""
    if blocked:
        found = {cause for item in blocked for cause in item.causes}
        causes = tuple(cause for cause in CAUSES if cause in found)
        detail = "; ".join(
            f"{item.board_name or 'session'} on {format_day(item.day)}: {item.detail}"
            for item in blocked
        )
    elif open_:
        # Earlier sessions could have taken it: others ranked higher when the plan was made.
        causes = ("capacity",)
        detail = "earlier sessions went to cases with higher priority or earlier decision dates"
    else:
        causes = ("no_session",)
        detail = f"no session of a board covering the site by {format_day(due)}"
    by = f"{days} day{'s' if days != 1 else ''} late" if days is not None else "late"
    reason = f"{by[:1].upper()}{by[1:]}: decision due {format_day(due)}, {where}. Why: {detail}."
    return Lateness(False, days, causes, reason, blocked=tuple(blocked))


def used_minutes_by_session(
    placements: Mapping[int, int | None], minutes: Mapping[int, int]
) -> dict[int, int]:
    """Return each session's booked minutes from case → session placements."""
    used: dict[int, int] = {}
    for case_id, session_id in placements.items():
        if session_id is not None:
            used[session_id] = used.get(session_id, 0) + minutes.get(case_id, 0)
    return used
