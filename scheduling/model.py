"""Frozen inputs and the plan the engine returns; plain datetimes, no ORM objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Literal

OpinionKind = Literal["board", "individual", "pathology_review"]
Priority = Literal["routine", "urgent", "emergent"]
InsurerNotice = Literal["not_required", "required", "sent", "approved", "denied"]

METHOD_RELAX_AND_FIX = "lp-relax-and-fix"
METHOD_GREEDY_FALLBACK = "greedy-fallback"
METHOD_MIXED = "lp-relax-and-fix+greedy-fallback"
METHOD_EDF = "greedy-edf"
METHOD_VALUE_DENSITY = "greedy-value-density"


def _frozen_mapping(values: Mapping | None = None) -> Mapping:
    """Return a read-only copy so a frozen dataclass cannot be mutated through its mappings."""
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class SessionSlot:
    """One meeting of one board, as the engine sees it."""

    id: int
    board_id: int
    sites: frozenset[str]
    starts_at: datetime
    capacity_minutes: int
    # specialty -> ids of specialists who can attend (already net of time off and declines)
    available: Mapping[str, frozenset[int]] = field(default_factory=_frozen_mapping)
    required_specialties: frozenset[str] = frozenset()
    max_cases: int | None = None
    published: bool = False
    cancelled: bool = False
    board_name: str = ""
    # the board's local zone decides which calendar day the session falls on
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Blocker:
    """Why a case is not ready yet, kept only to write specific reasons."""

    missing_records: tuple[str, ...] = ()
    insurer_notice: InsurerNotice = "not_required"


@dataclass(frozen=True)
class CaseDemand:
    """One request for an opinion that needs a place on some session."""

    id: int
    site: str
    kind: OpinionKind
    priority: Priority
    submitted_at: datetime
    decision_due_on: date
    minutes: int
    # day records are complete AND the insurer notice condition is met; None while unknown
    ready_on: date | None = None
    expected_ready_on: date | None = None
    blocker: Blocker = Blocker()
    extra_specialties: frozenset[str] = frozenset()
    requested_specialist_id: int | None = None
    current_session_id: int | None = None
    pinned: bool = False


DEFAULT_PRIORITY_WEIGHTS = MappingProxyType({"routine": 1.0, "urgent": 3.0, "emergent": 10.0})


@dataclass(frozen=True)
class Policy:
    """Tunable rules and objective weights; defaults suit a typical cancer center."""

    default_lead_business_days: int = 3
    # board id -> records lead time in business days, when a board differs from the default
    lead_business_days: Mapping[int, int] = field(default_factory=_frozen_mapping)
    # a case may be discussed at most this many days after its decision date
    allowed_lateness_days: int = 14
    priority_weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_PRIORITY_WEIGHTS)
    placement_value: float = 100.0
    on_time_value: float = 1000.0
    # value lost per day a discussion waits, times the priority weight
    wait_weight: float = 1.0
    # a draft placement moves only when that gains more than this (150 routine wait-days)
    keep_bonus: float = 150.0
    # the same for event replans (`replan_affected`), which should move as few drafts as
    # possible: 400 moved 4.5% of the drafts after 5% new cases (sparse family, 5k), 150 6.4%
    replan_keep_bonus: float = 400.0
    # tie-break so earlier submissions win among otherwise equal cases; far below one wait-day
    fcfs_epsilon: float = 0.01
    time_limit_seconds: float = 10.0
    holidays: frozenset[date] = frozenset()
    # resolved once per plan through the `holidays` package, merged with `holidays` above
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    pathology_specialty: str = "pathology"
    # run the LP in a killable worker process; turning it off is only for debugging
    isolate_solver: bool = True
    # worker processes solving independent components side by side; None: one per CPU the
    # process may use
    solver_processes: int | None = None
    # spend the time left after every component has its plan on HiGHS MIP started from the
    # plan (stops early where it proves optimality); the only stage whose result depends on
    # the machine, so turn it off for plans that must be reproducible
    polish: bool = True

    def lead_days_for(self, board_id: int) -> int:
        """Return the records lead time in business days for one board."""
        return self.lead_business_days.get(board_id, self.default_lead_business_days)

    def weight_of(self, priority: str) -> float:
        """Return the objective weight of a priority."""
        if priority not in self.priority_weights:
            known = ", ".join(sorted(self.priority_weights))
            raise ValueError(f"unknown priority {priority!r} (known: {known})")
        return float(self.priority_weights[priority])


@dataclass(frozen=True)
class Plan:
    """The engine's answer: a placement or a reason for every case, plus how it was found."""

    placements: Mapping[int, int | None]
    reasons: Mapping[int, str]
    objective: float
    upper_bound: float
    proven_optimal: bool
    method: str
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    total_seconds: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def bound_share(self) -> float:
        """Return the objective as a share of the LP upper bound (1.0 when the bound is 0)."""
        return self.objective / self.upper_bound if self.upper_bound > 0 else 1.0

    def unplaced(self) -> list[int]:
        """Return the ids of cases left without a session, in id order."""
        return sorted(case_id for case_id, sid in self.placements.items() if sid is None)
