"""Pure scheduling engine: frozen inputs, a plan out; never imports Flask, SQLAlchemy or board."""

from scheduling.business_days import holiday_dates, is_business_day, records_cutoff
from scheduling.check import find_violations
from scheduling.engine import (
    SessionOption,
    greedy_edf,
    greedy_value_density,
    plan_schedule,
    replan_affected,
    sessions_for_case,
)
from scheduling.model import Blocker, CaseDemand, Plan, Policy, SessionSlot

__all__ = [
    "Blocker",
    "CaseDemand",
    "Plan",
    "Policy",
    "SessionOption",
    "SessionSlot",
    "find_violations",
    "greedy_edf",
    "greedy_value_density",
    "holiday_dates",
    "is_business_day",
    "plan_schedule",
    "records_cutoff",
    "replan_affected",
    "sessions_for_case",
]
