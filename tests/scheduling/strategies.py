"""Hypothesis strategies for small random engine instances."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from scheduling import Blocker, CaseDemand, SessionSlot
from tests.scheduling.factories import REQUIRED, at

SITES = ("thoracic", "breast")
SPECIALTIES = sorted(REQUIRED | {"genetics"})
START = date(2025, 12, 1)


@st.composite
def sessions_strategy(draw, max_sessions: int = 4) -> list[SessionSlot]:
    """Draw a few sessions over three weeks, some published, cancelled or short-staffed."""
    count = draw(st.integers(1, max_sessions))
    sessions = []
    for number in range(1, count + 1):
        sites = draw(st.sets(st.sampled_from(SITES), min_size=1, max_size=2))
        available = {}
        for specialty in SPECIALTIES:
            members = draw(st.sets(st.integers(1, 4), max_size=2))
            available[specialty] = frozenset(members)
        day = START + timedelta(days=draw(st.integers(0, 20)))
        sessions.append(
            SessionSlot(
                id=number,
                board_id=draw(st.integers(1, 2)),
                sites=frozenset(sites),
                starts_at=at(day, draw(st.integers(6, 18))),
                capacity_minutes=draw(st.integers(5, 30)),
                available=available,
                required_specialties=frozenset(
                    draw(st.sets(st.sampled_from(SPECIALTIES), max_size=2))
                ),
                max_cases=draw(st.one_of(st.none(), st.integers(0, 3))),
                published=draw(st.booleans()),
                cancelled=draw(st.integers(0, 9)) == 0,
            )
        )
    return sessions


@st.composite
def cases_strategy(draw, session_ids: list[int], max_cases: int = 6) -> list[CaseDemand]:
    """Draw a few cases, some pinned or already placed on one of the given sessions."""
    count = draw(st.integers(1, max_cases))
    cases = []
    for number in range(1, count + 1):
        submitted = (
            START
            - timedelta(days=draw(st.integers(0, 5)))
            + timedelta(days=draw(st.integers(0, 10)))
        )
        ready = draw(
            st.one_of(
                st.none(),
                st.just(submitted),
                st.integers(0, 8).map(lambda days, s=submitted: s + timedelta(days=days)),
            )
        )
        current = draw(st.one_of(st.none(), st.sampled_from(session_ids)))
        kind = draw(st.sampled_from(("board", "board", "individual", "pathology_review")))
        cases.append(
            CaseDemand(
                id=number,
                site=draw(st.sampled_from(SITES)),
                kind=kind,
                priority=draw(st.sampled_from(("routine", "urgent", "emergent"))),
                submitted_at=at(submitted, draw(st.integers(0, 23))),
                decision_due_on=submitted + timedelta(days=draw(st.integers(0, 20))),
                minutes=draw(st.integers(1, 12)),
                ready_on=ready,
                blocker=Blocker() if ready else Blocker(missing_records=("slides",)),
                extra_specialties=frozenset(
                    draw(st.sets(st.sampled_from(SPECIALTIES), max_size=1))
                ),
                requested_specialist_id=draw(st.integers(1, 4)) if kind == "individual" else None,
                current_session_id=current,
                pinned=current is not None and draw(st.integers(0, 3)) == 0,
            )
        )
    return cases


@st.composite
def instances(draw, max_sessions: int = 4, max_cases: int = 6):
    """Draw (sessions, cases) that refer to each other consistently."""
    sessions = draw(sessions_strategy(max_sessions))
    cases = draw(cases_strategy([s.id for s in sessions], max_cases))
    return sessions, cases
