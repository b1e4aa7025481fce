"""Late and at-risk cases: the engine's verdict on rows, the actions that could fix it."""

import dataclasses
from datetime import date, datetime, timedelta

from board.agendas.models import AgendaItem
from board.agendas.services import OPEN_SESSION_STATUSES, describe
from board.boards.models import Board
from board.cases.models import Case, CaseStatus
from board.common.time import utcnow
from board.extensions import db
from board.planning.engine_input import (
    SCHEDULABLE,
    case_demand,
    default_minutes_by_site,
    engine_policy,
    list_upcoming_sessions,
    session_slots,
)
from board.sessions.models import BoardSession, SessionStatus
from board.sessions.services import configured_holidays, session_local_date
from board.specialists.services import list_specialists
from scheduling import Policy, SessionSlot, is_business_day
from scheduling.lateness import Lateness, assess_lateness

CAUSE_LABELS = {
    "quorum": "quorum",
    "capacity": "capacity",
    "records": "records",
    "notice": "insurer notice",
    "no_session": "no session",
}


@dataclasses.dataclass
class LatenessContext:
    """Everything the verdicts of many cases share, read once."""

    now: datetime
    sessions: dict[int, BoardSession]
    slots: dict[int, SessionSlot]
    items: dict[int, AgendaItem]
    used: dict[int, int]
    minutes: dict[str, int]
    policy: Policy
    holidays: frozenset[date]
    # active boards by name and each board's active members, read once
    boards: list[Board] = dataclasses.field(default_factory=list)
    members: dict[int, list] = dataclasses.field(default_factory=dict)
    # site code -> the sessions (and engine slots) of boards covering it, in time order
    sessions_by_site: dict[str, list[BoardSession]] = dataclasses.field(default_factory=dict)
    slots_by_site: dict[str, list[SessionSlot]] = dataclasses.field(default_factory=dict)

    def index_by_site(self) -> None:
        """Group sessions by the sites their board covers, so a case looks at its own."""
        for session in self.sessions.values():
            for site in session.board.site_codes:
                self.sessions_by_site.setdefault(site, []).append(session)
                self.slots_by_site.setdefault(site, []).append(self.slots[session.id])


def read_lateness_context(now: datetime | None = None) -> LatenessContext:
    """Read the upcoming sessions, who can attend them and what their agendas hold."""
    now = now or utcnow()
    years = range(now.year - 1, now.year + 2)
    members: dict[int, list] = {}
    for person in list_specialists(active=True):
        for board_id in person.board_ids:
            members.setdefault(board_id, []).append(person)
    sessions = list_upcoming_sessions(now)
    by_id = {session.id: session for session in sessions}
    items = {
        item.case_id: item
        for item in db.session.scalars(
            db.select(AgendaItem).where(AgendaItem.session_id.in_(list(by_id)))
        )
    }
    used: dict[int, int] = {}
    for item in items.values():
        used[item.session_id] = used.get(item.session_id, 0) + item.minutes
    context = LatenessContext(
        boards=list(
            db.session.scalars(db.select(Board).where(Board.active.is_(True)).order_by(Board.name))
        ),
        members=members,
        now=now,
        sessions=by_id,
        slots={slot.id: slot for slot in session_slots(sessions, members)},
        items=items,
        used=used,
        minutes=default_minutes_by_site(),
        policy=engine_policy(),
        holidays=configured_holidays(*years),
    )
    context.index_by_site()
    return context


def assess_case_lateness(case: Case, context: LatenessContext) -> Lateness:
    """Whether the case is (or will be) discussed by its decision date, and if not why."""
    if case.status == CaseStatus.WITHDRAWN:
        return Lateness(True, 0, (), "Withdrawn: no decision is due.")
    if case.status in (CaseStatus.DISCUSSED, CaseStatus.CLOSED):
        return held_lateness(case)
    item = context.items.get(case.id)
    demand = case_demand(case, item, context.minutes)
    placed = context.slots.get(item.session_id) if item else None
    used = dict(context.used)
    if item is not None:
        used[item.session_id] -= item.minutes
    return assess_lateness(
        demand,
        placed,
        context.slots_by_site.get(case.site_code, []),
        used,
        context.policy,
        context.now.date(),
        context.holidays,
    )


def held_lateness(case: Case) -> Lateness:
    """A discussed case was on time when its last held session met by the decision date."""
    session = db.session.scalar(
        db.select(BoardSession)
        .join(AgendaItem, AgendaItem.session_id == BoardSession.id)
        .where(AgendaItem.case_id == case.id, BoardSession.status == SessionStatus.HELD)
        .order_by(BoardSession.starts_at.desc())
        .limit(1)
    )
    if session is None:
        return Lateness(True, 0, (), "Discussed.")
    day = session_local_date(session)
    due = case.decision_due_on
    if day <= due:
        return Lateness(True, 0, (), f"Discussed on {day:%d %b}, decision due {due:%d %b}.")
    days = (day - due).days
    return Lateness(
        False, days, (), f"Discussed on {day:%d %b}, {days} days after its decision date."
    )


def fix_actions(case: Case, lateness: Lateness, context: LatenessContext) -> list[dict]:
    """What a coordinator could do: another board's session, more capacity, an ad-hoc one."""
    if lateness.on_time and not lateness.at_risk:
        return []
    if case.status not in SCHEDULABLE:
        return []
    actions: list[dict] = []
    item = context.items.get(case.id)
    current = context.sessions.get(item.session_id) if item else None
    blocked = {entry.session_id: entry for entry in lateness.blocked}
    others = [
        session
        for session in context.sessions_by_site.get(case.site_code, [])
        if session.status in OPEN_SESSION_STATUSES
        and (current is None or session.board_id != current.board_id)
        and (current is None or session.starts_at < current.starts_at)
    ][:2]
    waiting = [entry for entry in lateness.blocked if entry.waits_for_records]
    if waiting and case.status != CaseStatus.SCHEDULED:
        last = waiting[-1]
        actions.append(
            {
                "kind": "records",
                "session_id": last.session_id,
                "text": f"Chase the referring office: {last.detail}; in by "
                f"{last.cutoff:%a} {last.cutoff.day} {last.cutoff:%b} for "
                f"{describe(context.sessions[last.session_id])}",
            }
        )
    for session in others:
        entry = blocked.get(session.id)
        if entry is not None and entry.waits_for_records:
            continue  # the case's own records keep it off there too
        actions.append(
            {
                "kind": "other_board",
                "session_id": session.id,
                "text": f"Place it on {describe(session)}"
                + (f" (now: {entry.detail})" if entry else ""),
            }
        )
    minutes = case.discussion_minutes or context.minutes.get(case.site_code, 5)
    for entry in lateness.blocked:
        if entry.causes == ("capacity",):
            session = context.sessions[entry.session_id]
            needed = context.used.get(session.id, 0) + minutes
            actions.append(
                {
                    "kind": "capacity",
                    "session_id": session.id,
                    "text": f"Raise the capacity of {describe(session)} from "
                    f"{session.capacity_minutes} to {needed} minutes",
                }
            )
            break
    board = current.board if current else first_covering_board(case, context)
    if board is not None and set(lateness.causes) & {"quorum", "capacity", "no_session"}:
        day = first_quorum_day(board, case, context)
        if day is not None:
            actions.append(
                {
                    "kind": "ad_hoc",
                    "session_id": None,
                    "board_id": board.id,
                    "text": f"Add an ad-hoc session of {board.name} on "
                    f"{day:%a} {day.day} {day:%b}: its quorum holds that day",
                }
            )
    return actions


def first_covering_board(case: Case, context: LatenessContext) -> Board | None:
    """The first active board (by name) covering the case's site."""
    return next((board for board in context.boards if case.site_code in board.site_codes), None)


def first_quorum_day(board: Board, case: Case, context: LatenessContext) -> date | None:
    """The first business day from tomorrow to the decision date when the quorum is free."""
    needed = set(board.required_specialty_codes) | set(case.extra_specialty_codes)
    members = context.members.get(board.id, [])
    start = context.now.date() + timedelta(days=1)
    last = max(case.decision_due_on, start + timedelta(days=14))
    day = start
    while day <= last:
        if is_business_day(day, context.holidays):
            present = {m.specialty_code for m in members if not m.is_away_on(day)}
            if needed <= present:
                return day
        day += timedelta(days=1)
    return None


def lateness_fields(lateness: Lateness) -> dict:
    """The verdict as an answer's fields: on_time, days_late, causes, reason."""
    return {
        "on_time": lateness.on_time,
        "at_risk": lateness.at_risk,
        "days_late": lateness.days_late if not lateness.on_time else 0,
        "late_causes": [CAUSE_LABELS[cause] for cause in lateness.causes],
        "timeliness": lateness.reason,
    }


def list_late_cases(context: LatenessContext | None = None) -> list[dict]:
    """Schedulable cases that are late or at risk, most urgent decision first, with fixes."""
    context = context or read_lateness_context()
    cases = db.session.scalars(
        db.select(Case)
        .where(Case.status.in_(SCHEDULABLE))
        .order_by(Case.decision_due_on, Case.submitted_at, Case.id)
    ).all()
    rows = []
    for case in cases:
        lateness = assess_case_lateness(case, context)
        if lateness.on_time and not lateness.at_risk:
            continue
        item = context.items.get(case.id)
        rows.append(
            {
                "case": case,
                "session": context.sessions.get(item.session_id) if item else None,
                "lateness": lateness,
                "actions": fix_actions(case, lateness, context),
            }
        )
    return rows
