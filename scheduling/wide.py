"""Wide sweep: exact two-session exchanges between every pair of nearby sessions.

The fractional-session windows of the polish only pair a board's unsettled sessions with each
other. A component left far below its LP bound usually needs chains of shifts through settled
sessions and across boards: a long case that can only be on time at one session was displaced
by short cases that could have been on time a week earlier elsewhere. Pairing every session
with the next few sessions of its component (any board) and re-packing each pair exactly lets
such chains form one exchange at a time. Sessions are processed in date order, and a pair is
solved again in a later sweep only when one of its sessions, or the unplaced cases that could
use them, changed since, so the work depends on the input alone, never on the clock (the
deadline only stops it).
"""

from __future__ import annotations

import time

import numpy as np

from scheduling.problem import Component

# placed cases that cannot change session but are worth less than the best unplaced candidate
# take part too, only the cheapest few per session: at 20k x 1000 this is 5-10% faster than
# all of them and within 0.002 points of the bound either way
CHEAPER_PER_SESSION = 4
# cases of one session that could change session and take part in an exchange, at most; a
# 60-120-minute session has fewer, so this only bites on very long sessions
SHARED_PER_SESSION = 32
# largest two-session table (items x minutes x minutes, one byte per cell and option) an
# exchange may allocate; a pair that would need more is left alone (memory stays linear)
EXCHANGE_CELLS = 8_000_000


def two_session_knapsack(
    weights: np.ndarray,
    first_value: np.ndarray,
    second_value: np.ndarray,
    first_capacity: int,
    second_capacity: int,
) -> tuple[float, np.ndarray]:
    """Return the best total value and the choice per item (0 out, 1 first, 2 second).

    A value of -inf means the item cannot go to that session. Exact dynamic programming over
    the minutes left in both sessions, updated in place: both options of an item are computed
    from the table before the item, so it is never taken twice.
    """
    items = weights.size
    shape = (first_capacity + 1, second_capacity + 1)
    best = np.zeros(shape)
    to_first = np.zeros((items,) + shape, dtype=bool)
    to_second = np.zeros((items,) + shape, dtype=bool)
    for item in range(items):
        weight = int(weights[item])
        take_first = np.isfinite(first_value[item]) and weight <= first_capacity
        take_second = np.isfinite(second_value[item]) and weight <= second_capacity
        # a hair below the value, so an equal alternative never counts as better
        if take_first:
            first = best[: first_capacity + 1 - weight, :] + (first_value[item] - 1e-12)
        if take_second:
            second = best[:, : second_capacity + 1 - weight] + (second_value[item] - 1e-12)
        if take_first:
            better = to_first[item, weight:, :]
            np.greater(first, best[weight:, :], out=better)
            np.copyto(best[weight:, :], first, where=better)
        if take_second:
            better = to_second[item, :, weight:]
            np.greater(second, best[:, weight:], out=better)
            np.copyto(best[:, weight:], second, where=better)
    choice = np.zeros(items, dtype=np.int8)
    total = 0.0
    room_first, room_second = first_capacity, second_capacity
    for item in range(items - 1, -1, -1):
        # the second option was tried last, so where it won it beat the first as well
        if to_second[item, room_first, room_second]:
            choice[item] = 2
            room_second -= int(weights[item])
            total += float(second_value[item])
        elif to_first[item, room_first, room_second]:
            choice[item] = 1
            room_first -= int(weights[item])
            total += float(first_value[item])
    return total, choice


class WideSweep:
    """Assignment of one component with per-session look-ups for fast pair exchanges."""

    def __init__(self, component: Component, assignment: np.ndarray, hopefuls: int) -> None:
        self.component = component
        self.assignment = assignment.copy()
        self.hopefuls = hopefuls
        pair_case, pair_session = component.pair_case, component.pair_session
        session_count = component.capacity.size
        self.weights = np.rint(component.minutes).astype(np.int64)
        self.integral = bool(np.allclose(component.minutes, self.weights))
        self.by_session = np.argsort(pair_session, kind="stable")
        self.session_bounds = np.searchsorted(
            pair_session[self.by_session], np.arange(session_count + 1)
        )
        self.by_case = np.argsort(pair_case, kind="stable")
        self.case_bounds = np.searchsorted(
            pair_case[self.by_case], np.arange(component.case_index.size + 1)
        )
        self.version = np.zeros(session_count, dtype=np.int64)
        self._recount()

    def _recount(self) -> None:
        component = self.component
        placed = self.assignment >= 0
        self.used = np.zeros(component.capacity.size)
        np.add.at(self.used, self.assignment[placed], component.minutes[placed])
        self.count = np.zeros(component.capacity.size)
        np.add.at(self.count, self.assignment[placed], 1)

    def replace(self, assignment: np.ndarray) -> None:
        """Take an assignment changed elsewhere, marking the sessions whose cases changed."""
        changed = np.flatnonzero(assignment != self.assignment)
        for case in changed.tolist():
            self._touch(case, int(self.assignment[case]), int(assignment[case]))
        self.assignment = assignment.copy()
        self._recount()

    def _touch(self, case: int, old: int, new: int) -> None:
        if old >= 0:
            self.version[old] += 1
        if new >= 0:
            self.version[new] += 1
        if new < 0:
            # a case back in the unplaced pool can now be offered to every session it fits
            pairs = self.by_case[self.case_bounds[case] : self.case_bounds[case + 1]]
            self.version[self.component.pair_session[pairs]] += 1

    def neighbours(self, reach: int) -> list[tuple[int, int]]:
        """Return pairs of sessions at most `reach` apart in date order that share a case."""
        component = self.component
        session_count = component.capacity.size
        cases_of = [
            set(
                component.pair_case[
                    self.by_session[self.session_bounds[s] : self.session_bounds[s + 1]]
                ].tolist()
            )
            for s in range(session_count)
        ]
        return [
            (first, second)
            for first in range(session_count)
            for second in range(first + 1, min(session_count, first + 1 + reach))
            if not cases_of[first].isdisjoint(cases_of[second])
        ]

    def exchange(self, first: int, second: int) -> bool:
        """Re-pack two sessions exactly with their cases and the best unplaced ones."""
        component = self.component
        pairs = np.concatenate(
            [
                self.by_session[self.session_bounds[first] : self.session_bounds[first + 1]],
                self.by_session[self.session_bounds[second] : self.session_bounds[second + 1]],
            ]
        )
        cases = component.pair_case[pairs]
        sessions = component.pair_session[pairs]
        values = component.pair_value[pairs]
        where = self.assignment[cases]
        at_first = sessions == first
        # the pair through which each placed case in these sessions earns its value now
        current = where == sessions
        case_count = component.case_index.size
        full_room = np.where(
            at_first,
            component.capacity[first] - self.used[first],
            component.capacity[second] - self.used[second],
        )
        full_room = full_room + np.where(
            at_first,
            component.minutes[cases[current & at_first]].sum(),
            component.minutes[cases[current & ~at_first]].sum(),
        )
        hopeful = (where < 0) & (component.minutes[cases] <= full_room + 1e-9)
        hopeful_cases = np.unique(cases[hopeful])
        if hopeful_cases.size > self.hopefuls:
            # many unplaced hopefuls: the best per minute are enough to try
            density = values / np.maximum(component.minutes[cases], 1e-9)
            best = np.zeros(case_count)
            np.maximum.at(best, cases[hopeful], density[hopeful])
            ranked = hopeful_cases[np.lexsort((hopeful_cases, -best[hopeful_cases]))]
            keep = np.zeros(case_count, dtype=bool)
            keep[ranked[: self.hopefuls]] = True
            hopeful &= keep[cases]
        # a placed case takes part when it could change session, or (the cheapest few) when a
        # hopeful is worth more here than it is; the others keep their minutes and stay put
        in_first = np.zeros(case_count, dtype=bool)
        in_first[cases[at_first]] = True
        in_second = np.zeros(case_count, dtype=bool)
        in_second[cases[~at_first]] = True
        best_first = values[hopeful & at_first].max(initial=0.0)
        best_second = values[hopeful & ~at_first].max(initial=0.0)
        shared = current & in_first[cases] & in_second[cases]
        cheaper = current & ~shared & (values < np.where(at_first, best_first, best_second))
        for side in (at_first, ~at_first):
            picks = np.flatnonzero(shared & side)
            if picks.size > SHARED_PER_SESSION:
                # a very long session: the cheapest cases are the ones worth moving
                ranked = picks[np.lexsort((cases[picks], values[picks]))]
                shared[ranked[SHARED_PER_SESSION:]] = False
            picks = np.flatnonzero(cheaper & side)
            if picks.size > CHEAPER_PER_SESSION:
                ranked = picks[np.lexsort((cases[picks], values[picks]))]
                cheaper[ranked[CHEAPER_PER_SESSION:]] = False
        freed = shared | cheaper
        if not freed.any() and not hopeful.any():
            return False
        free_case = np.zeros(case_count, dtype=bool)
        free_case[cases[freed]] = True
        first_room = component.capacity[first] - self.used[first]
        first_room += component.minutes[cases[freed & at_first]].sum()
        second_room = component.capacity[second] - self.used[second]
        second_room += component.minutes[cases[freed & ~at_first]].sum()
        room = np.where(at_first, first_room, second_room)
        fits = component.minutes[cases] <= room + 1e-9
        open_pairs = (free_case[cases] | hopeful) & fits
        if not open_pairs.any():
            return False
        items, local = np.unique(cases[open_pairs], return_inverse=True)
        first_value = np.full(items.size, -np.inf)
        second_value = np.full(items.size, -np.inf)
        open_first = at_first[open_pairs]
        first_value[local[open_first]] = values[open_pairs][open_first]
        second_value[local[~open_first]] = values[open_pairs][~open_first]
        for session, session_value, session_room, session_freed in (
            (first, first_value, first_room, freed & at_first),
            (second, second_value, second_room, freed & ~at_first),
        ):
            # the cases that stay put use up part of the count limit
            staying = self.count[session] - np.count_nonzero(session_freed)
            limit = component.count_limit[session] - staying
            candidates = np.flatnonzero(np.isfinite(session_value))
            if not np.isfinite(limit) or candidates.size <= limit:
                continue
            smallest = np.sort(component.minutes[items[candidates]])
            if np.count_nonzero(np.cumsum(smallest) <= session_room + 1e-9) > limit:
                # a count limit that could bind is beyond the knapsack: leave this pair alone
                return False
        current = self.assignment[items]
        value_now = float(
            first_value[current == first].sum() + second_value[current == second].sum()
        )
        weights = self.weights[items]
        # minutes beyond what the items could use change nothing but the table's size
        first_room = min(
            int(np.floor(first_room + 1e-9)), int(weights[np.isfinite(first_value)].sum())
        )
        second_room = min(
            int(np.floor(second_room + 1e-9)), int(weights[np.isfinite(second_value)].sum())
        )
        if items.size * (first_room + 1) * (second_room + 1) > EXCHANGE_CELLS:
            return False
        value, choice = two_session_knapsack(
            weights, first_value, second_value, first_room, second_room
        )
        if value <= value_now + 1e-7:
            return False
        target = np.where(choice == 1, first, np.where(choice == 2, second, -1))
        for case, new in zip(items.tolist(), target.tolist(), strict=True):
            old = int(self.assignment[case])
            if old == new:
                continue
            self._touch(case, old, new)
            if old >= 0:
                self.used[old] -= component.minutes[case]
                self.count[old] -= 1
            if new >= 0:
                self.used[new] += component.minutes[case]
                self.count[new] += 1
            self.assignment[case] = new
        return True


def sweep_wide(
    component: Component,
    assignment: np.ndarray,
    deadline: float,
    reach: int,
    sweeps: int,
    hopefuls: int,
    between,
) -> np.ndarray:
    """Return the assignment after wide two-session exchanges; never worse than the input.

    `between(assignment)` runs after each sweep (the single-session moves and re-packing) and
    returns the improved assignment.
    """
    state = WideSweep(component, assignment, hopefuls)
    if not state.integral:
        return assignment
    windows = state.neighbours(reach)
    seen: dict[tuple[int, int], tuple[int, int]] = {}
    for sweep in range(sweeps):
        changed = False
        # alternate directions: chains that shift cases earlier form going forward in date,
        # chains that shift them later going backward
        for first, second in windows if sweep % 2 == 0 else windows[::-1]:
            stamp = (int(state.version[first]), int(state.version[second]))
            if seen.get((first, second)) == stamp:
                continue
            if time.monotonic() >= deadline - 0.01:
                return state.assignment
            changed |= state.exchange(first, second)
            seen[(first, second)] = (int(state.version[first]), int(state.version[second]))
        state.replace(between(state.assignment))
        if not changed:
            break
    return state.assignment
