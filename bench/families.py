"""Seeded instance families of four shapes, built apart from `bench/instances.py`.

Each family stresses what a real center can look like and the first generator does not:

- `overloaded`: demand 1.3x capacity, 23% urgent or emergent, most sessions with a case limit.
- `sparse`: a third of sessions miss one specialty; a fifth of cases are individual opinions
  naming a specialist, and each specialist is away in a given week with chance 0.11.
- `long`: a third of cases take 20-45 minutes among 3-5-minute ones (knapsack effects).
- `regional`: a network of 40 boards in 4 time zones, boards covering two or three sites and
  specialists sitting on several boards, so most sites form one large component.

Capacity is scaled after the cases are drawn so that demand (minutes asked of ready cases over
minutes offered) hits each family's load exactly, whatever the size.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.instances import random_submission
from scheduling.model import Blocker, CaseDemand, SessionSlot

FAMILIES = ("overloaded", "sparse", "long", "regional")
SITE_NAMES = (
    "breast",
    "lung",
    "colon",
    "rectum",
    "pancreas",
    "liver",
    "stomach",
    "ovary",
    "uterus",
    "prostate",
    "kidney",
    "bladder",
    "brain",
    "skin",
    "lymphoma",
    "leukemia",
)
CORE = ("surgery", "medical_oncology", "radiation_oncology", "radiology", "pathology")
OPTIONAL = ("genetics", "palliative_care", "nuclear_medicine")
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
START = date(2026, 3, 2)


@dataclass(frozen=True)
class Shape:
    """What one family varies."""

    load: float
    urgent: float
    emergent: float
    count_limited: float
    # share of sessions missing one of their board's specialties
    missing_specialty: float
    individual: float
    # three times the chance that a specialist is away in a given week (`away / 3` is drawn)
    away: float
    long_share: float
    zones: int
    # sites per board: weights for covering 1, 2 or 3 sites
    sites_per_board: tuple[float, float, float]
    meetings_per_week: tuple[int, ...]


SHAPES = {
    "overloaded": Shape(1.3, 0.18, 0.05, 0.7, 0.06, 0.08, 0.1, 0.05, 1, (6, 3, 1), (1,)),
    "sparse": Shape(1.0, 0.15, 0.04, 0.2, 0.33, 0.2, 0.33, 0.05, 1, (6, 3, 1), (1,)),
    "long": Shape(1.1, 0.15, 0.04, 0.2, 0.06, 0.08, 0.1, 0.33, 1, (6, 3, 1), (1,)),
    "regional": Shape(1.05, 0.17, 0.05, 0.3, 0.1, 0.1, 0.15, 0.1, 4, (3, 4, 3), (1, 2, 2, 3)),
}


def _weeks_for(session_count: int, meetings: float, boards_wanted: int | None) -> int:
    if boards_wanted is not None:
        return max(4, round(session_count / (boards_wanted * meetings)))
    return 10 if session_count <= 200 else 16 if session_count <= 500 else 22


def generate_family(family: str, case_count: int, session_count: int, seed: int = 1):
    """Return (sessions, cases) of one family at one size, the same for the same arguments."""
    shape = SHAPES[family]
    rng = random.Random(f"{family}-{case_count}-{session_count}-{seed}")
    mean_meetings = sum(shape.meetings_per_week) / len(shape.meetings_per_week)
    boards_wanted = 40 if family == "regional" else None
    weeks = _weeks_for(session_count, mean_meetings, boards_wanted)
    board_count = boards_wanted or max(8, round(session_count / weeks))
    sites = SITE_NAMES[: max(6, min(len(SITE_NAMES), board_count))]
    # a shared pool per specialty: one radiologist may sit on several boards
    pool_size = {sp: max(3, board_count // 2) for sp in CORE + OPTIONAL}
    specialist_ids = {
        sp: [10_000 * (k + 1) + i for i in range(pool_size[sp])]
        for k, sp in enumerate(CORE + OPTIONAL)
    }
    boards = []
    for number in range(board_count):
        covered = {sites[number % len(sites)]}
        extra = rng.choices((0, 1, 2), weights=shape.sites_per_board)[0]
        while len(covered) < 1 + extra:
            covered.add(rng.choice(sites))
        required = frozenset(CORE[: rng.choice((4, 5, 5))])
        members = {sp: frozenset(rng.sample(specialist_ids[sp], rng.randint(2, 3))) for sp in CORE}
        for sp in OPTIONAL:
            if rng.random() < 0.6:
                members[sp] = frozenset(rng.sample(specialist_ids[sp], rng.randint(1, 2)))
        zone = ZONES[number % shape.zones]
        meetings = rng.choice(shape.meetings_per_week)
        weekdays = sorted(rng.sample(range(5), meetings))
        hour = rng.choice((7, 8, 12, 16, 17))
        base_capacity = rng.choice((60, 75, 90, 120, 150))
        boards.append(
            (number + 1, frozenset(covered), required, members, zone, weekdays, hour, base_capacity)
        )
    # who is away which week: the same person misses every board that week
    everyone = sorted({i for ids in specialist_ids.values() for i in ids})
    away = {week: {i for i in everyone if rng.random() < shape.away / 3} for week in range(weeks)}
    sessions: list[SessionSlot] = []
    for week in range(weeks):
        for board_id, covered, required, members, zone, weekdays, hour, base in boards:
            for weekday in weekdays:
                if len(sessions) >= session_count:
                    break
                day = START + timedelta(weeks=week, days=weekday)
                local = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))
                available = {sp: ids - away[week] for sp, ids in members.items()}
                if rng.random() < shape.missing_specialty:
                    # everyone of one specialty is away (leave, a conference, a strike)
                    optional = sorted(set(available) - set(required))
                    pick = (
                        rng.choice(optional)
                        if optional and rng.random() < 0.6
                        else rng.choice(sorted(required))
                    )
                    available[pick] = frozenset()
                limited = rng.random() < shape.count_limited
                sessions.append(
                    SessionSlot(
                        id=len(sessions) + 1,
                        board_id=board_id,
                        sites=covered,
                        starts_at=local.astimezone(UTC),
                        capacity_minutes=base,
                        available=available,
                        required_specialties=required,
                        max_cases=-1 if limited else None,
                        board_name=f"{family} board {board_id}",
                        time_zone=zone,
                    )
                )
    board_sites = {b[0]: b[1] for b in boards}
    named_by_site: dict[str, list[int]] = {}
    for _board, covered, _req, members, *_rest in boards:
        for site in covered:
            for sp in ("surgery", "medical_oncology", "radiation_oncology"):
                named_by_site.setdefault(site, []).extend(sorted(members[sp]))
    site_weight = [sum(site in board_sites[b] for b in board_sites) + 0.5 for site in sites]
    horizon_days = max(7, (weeks - 2) * 7)
    cases: list[CaseDemand] = []
    for case_id in range(1, case_count + 1):
        site = rng.choices(sites, weights=site_weight)[0]
        submitted = random_submission(rng, START - timedelta(days=10), horizon_days)
        roll = rng.random()
        priority = (
            "emergent"
            if roll < shape.emergent
            else "urgent"
            if roll < shape.emergent + shape.urgent
            else "routine"
        )
        window = {"routine": (10, 35), "urgent": (5, 14), "emergent": (3, 8)}[priority]
        due = submitted.date() + timedelta(days=rng.randint(*window))
        kind, requested = "board", None
        kind_roll = rng.random()
        if kind_roll < shape.individual and named_by_site.get(site):
            kind, requested = "individual", rng.choice(named_by_site[site])
        elif kind_roll < shape.individual + 0.07:
            kind = "pathology_review"
        if rng.random() < shape.long_share:
            minutes = rng.randint(20, 45)
        else:
            minutes = rng.choice((3, 3, 4, 4, 5, 5, 6, 8))
        delay = rng.choice((0, 0, 1) if priority != "routine" else (0, 1, 2, 4, 6, 9))
        ready_on: date | None = submitted.date() + timedelta(days=delay)
        expected, blocker = None, Blocker()
        if rng.random() < 0.04:
            expected, ready_on = ready_on + timedelta(days=rng.randint(2, 10)), None
            blocker = Blocker(missing_records=("imaging",), insurer_notice="sent")
        extra = frozenset({rng.choice(OPTIONAL)}) if rng.random() < 0.08 else frozenset()
        cases.append(
            CaseDemand(
                id=case_id,
                site=site,
                kind=kind,
                priority=priority,
                submitted_at=submitted,
                decision_due_on=due,
                minutes=minutes,
                ready_on=ready_on,
                expected_ready_on=expected,
                blocker=blocker,
                extra_specialties=extra,
                requested_specialist_id=requested,
            )
        )
    return _scale_capacity(sessions, cases, shape, rng), cases


def _scale_capacity(sessions, cases, shape: Shape, rng: random.Random) -> list[SessionSlot]:
    """Scale session minutes so that ready demand over capacity equals the family's load."""
    demand = sum(c.minutes for c in cases if c.ready_on is not None)
    offered = sum(s.capacity_minutes for s in sessions)
    factor = demand / (shape.load * max(1, offered))
    scaled = []
    mean_minutes = demand / max(1, sum(c.ready_on is not None for c in cases))
    for session in sessions:
        capacity = max(15, 5 * round(session.capacity_minutes * factor / 5))
        max_cases = None
        if session.max_cases is not None:
            # a limit that binds about as often as the minutes do
            max_cases = max(2, round(capacity / mean_minutes * rng.uniform(0.8, 1.1)))
        scaled.append(replace(session, capacity_minutes=capacity, max_cases=max_cases))
    return scaled


def perturbations(sessions, cases, placements, seed: int = 1, published_weeks: int = 2):
    """Return {name: (sessions, cases, changed session ids, changed case ids)} for 3 events.

    Every case keeps the plan's placement as its current one; sessions in the first
    `published_weeks` weeks are published.
    """
    rng = random.Random(f"perturb-{seed}")
    first = min(s.starts_at for s in sessions)
    publish_before = first + timedelta(weeks=published_weeks)
    base_sessions = [replace(s, published=s.starts_at < publish_before) for s in sessions]
    base_cases = [replace(c, current_session_id=placements.get(c.id)) for c in cases]
    events = {}
    # a specialist with booked individual opinions takes two weeks of leave
    booked = sorted(
        c.requested_specialist_id
        for c in base_cases
        if c.requested_specialist_id is not None and c.current_session_id is not None
    )
    person = rng.choice(booked) if booked else None
    leave_from = first + timedelta(weeks=rng.randint(0, 3))
    leave_to = leave_from + timedelta(weeks=2)
    on_leave = [
        replace(s, available={sp: ids - {person} for sp, ids in s.available.items()})
        if leave_from <= s.starts_at < leave_to
        else s
        for s in base_sessions
    ]
    changed = [a.id for a, b in zip(on_leave, base_sessions, strict=True) if a != b]
    events["specialist on leave"] = (on_leave, base_cases, changed, [])
    # 5% new cases, drawn like the family's own, half of them urgent or emergent
    next_id = max(c.id for c in cases) + 1
    extra = rng.sample(cases, max(1, len(cases) // 20))
    arrivals = [
        replace(
            c,
            id=next_id + k,
            current_session_id=None,
            priority=c.priority if rng.random() < 0.5 else rng.choice(("urgent", "emergent")),
        )
        for k, c in enumerate(extra)
    ]
    events["5% new cases"] = (base_sessions, base_cases + arrivals, [], [c.id for c in arrivals])
    # one busy draft session is cancelled
    counts: dict[int, int] = {}
    for c in base_cases:
        if c.current_session_id is not None:
            counts[c.current_session_id] = counts.get(c.current_session_id, 0) + 1
    drafts = sorted(
        (sid for sid in counts if not base_sessions[sid - 1].published),
        key=lambda sid: (-counts[sid], sid),
    )
    cancelled = drafts[0] if drafts else None
    events["session cancelled"] = (
        [replace(s, cancelled=True) if s.id == cancelled else s for s in base_sessions],
        base_cases,
        [cancelled] if cancelled is not None else [],
        [],
    )
    return events
