"""Factories for engine inputs: every field has a sensible default, tests override the rest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from scheduling import CaseDemand, SessionSlot

REQUIRED = frozenset({"surgery", "medical_oncology", "radiation_oncology", "pathology"})
# Monday 1 Dec 2025; sessions default to Tuesday 9 Dec, so a 3-day lead means Thursday 4 Dec
MONDAY = date(2025, 12, 1)


def at(day: date, hour: int = 8) -> datetime:
    """Return an aware UTC datetime on a day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def full_panel(extra: dict | None = None) -> dict[str, frozenset[int]]:
    """Return availability with two members in every required specialty."""
    panel = {
        "surgery": frozenset({1, 2}),
        "medical_oncology": frozenset({3, 4}),
        "radiation_oncology": frozenset({5, 6}),
        "pathology": frozenset({7, 8}),
    }
    panel.update(extra or {})
    return panel


def session(**overrides) -> SessionSlot:
    """Return a Thoracic session on Tue 9 Dec 2025 with quorum and 60 minutes."""
    base = SessionSlot(
        id=1,
        board_id=1,
        sites=frozenset({"thoracic"}),
        starts_at=at(date(2025, 12, 9)),
        capacity_minutes=60,
        available=full_panel(),
        required_specialties=REQUIRED,
    )
    return replace(base, **overrides)


def case(**overrides) -> CaseDemand:
    """Return a routine, ready Thoracic board case submitted on Mon 1 Dec 2025."""
    base = CaseDemand(
        id=1,
        site="thoracic",
        kind="board",
        priority="routine",
        submitted_at=at(MONDAY, 9),
        decision_due_on=date(2025, 12, 19),
        minutes=10,
        ready_on=MONDAY,
    )
    return replace(base, **overrides)
