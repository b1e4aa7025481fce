"""Seeded generator of realistic tumor-board scheduling instances for the benchmark."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from scheduling.model import Blocker, CaseDemand, SessionSlot

SITES = (
    "breast",
    "thoracic",
    "colorectal",
    "upper_gi",
    "hepatobiliary",
    "gynecologic",
    "genitourinary",
    "head_neck",
    "neuro",
    "melanoma",
    "sarcoma",
    "hematologic",
)
# boards that cover two sites tie those sites into one component, as real GI boards do
SHARED_SITES = (("upper_gi", "hepatobiliary"), ("melanoma", "sarcoma"))
REQUIRED = ("surgery", "medical_oncology", "radiation_oncology", "radiology", "pathology")
EXTRA = ("genetics", "palliative_care")
FIRST_MONDAY = date(2025, 1, 6)
MINUTES = (3, 4, 5, 6, 8, 10, 12)
MINUTE_WEIGHTS = (8, 8, 6, 2, 2, 1, 1)
RECORD_KINDS = ("pathology report", "slides", "imaging", "operative notes", "genomic tests")


def _boards_and_weeks(session_count: int) -> tuple[int, int]:
    """Choose boards and weeks so that boards x weeks is close to the session count."""
    weeks = 10 if session_count <= 200 else 20 if session_count <= 500 else 25
    return max(len(SITES), round(session_count / weeks)), weeks


def random_submission(rng: random.Random, first_day: date, days: int) -> datetime:
    """Return a UTC submission time at a random minute of one of `days` days from `first_day`."""
    day = first_day + timedelta(days=rng.randrange(days))
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(
        minutes=rng.randrange(24 * 60)
    )


def generate_instance(case_count: int, session_count: int, seed: int = 1):
    """Return (sessions, cases) for one seeded instance of the given size."""
    rng = random.Random(seed * 1_000_003 + case_count * 7 + session_count)
    board_count, weeks = _boards_and_weeks(session_count)
    boards = []
    specialist_id = 1000
    for number in range(board_count):
        site = SITES[number % len(SITES)]
        sites = {site}
        for pair in SHARED_SITES:
            if site in pair and rng.random() < 0.5:
                sites |= set(pair)
        pools = {}
        for specialty in REQUIRED + EXTRA:
            size = rng.randint(1, 3) if specialty in EXTRA else rng.randint(2, 3)
            pools[specialty] = frozenset(range(specialist_id, specialist_id + size))
            specialist_id += size
        weekday = rng.randint(0, 4)
        hour = rng.choice((7, 8, 12, 16))
        boards.append((number + 1, frozenset(sites), pools, weekday, hour))
    sessions = []
    session_id = 1
    for week in range(weeks):
        for board_id, sites, pools, weekday, hour in boards:
            if len(sessions) >= session_count:
                break
            day = FIRST_MONDAY + timedelta(weeks=week, days=weekday)
            available = dict(pools)
            if rng.random() < 0.08:
                # somebody is away: the board loses one specialty that week
                available[rng.choice(REQUIRED + EXTRA)] = frozenset()
            else:
                # one specialist of a pool may be away without breaking quorum
                specialty = rng.choice(REQUIRED)
                members = sorted(available[specialty])
                if len(members) > 1 and rng.random() < 0.3:
                    available[specialty] = frozenset(members[1:])
            sessions.append(
                SessionSlot(
                    id=session_id,
                    board_id=board_id,
                    sites=sites,
                    starts_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
                    capacity_minutes=rng.choice((60, 75, 90, 90, 105, 120)),
                    available=available,
                    required_specialties=frozenset(REQUIRED),
                    max_cases=rng.choice((None, None, None, 20, 25)),
                    board_name=f"Board {board_id}",
                )
            )
            session_id += 1
    # sessions of each site, to pick a named specialist who actually sits on such a board
    members_by_site: dict[str, list[int]] = {}
    for _board_id, sites, pools, _weekday, _hour in boards:
        for site in sites:
            members = members_by_site.setdefault(site, [])
            for specialty in ("surgery", "medical_oncology", "radiation_oncology"):
                members.extend(sorted(pools[specialty]))
    cases = []
    horizon_days = max(7, (weeks - 3) * 7)
    # referrals follow the centre's capacity: sites with more boards get more cases
    site_weights = [sum(site in sites for _b, sites, *_rest in boards) for site in SITES]
    for case_id in range(1, case_count + 1):
        site = rng.choices(SITES, weights=site_weights)[0]
        submitted = random_submission(rng, FIRST_MONDAY - timedelta(days=7), horizon_days)
        roll = rng.random()
        priority = "routine" if roll < 0.7 else "urgent" if roll < 0.95 else "emergent"
        due_days = {"routine": (14, 28), "urgent": (7, 14), "emergent": (7, 10)}[priority]
        due = submitted.date() + timedelta(days=rng.randint(*due_days))
        kind_roll = rng.random()
        kind = "board"
        requested = None
        if kind_roll < 0.10:
            kind = "individual"
            requested = rng.choice(members_by_site[site])
        elif kind_roll < 0.18:
            kind = "pathology_review"
        # urgent referrals usually arrive with their records; routine ones trickle in
        delays = (0, 0, 1, 2) if priority != "routine" else (0, 1, 2, 3, 5, 7, 10)
        ready_on = submitted.date() + timedelta(days=rng.choice(delays))
        expected = None
        blocker = Blocker()
        if rng.random() < 0.05:
            expected = ready_on + timedelta(days=rng.randint(3, 14))
            ready_on = None
            blocker = Blocker(
                missing_records=(rng.choice(RECORD_KINDS),),
                insurer_notice=rng.choice(("approved", "sent", "required")),
            )
        cases.append(
            CaseDemand(
                id=case_id,
                site=site,
                kind=kind,
                priority=priority,
                submitted_at=submitted,
                decision_due_on=due,
                # most cases take 3-5 minutes, a few complex ones up to 12
                minutes=rng.choices(MINUTES, weights=MINUTE_WEIGHTS)[0],
                ready_on=ready_on,
                expected_ready_on=expected,
                blocker=blocker,
                extra_specialties=frozenset({rng.choice(EXTRA)})
                if rng.random() < 0.05
                else frozenset(),
                requested_specialist_id=requested,
            )
        )
    return sessions, cases


def perturb_for_replanning(sessions, cases, placements, seed: int = 1, published_weeks: int = 2):
    """Return (sessions, cases) after arrivals, withdrawals and lost specialists.

    The first `published_weeks` of sessions are published; every earlier placement becomes the
    current (draft or published) placement of its case.
    """
    rng = random.Random(seed + 99)
    publish_before = FIRST_MONDAY + timedelta(weeks=published_weeks)
    requested_at: dict[int, list[int]] = {}
    for case in cases:
        session_id = placements.get(case.id)
        if session_id is not None and case.requested_specialist_id is not None:
            requested_at.setdefault(session_id, []).append(case.requested_specialist_id)
    new_sessions = []
    for session in sessions:
        available = dict(session.available)
        if rng.random() < 0.03:
            if session.id in requested_at:
                # a named specialist takes leave: the individual opinions booked there must move
                lost = min(requested_at[session.id])
                available = {name: ids - {lost} for name, ids in available.items()}
            else:
                # otherwise a member of the thinnest required specialty cancels
                specialty = min(REQUIRED, key=lambda name: (len(available.get(name, ())), name))
                members = sorted(available.get(specialty, ()))
                available[specialty] = frozenset(members[1:])
        new_sessions.append(
            replace(
                session,
                available=available,
                published=session.starts_at.date() < publish_before,
            )
        )
    kept = [
        replace(case, current_session_id=placements.get(case.id))
        for case in cases
        if rng.random() >= 0.02
    ]
    extra_sessions, extra_cases = generate_instance(
        max(1, round(len(cases) * 0.05)), len(sessions), seed=seed + 7
    )
    next_id = max(case.id for case in cases) + 1
    for offset, case in enumerate(extra_cases):
        priority = case.priority if rng.random() < 0.5 else rng.choice(("urgent", "emergent"))
        kept.append(replace(case, id=next_id + offset, priority=priority))
    return new_sessions, kept
