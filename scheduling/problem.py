"""Turn sessions and cases into feasible (case, session) pairs with their objective values."""

from __future__ import annotations

import math
import numbers
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import get_args
from zoneinfo import ZoneInfo

import numpy as np

from scheduling.business_days import holiday_dates, records_cutoff
from scheduling.model import CaseDemand, OpinionKind, Policy, SessionSlot


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def session_local_date(session: SessionSlot) -> date:
    """Return the calendar day of a session in its board's time zone."""
    return session.starts_at.astimezone(_zone(session.time_zone)).date()


def resolve_holidays(policy: Policy, sessions: Sequence[SessionSlot]) -> frozenset[date]:
    """Return the policy's holidays merged with the country calendar for the sessions' years."""
    if not policy.holiday_country or not sessions:
        return frozenset(policy.holidays)
    years = {s.starts_at.year for s in sessions}
    # a lead time can reach back across New Year
    years |= {year - 1 for year in years}
    country = holiday_dates(policy.holiday_country, years, policy.holiday_subdivision)
    return frozenset(policy.holidays) | country


@dataclass
class Component:
    """An independent sub-problem: sessions linked through shared disease sites, and their cases.

    Indices in `pair_case`/`pair_session` are local to the component; `case_index` and
    `session_index` map them back to the global order.
    """

    case_index: np.ndarray
    session_index: np.ndarray
    pair_case: np.ndarray
    pair_session: np.ndarray
    pair_value: np.ndarray
    minutes: np.ndarray
    capacity: np.ndarray
    # remaining count limit per session; inf means no limit
    count_limit: np.ndarray
    # board of each session: sessions of one board in nearby weeks compete for the same cases
    session_board: np.ndarray
    # pairs that keep a case on its current (draft) session, when known
    pair_kept: np.ndarray | None = None

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Return the pair, minute and limit arrays the greedy, re-packing and LP steps take."""
        return (
            self.pair_case,
            self.pair_session,
            self.pair_value,
            self.minutes,
            self.capacity,
            self.count_limit,
        )

    def value_of(self, assignment: np.ndarray) -> float:
        """Return the objective of a local assignment (session index per case, -1 = unplaced)."""
        chosen = assignment[self.pair_case] == self.pair_session
        return float(self.pair_value[chosen].sum())

    def best_value_sum(self) -> float:
        """Return the sum of each case's best pair value, a bound no plan can beat."""
        best = np.zeros(self.case_index.size)
        np.maximum.at(best, self.pair_case, self.pair_value)
        return float(best.sum())


@dataclass
class Problem:
    """Everything the solvers need, in a deterministic order."""

    sessions: list[SessionSlot]
    cases: list[CaseDemand]
    session_dates: list[date]
    holidays: frozenset[date]
    # case index -> session index for pinned cases and kept published placements
    fixed: dict[int, int]
    fixed_value: float
    pair_case: np.ndarray
    pair_session: np.ndarray
    pair_value: np.ndarray
    minutes: np.ndarray
    capacity: np.ndarray
    count_limit: np.ndarray
    components: list[Component]
    warnings: list[str]
    pair_kept: np.ndarray | None = None


def _specialists_present(session: SessionSlot, specialty: str) -> bool:
    return bool(session.available.get(specialty))


def _requested_present(session: SessionSlot, specialist_id: int) -> bool:
    return any(specialist_id in ids for ids in session.available.values())


def _kind_ok(session: SessionSlot, case: CaseDemand, policy: Policy) -> bool:
    if case.kind == "pathology_review" and not _specialists_present(
        session, policy.pathology_specialty
    ):
        return False
    if case.kind == "individual":
        if case.requested_specialist_id is None:
            return False
        return _requested_present(session, case.requested_specialist_id)
    return True


def pair_is_feasible(
    session: SessionSlot,
    session_date: date,
    cutoff: date,
    board_quorum: bool,
    case: CaseDemand,
    policy: Policy,
) -> bool:
    """Return True when a case may be discussed at a session, capacity aside."""
    if session.cancelled or not board_quorum or case.site not in session.sites:
        return False
    if case.ready_on is None or case.ready_on > cutoff or case.ready_on > session_date:
        return False
    if session.starts_at <= case.submitted_at:
        return False
    if session_date > case.decision_due_on + timedelta(days=policy.allowed_lateness_days):
        return False
    if not all(_specialists_present(session, sp) for sp in case.extra_specialties):
        return False
    return _kind_ok(session, case, policy)


def board_has_quorum(session: SessionSlot) -> bool:
    """Return True when every required specialty of the board has someone available."""
    return all(_specialists_present(session, sp) for sp in session.required_specialties)


def pair_value(
    session: SessionSlot,
    session_date: date,
    case: CaseDemand,
    policy: Policy,
    fcfs_score: float,
    offset_days: float,
    horizon_days: float,
) -> float:
    """Return the objective value of discussing a case at a session.

    Waiting is counted from the start of the horizon, the same for every case, so that
    minimising weighted waiting never favours a later submission over an earlier one; the
    horizon length is added back so every value stays positive.
    """
    weight = policy.weight_of(case.priority)
    value = policy.placement_value + policy.wait_weight * (horizon_days - offset_days)
    if session_date <= case.decision_due_on:
        value += policy.on_time_value
    value *= weight
    if case.current_session_id == session.id:
        value += policy.keep_bonus
    # earlier submissions win a contested slot, and among two placed they take the earlier one
    fraction = offset_days / horizon_days if horizon_days > 0 else 0.0
    return value + policy.fcfs_epsilon * fcfs_score * (1.0 - 0.5 * fraction)


def _fcfs_scores(cases: Sequence[CaseDemand]) -> list[float]:
    count = len(cases)
    if count <= 1:
        return [1.0] * count
    # cases are already sorted by (submitted_at, id): rank 0 is first come
    return [1.0 - rank / (count - 1) for rank in range(count)]


def sort_sessions(sessions: Sequence[SessionSlot]) -> list[SessionSlot]:
    """Return sessions in the engine's canonical order."""
    return sorted(sessions, key=lambda s: (s.starts_at, s.id))


def sort_cases(cases: Sequence[CaseDemand]) -> list[CaseDemand]:
    """Return cases in the engine's canonical (first come first served) order."""
    return sorted(cases, key=lambda c: (c.submitted_at, c.id))


def build_problem(
    sessions: Sequence[SessionSlot],
    cases: Sequence[CaseDemand],
    policy: Policy,
    hold_case_ids: frozenset[int] = frozenset(),
) -> Problem:
    """Build the feasible pairs, fixed placements and independent components.

    Cases in `hold_case_ids` keep their current (draft) session like a published one: fixed
    while still feasible and while it fits, after the published ones.
    """
    sessions = sort_sessions(sessions)
    cases = sort_cases(cases)
    validate_inputs(sessions, cases, policy)
    holidays = resolve_holidays(policy, sessions)
    dates = [session_local_date(s) for s in sessions]
    cutoffs = [
        records_cutoff(d, policy.lead_days_for(s.board_id), holidays)
        for s, d in zip(sessions, dates, strict=True)
    ]
    quorum = [board_has_quorum(s) for s in sessions]
    session_position = {s.id: i for i, s in enumerate(sessions)}
    first_start = min((s.starts_at for s in sessions), default=None)
    horizon_days = (
        (max(s.starts_at for s in sessions) - first_start).total_seconds() / 86400.0
        if sessions
        else 0.0
    )
    fcfs = _fcfs_scores(cases)
    warnings: list[str] = []

    capacity = np.array([s.capacity_minutes for s in sessions], dtype=np.float64)
    # no count limit is an infinite one, so the arithmetic below needs no special case
    count_limit = np.array(
        [np.inf if s.max_cases is None else s.max_cases for s in sessions], dtype=np.float64
    )
    minutes = np.array([c.minutes for c in cases], dtype=np.float64)

    def value_of(ci: int, si: int) -> float:
        """Return the objective value of case `ci` at session `si`."""
        offset = (sessions[si].starts_at - first_start).total_seconds() / 86400.0
        return pair_value(
            sessions[si], dates[si], cases[ci], policy, fcfs[ci], offset, horizon_days
        )

    def feasible(ci: int, si: int) -> bool:
        """Return True when case `ci` may go to session `si`, capacity aside."""
        return pair_is_feasible(sessions[si], dates[si], cutoffs[si], quorum[si], cases[ci], policy)

    fixed, fixed_value = _fix_pinned_and_published(
        sessions,
        cases,
        session_position,
        feasible,
        value_of,
        capacity,
        count_limit,
        warnings,
        hold_case_ids,
    )

    pair_case, pair_session, values, kept = _build_pairs(
        sessions,
        cases,
        policy,
        dates,
        cutoffs,
        quorum,
        fixed,
        capacity,
        count_limit,
        first_start,
        horizon_days,
        fcfs,
    )

    problem = Problem(
        sessions=sessions,
        cases=cases,
        session_dates=dates,
        holidays=holidays,
        fixed=fixed,
        fixed_value=fixed_value,
        pair_case=pair_case,
        pair_session=pair_session,
        pair_value=values,
        pair_kept=kept,
        minutes=minutes,
        capacity=capacity,
        count_limit=count_limit,
        components=[],
        warnings=warnings,
    )
    problem.components = _split_components(problem)
    return problem


def _microseconds(moment) -> int:
    """Return an aware datetime as whole microseconds since the epoch (exact, unlike floats)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _build_pairs(
    sessions,
    cases,
    policy,
    dates,
    cutoffs,
    quorum,
    fixed,
    capacity,
    count_limit,
    first_start,
    horizon_days,
    fcfs,
):
    """Return the feasible (case, session) pairs and their values, case by case in order.

    Vectorised with numpy: per (site, board) the sessions are sorted by date, so each case's
    window of candidate sessions is two binary searches, and every rule of
    `pair_is_feasible` is an array comparison; values follow `pair_value` operation for
    operation, so they are bit for bit the same.
    """
    empty = (
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
        np.zeros(0, dtype=bool),
    )
    if not sessions or not cases:
        return empty
    specialties = sorted(
        {name for s in sessions for name in s.available}
        | {name for c in cases for name in c.extra_specialties}
        | {policy.pathology_specialty}
    )
    bit = {name: index for index, name in enumerate(specialties)}
    # one bit per specialty in Python ints, so any number of specialties works
    present = [sum(1 << bit[name] for name, ids in s.available.items() if ids) for s in sessions]
    case_needs = []
    for case in cases:
        needs = sum(1 << bit[name] for name in case.extra_specialties)
        if case.kind == "pathology_review":
            needs |= 1 << bit[policy.pathology_specialty]
        case_needs.append(needs)
    session_date = np.array([d.toordinal() for d in dates], dtype=np.int64)
    session_cutoff = np.array([d.toordinal() for d in cutoffs], dtype=np.int64)
    session_start = np.array([_microseconds(s.starts_at) for s in sessions], dtype=np.int64)
    usable = np.array([quorum[i] and not s.cancelled for i, s in enumerate(sessions)], dtype=bool)
    usable &= count_limit >= 1
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, session in enumerate(sessions):
        if usable[index]:
            for site in session.sites:
                groups[(site, session.board_id)].append(index)
    by_site: dict[str, list[np.ndarray]] = defaultdict(list)
    for (site, _board), indices in sorted(groups.items()):
        # sessions are already in (starts_at, id) order, so each group is sorted by date
        by_site[site].append(np.array(indices, dtype=np.int64))
    lateness = policy.allowed_lateness_days
    cases_by_site: dict[str, list[int]] = defaultdict(list)
    for ci, case in enumerate(cases):
        if ci not in fixed and case.ready_on is not None:
            cases_by_site[case.site].append(ci)
    chunks_case, chunks_session = [], []
    for site, case_list in cases_by_site.items():
        site_cases = np.array(case_list, dtype=np.int64)
        ready = np.array([cases[i].ready_on.toordinal() for i in case_list], dtype=np.int64)
        latest = np.array(
            [cases[i].decision_due_on.toordinal() + lateness for i in case_list], dtype=np.int64
        )
        for group in by_site.get(site, ()):
            # cutoffs grow with dates within one board because the lead time is the same
            start = np.searchsorted(session_cutoff[group], ready, side="left")
            stop = np.searchsorted(session_date[group], latest, side="right")
            counts = np.maximum(stop - start, 0)
            total = int(counts.sum())
            if total == 0:
                continue
            first = np.repeat(start - np.cumsum(counts) + counts, counts)
            chunks_case.append(np.repeat(site_cases, counts))
            chunks_session.append(group[first + np.arange(total)])
    if not chunks_case:
        return empty
    pair_case = np.concatenate(chunks_case)
    pair_session = np.concatenate(chunks_session)
    ready_on = np.array(
        [c.ready_on.toordinal() if c.ready_on is not None else 0 for c in cases], dtype=np.int64
    )
    submitted = np.array([_microseconds(c.submitted_at) for c in cases], dtype=np.int64)
    minutes = np.array([c.minutes for c in cases], dtype=np.float64)
    keep = (
        (ready_on[pair_case] <= session_cutoff[pair_session])
        & (ready_on[pair_case] <= session_date[pair_session])
        & (session_start[pair_session] > submitted[pair_case])
        & (minutes[pair_case] <= capacity[pair_session])
    )
    pair_case, pair_session = pair_case[keep], pair_session[keep]
    # specialty rules as bit masks; 63 specialties fit one int64, more take Python ints
    if len(specialties) <= 63:
        present_bits = np.array(present, dtype=np.int64)
        needs_bits = np.array(case_needs, dtype=np.int64)
        ok = (needs_bits[pair_case] & ~present_bits[pair_session]) == 0
    else:
        ok = np.array(
            [
                not (case_needs[ci] & ~present[si])
                for ci, si in zip(pair_case.tolist(), pair_session.tolist(), strict=True)
            ],
            dtype=bool,
        )
    # a named specialist must be available at the session: look (session, person) keys up
    individual = np.array([c.kind == "individual" for c in cases], dtype=bool)
    rows = np.flatnonzero(individual[pair_case] & ok)
    if rows.size:
        people = sorted({i for s in sessions for ids in s.available.values() for i in ids})
        person_rank = {person: rank for rank, person in enumerate(people)}
        width = len(people) + 1
        keys = np.array(
            sorted(
                {
                    si * width + person_rank[i]
                    for si, s in enumerate(sessions)
                    for ids in s.available.values()
                    for i in ids
                }
            ),
            dtype=np.int64,
        )
        # an unknown or missing requested specialist gets the rank no one has
        wanted = np.array(
            [person_rank.get(c.requested_specialist_id, len(people)) for c in cases],
            dtype=np.int64,
        )
        row_keys = pair_session[rows] * width + wanted[pair_case[rows]]
        if keys.size:
            found = np.minimum(np.searchsorted(keys, row_keys), keys.size - 1)
            ok[rows] = keys[found] == row_keys
        else:
            ok[rows] = False
    pair_case, pair_session = pair_case[ok], pair_session[ok]
    order = np.lexsort((pair_session, pair_case))
    pair_case, pair_session = pair_case[order], pair_session[order]
    offset = np.array([(s.starts_at - first_start).total_seconds() / 86400.0 for s in sessions])[
        pair_session
    ]
    weight = np.array([policy.weight_of(c.priority) for c in cases])[pair_case]
    due = np.array([c.decision_due_on.toordinal() for c in cases], dtype=np.int64)
    current = np.array(
        [-1 if c.current_session_id is None else c.current_session_id for c in cases],
        dtype=np.int64,
    )
    session_ids = np.array([s.id for s in sessions], dtype=np.int64)
    # the same operations in the same order as pair_value, so values match it exactly
    values = policy.placement_value + policy.wait_weight * (horizon_days - offset)
    on_time = session_date[pair_session] <= due[pair_case]
    values = np.where(on_time, values + policy.on_time_value, values)
    values = values * weight
    kept = current[pair_case] == session_ids[pair_session]
    values = np.where(kept, values + policy.keep_bonus, values)
    fraction = offset / horizon_days if horizon_days > 0 else np.zeros_like(offset)
    fcfs_score = np.array(fcfs)[pair_case]
    values = values + policy.fcfs_epsilon * fcfs_score * (1.0 - 0.5 * fraction)
    return pair_case, pair_session, values.astype(np.float64), kept


OPINION_KINDS = frozenset(get_args(OpinionKind))


def _whole_minutes(value, what: str, allow_zero: bool) -> int:
    """Return a count of minutes or cases as an int, or raise ValueError naming `what`."""
    # minutes are whole numbers everywhere (capacities, knapsacks, the checker): a fraction
    # would be rounded by one step and not by another, which overbooks sessions
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if not math.isfinite(value) or value != int(value):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{what} must be {'non-negative' if allow_zero else 'positive'}")
    return int(value)


def validate_inputs(
    sessions: Sequence[SessionSlot], cases: Sequence[CaseDemand], policy: Policy
) -> None:
    """Raise ValueError, naming the session or case, for any input the engine cannot honour."""
    if len({s.id for s in sessions}) != len(sessions):
        raise ValueError("session ids must be unique")
    if len({c.id for c in cases}) != len(cases):
        raise ValueError("case ids must be unique")
    for priority, weight in policy.priority_weights.items():
        if not (isinstance(weight, numbers.Real) and math.isfinite(weight) and weight >= 0):
            raise ValueError(f"priority weight of {priority!r} must be a non-negative number")
    # naive datetimes would compare by accident of the server's zone: refuse them
    for session in sessions:
        if session.starts_at.tzinfo is None:
            raise ValueError(f"session {session.id}: starts_at must be timezone-aware")
        _whole_minutes(
            session.capacity_minutes, f"session {session.id}: capacity_minutes", allow_zero=True
        )
        if session.max_cases is not None:
            _whole_minutes(session.max_cases, f"session {session.id}: max_cases", allow_zero=True)
    known = ", ".join(sorted(policy.priority_weights))
    kinds = ", ".join(sorted(OPINION_KINDS))
    for case in cases:
        if case.submitted_at.tzinfo is None:
            raise ValueError(f"case {case.id}: submitted_at must be timezone-aware")
        _whole_minutes(case.minutes, f"case {case.id}: minutes", allow_zero=False)
        if case.priority not in policy.priority_weights:
            raise ValueError(f"case {case.id}: unknown priority {case.priority!r} (known: {known})")
        if case.kind not in OPINION_KINDS:
            raise ValueError(f"case {case.id}: unknown kind {case.kind!r} (known: {kinds})")


def _fix_pinned_and_published(
    sessions, cases, session_position, feasible, value_of, capacity, count_limit, warnings, hold
) -> tuple[dict[int, int], float]:
    """Fix pinned cases, then published placements that are still feasible and still fit.

    Capacity and count limits are reduced in place so the solvers only see what is left.
    """
    fixed: dict[int, int] = {}
    fixed_value = 0.0
    published: list[tuple[int, int]] = []
    for ci, case in enumerate(cases):
        si = session_position.get(case.current_session_id)
        if si is None:
            continue
        session = sessions[si]
        if case.pinned:
            if session.cancelled:
                warnings.append(
                    f"case {case.id} was pinned to session {session.id}, which is cancelled; "
                    "it was released"
                )
                continue
            fixed[ci] = si
            fixed_value += value_of(ci, si)
            capacity[si] -= case.minutes
            count_limit[si] -= 1
        elif (session.published or case.id in hold) and feasible(ci, si):
            published.append((ci, si))
    for si, session in enumerate(sessions):
        if capacity[si] < 0 or count_limit[si] < 0:
            warnings.append(
                f"session {session.id} is over capacity with its pinned cases "
                f"({session.capacity_minutes - capacity[si]:.0f} of "
                f"{session.capacity_minutes} minutes, "
                f"limit {session.max_cases if session.max_cases is not None else 'none'} cases)"
            )
    # when a published agenda no longer fits, the higher-priority and earlier cases stay on it
    published.sort(
        key=lambda item: (
            # held drafts only take what the published agendas leave
            not sessions[item[1]].published,
            -_weight_rank(cases[item[0]].priority),
            cases[item[0]].submitted_at,
            cases[item[0]].id,
        )
    )
    for ci, si in published:
        if cases[ci].minutes <= capacity[si] and count_limit[si] >= 1:
            fixed[ci] = si
            fixed_value += value_of(ci, si)
            capacity[si] -= cases[ci].minutes
            count_limit[si] -= 1
    np.maximum(capacity, 0, out=capacity)
    np.maximum(count_limit, 0, out=count_limit)
    return fixed, fixed_value


_PRIORITY_RANK = {"routine": 0, "urgent": 1, "emergent": 2}


def _weight_rank(priority: str) -> int:
    return _PRIORITY_RANK.get(priority, 0)


def site_groups(sessions: Sequence[SessionSlot]) -> dict[str, str]:
    """Return site -> representative site of its group (sites linked by shared sessions)."""
    parent: dict[str, str] = {}

    def find(site: str) -> str:
        """Return the representative site of a site's group."""
        while parent.setdefault(site, site) != site:
            parent[site] = parent[parent[site]]
            site = parent[site]
        return site

    for session in sessions:
        ordered = sorted(session.sites)
        for other in ordered:
            root_a, root_b = find(ordered[0]), find(other)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    return {site: find(site) for site in list(parent)}


def _split_components(problem: Problem) -> list[Component]:
    """Group sessions linked by shared disease sites; each group is solved on its own."""
    if problem.pair_case.size == 0:
        return []
    root = site_groups(problem.sessions)
    session_root = np.array(
        [root[min(s.sites)] if s.sites else "" for s in problem.sessions], dtype=object
    )
    pair_root = session_root[problem.pair_session]
    board = np.array([s.board_id for s in problem.sessions], dtype=np.int64)
    components = []
    for root in sorted(set(pair_root.tolist())):
        mask = pair_root == root
        pc = problem.pair_case[mask]
        ps = problem.pair_session[mask]
        case_index, local_case = np.unique(pc, return_inverse=True)
        session_index, local_session = np.unique(ps, return_inverse=True)
        components.append(
            Component(
                case_index=case_index,
                session_index=session_index,
                pair_case=local_case.astype(np.int64),
                pair_session=local_session.astype(np.int64),
                pair_value=problem.pair_value[mask],
                pair_kept=None if problem.pair_kept is None else problem.pair_kept[mask],
                minutes=problem.minutes[case_index],
                capacity=problem.capacity[session_index],
                count_limit=problem.count_limit[session_index],
                session_board=board[session_index],
            )
        )
    return components
