"""Local search that re-packs one session at a time with an exact knapsack over minutes.

Rounding an LP leaves a few minutes idle in many sessions; re-packing each session exactly,
with cases that are unplaced or worth more here than where they sit, recovers most of it.
"""

from __future__ import annotations

import time

import numpy as np

# how many outside cases a session's knapsack considers at most
OUTSIDE_CANDIDATES = 24
# how many of the cases already in a session the knapsack may take out; the rest stay and
# keep their minutes. A 60-120-minute session holds at most about 40 cases, so this only
# bites on very long sessions, where it keeps the table small (memory linear in the input)
INSIDE_CANDIDATES = 48
# largest knapsack table (items x count x minutes, one byte each) a session may allocate
KNAPSACK_CELLS = 16_000_000


def _knapsack(weights: np.ndarray, gains: np.ndarray, capacity: int, count: int) -> np.ndarray:
    """Return a boolean choice maximising total gain within minutes and count limits."""
    items = weights.size
    if count >= items:
        best = np.zeros(capacity + 1)
        take = np.zeros((items, capacity + 1), dtype=bool)
        for i in range(items):
            weight = int(weights[i])
            if weight > capacity:
                continue
            candidate = best[: capacity + 1 - weight] + gains[i]
            better = candidate > best[weight:] + 1e-12
            take[i, weight:] = better
            best[weight:] = np.where(better, candidate, best[weight:])
        chosen = np.zeros(items, dtype=bool)
        room = capacity
        for i in range(items - 1, -1, -1):
            if take[i, room]:
                chosen[i] = True
                room -= int(weights[i])
        return chosen
    best = np.zeros((count + 1, capacity + 1))
    take = np.zeros((items, count + 1, capacity + 1), dtype=bool)
    for i in range(items):
        weight = int(weights[i])
        if weight > capacity:
            continue
        candidate = best[:-1, : capacity + 1 - weight] + gains[i]
        current = best[1:, weight:]
        better = candidate > current + 1e-12
        take[i, 1:, weight:] = better
        best[1:, weight:] = np.where(better, candidate, current)
    chosen = np.zeros(items, dtype=bool)
    room, slots = capacity, count
    for i in range(items - 1, -1, -1):
        if slots > 0 and take[i, slots, room]:
            chosen[i] = True
            room -= int(weights[i])
            slots -= 1
    return chosen


def repack_sessions(
    assignment: np.ndarray,
    pair_case: np.ndarray,
    pair_session: np.ndarray,
    pair_value: np.ndarray,
    minutes: np.ndarray,
    capacity: np.ndarray,
    count_limit: np.ndarray,
    deadline: float,
    passes: int = 4,
) -> np.ndarray:
    """Return an assignment no worse than the given one, improved session by session.

    A case may leave a session when it can move to another session with room (its value there
    counts), so the knapsack also finds "shift one case later to make room" moves.
    """
    state = RepackState(
        assignment, pair_case, pair_session, pair_value, minutes, capacity, count_limit
    )
    for _pass in range(passes):
        improved = False
        for session in range(capacity.size):
            if time.monotonic() >= deadline:
                return state.assignment
            improved |= state.repack(session)
        if not improved:
            break
    return state.assignment


class RepackState:
    """Mutable assignment with the bookkeeping the re-packing moves need."""

    def __init__(
        self, assignment, pair_case, pair_session, pair_value, minutes, capacity, count_limit
    ):
        self.assignment = assignment.copy()
        self.pair_case = pair_case
        self.pair_session = pair_session
        self.pair_value = pair_value
        self.minutes = minutes
        self.int_minutes = np.rint(minutes).astype(np.int64)
        self.value = np.zeros(assignment.size)
        chosen = self.assignment[pair_case] == pair_session
        self.value[pair_case[chosen]] = pair_value[chosen]
        self.remaining = capacity.astype(np.float64).copy()
        self.slots = count_limit.astype(np.float64).copy()
        placed = self.assignment >= 0
        np.subtract.at(self.remaining, self.assignment[placed], minutes[placed])
        np.subtract.at(self.slots, self.assignment[placed], 1)
        self.by_session = np.argsort(pair_session, kind="stable")
        self.session_bounds = np.searchsorted(
            pair_session[self.by_session], np.arange(capacity.size + 1)
        )
        self.by_case = np.argsort(pair_case, kind="stable")
        self.case_bounds = np.searchsorted(pair_case[self.by_case], np.arange(assignment.size + 1))

    def _best_elsewhere(self, case: int, session: int) -> tuple[float, int]:
        """Return the best value and session for a case outside `session`, among those with room."""
        pairs = self.by_case[self.case_bounds[case] : self.case_bounds[case + 1]]
        best, where = 0.0, -1
        need = self.minutes[case]
        for j in pairs.tolist():
            other = self.pair_session[j]
            if other == session:
                continue
            fits = need <= self.remaining[other] + 1e-9 and self.slots[other] >= 1
            if fits and self.pair_value[j] > best:
                best, where = self.pair_value[j], other
        return best, where

    def _move(self, case: int, session: int, value: float) -> None:
        old = self.assignment[case]
        if old >= 0:
            self.remaining[old] += self.minutes[case]
            self.slots[old] += 1
        if session >= 0:
            self.remaining[session] -= self.minutes[case]
            self.slots[session] -= 1
        self.assignment[case] = session
        self.value[case] = value if session >= 0 else 0.0

    def repack(self, session: int) -> bool:
        """Re-pack one session exactly; return True when the total value went up."""
        pairs = self.by_session[self.session_bounds[session] : self.session_bounds[session + 1]]
        if pairs.size == 0:
            return False
        cases = self.pair_case[pairs]
        here = self.assignment[cases] == session
        outside_gain = self.pair_value[pairs] - self.value[cases]
        if not (~here & (outside_gain > 1e-9)).any():
            return False
        alternative = np.zeros(pairs.size)
        for k in np.flatnonzero(here).tolist():
            alternative[k] = self._best_elsewhere(int(cases[k]), session)[0]
        gains = np.where(here, self.pair_value[pairs] - alternative, outside_gain)
        useful = here | (gains > 1e-9)
        outside = np.flatnonzero(useful & ~here)
        if outside.size > OUTSIDE_CANDIDATES:
            # an overloaded session has many hopefuls; the best per minute are enough to try
            density = gains[outside] / np.maximum(self.minutes[cases[outside]], 1e-9)
            keep = outside[np.lexsort((cases[outside], -density))[:OUTSIDE_CANDIDATES]]
            useful = here.copy()
            useful[keep] = True
        inside = np.flatnonzero(useful & here)
        if inside.size > INSIDE_CANDIDATES:
            # a very long session: only the cases earning least per minute here may leave
            density = gains[inside] / np.maximum(self.minutes[cases[inside]], 1e-9)
            stay = inside[np.lexsort((cases[inside], density))[INSIDE_CANDIDATES:]]
            useful[stay] = False
        pairs, cases, gains, here = pairs[useful], cases[useful], gains[useful], here[useful]
        room = int(round(self.remaining[session] + self.minutes[cases[here]].sum()))
        # minutes beyond what all items together need change nothing but the table's size
        room = min(room, int(self.int_minutes[cases].sum()))
        limit = self.slots[session] + here.sum()
        count = int(min(limit, pairs.size)) if np.isfinite(limit) else pairs.size
        cells = pairs.size * (room + 1) * (count + 1 if count < pairs.size else 1)
        if cells > KNAPSACK_CELLS:
            return False
        baseline = float(gains[here].sum())
        pick = _knapsack(self.int_minutes[cases], gains, room, count)
        if float(gains[pick].sum()) <= baseline + 1e-7:
            return False
        before = float(self.value.sum())
        saved = (
            self.assignment.copy(),
            self.value.copy(),
            self.remaining.copy(),
            self.slots.copy(),
        )
        leaving = cases[here & ~pick].tolist()
        for case in leaving:
            self._move(case, -1, 0.0)
        for j, case in zip(pairs[pick & ~here].tolist(), cases[pick & ~here].tolist(), strict=True):
            self._move(case, session, float(self.pair_value[j]))
        # evicted cases take their best other session, best alternatives first
        leaving.sort(key=lambda case: -alternative[np.flatnonzero(cases == case)[0]])
        for case in leaving:
            value, where = self._best_elsewhere(case, session)
            if where >= 0:
                self._move(case, where, value)
        if float(self.value.sum()) <= before + 1e-7:
            self.assignment, self.value, self.remaining, self.slots = saved
            return False
        return True
