"""VTIMEZONE components in the yearly-rule form Outlook understands.

icalendar can generate a VTIMEZONE as a list of transition dates; Outlook and some other
clients only read the classic form: one STANDARD and one DAYLIGHT block, each with a yearly
RRULE such as `FREQ=YEARLY;BYMONTH=3;BYDAY=2SU`. We derive those rules from zoneinfo and
check that they reproduce every real transition over the years a feed covers.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
RULE_START_YEAR = 1970


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset, seen in local wall-clock time before the change."""

    local_before: datetime  # naive wall-clock time at which the change happens
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool


def transitions_in(zone: ZoneInfo, year: int) -> list[Transition]:
    """Every offset change of `zone` during `year`, found hour by hour then minute by minute."""
    found = []
    start = datetime(year, 1, 1, tzinfo=UTC)
    previous = start.astimezone(zone).utcoffset()
    instant = start
    while instant.year == year:
        following = instant + timedelta(hours=1)
        offset = following.astimezone(zone).utcoffset()
        if offset != previous:
            exact = instant
            while (exact + timedelta(minutes=1)).astimezone(zone).utcoffset() == previous:
                exact += timedelta(minutes=1)
            exact += timedelta(minutes=1)
            after = exact.astimezone(zone)
            found.append(
                Transition(
                    local_before=(exact + previous).replace(tzinfo=None),
                    offset_from=previous,
                    offset_to=offset,
                    name=after.tzname() or "",
                    is_dst=bool(after.dst()),
                )
            )
            previous = offset
        instant = following
    return found


def weekday_rule(moment: datetime) -> str:
    """BYDAY for the nth (or last) weekday of the month that `moment` falls on."""
    code = WEEKDAYS[moment.weekday()]
    next_week = moment + timedelta(days=7)
    if next_week.month != moment.month:
        return f"-1{code}"
    return f"{(moment.day - 1) // 7 + 1}{code}"


def occurrence(year: int, month: int, byday: str, hour: int, minute: int) -> datetime:
    """The date a BYMONTH/BYDAY yearly rule gives in `year`."""
    ordinal, code = int(byday[:-2]), byday[-2:]
    weekday = WEEKDAYS.index(code)
    if ordinal > 0:
        first = datetime(year, month, 1, hour, minute)
        first += timedelta(days=(weekday - first.weekday()) % 7)
        return first + timedelta(weeks=ordinal - 1)
    following_month = datetime(year + month // 12, month % 12 + 1, 1, hour, minute)
    last = following_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def yearly_rules(zone: ZoneInfo, years: range) -> list[Transition] | None:
    """The zone's two yearly transitions, if one weekday rule reproduces every year in `years`."""
    reference = transitions_in(zone, years.stop - 1)
    if len(reference) != 2:
        return None
    for year in years:
        actual = transitions_in(zone, year)
        if len(actual) != 2:
            return None
        for rule, real in zip(reference, actual, strict=True):
            predicted = occurrence(
                year,
                rule.local_before.month,
                weekday_rule(rule.local_before),
                rule.local_before.hour,
                rule.local_before.minute,
            )
            if predicted != real.local_before or rule.offset_to != real.offset_to:
                return None
    return reference


@lru_cache(maxsize=64)
def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for `tzid` valid for events between `first_year` and `last_year`."""
    zone = ZoneInfo(tzid)
    component = Timezone()
    component.add("tzid", tzid)
    rules = yearly_rules(zone, range(first_year, last_year + 1))
    if rules is not None:
        for rule in rules:
            block = TimezoneDaylight() if rule.is_dst else TimezoneStandard()
            block.add("tzname", rule.name)
            block.add("tzoffsetfrom", rule.offset_from)
            block.add("tzoffsetto", rule.offset_to)
            # DTSTART must itself be an occurrence of the rule (RFC 5545 3.8.5.3).
            block.add(
                "dtstart",
                occurrence(
                    RULE_START_YEAR,
                    rule.local_before.month,
                    weekday_rule(rule.local_before),
                    rule.local_before.hour,
                    rule.local_before.minute,
                ),
            )
            block.add(
                "rrule",
                vRecur(
                    {
                        "freq": "YEARLY",
                        "bymonth": rule.local_before.month,
                        "byday": weekday_rule(rule.local_before),
                    }
                ),
            )
            component.add_component(block)
        return component
    if not any(transitions_in(zone, year) for year in range(first_year, last_year + 1)):
        # No daylight saving in the window: one STANDARD block with the fixed offset.
        moment = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone)
        block = TimezoneStandard()
        block.add("tzname", moment.tzname() or tzid)
        block.add("tzoffsetfrom", moment.utcoffset())
        block.add("tzoffsetto", moment.utcoffset())
        block.add("dtstart", datetime(RULE_START_YEAR, 1, 1))
        component.add_component(block)
        return component
    # Irregular rules (changed mid-window): fall back to one block per real transition.
    for year in range(first_year, last_year + 1):
        for change in transitions_in(zone, year):
            block = TimezoneDaylight() if change.is_dst else TimezoneStandard()
            block.add("tzname", change.name)
            block.add("tzoffsetfrom", change.offset_from)
            block.add("tzoffsetto", change.offset_to)
            block.add("dtstart", change.local_before)
            component.add_component(block)
    return component
