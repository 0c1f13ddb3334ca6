"""The chain one unit (a cooperative, or a cooperative group) follows in the exact engine, and
its outcome at a year end.

Chain states: the four classes, dissolved by hazard, removed by a clean-up, a cooperative group
not yet converted, and, with dormancy, dormant (stopped operating). Over a piecewise-constant
period the chain moves by the matrix exponential of its generator; a clean-up (scripted, or a
wave in the years it happens) is a jump matrix at its date.

Outcomes at a year end: classified (alive since before the year), unclassified (founded in the
year, alive), dissolved or removed in the year after being founded before it or in it, gone
before the year (or never founded), a group still in the pool, and, with dormancy, dormant
(founded before the year; a dormant one founded in the year is unclassified, as any
cooperative under 12 months old is).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import expm

from coopsim.model.plan import Period, SimulationPlan

CLASSIFIED = (0, 1, 2, 3)
UNCLASSIFIED = (4, 5, 6, 7)
DISSOLVED_IN_YEAR, REMOVED_IN_YEAR, GONE_BEFORE = 8, 9, 10
FOUNDED_DISSOLVED, FOUNDED_REMOVED, IN_POOL = 11, 12, 13
N_OUTCOMES = 14
FOUNDED = (*UNCLASSIFIED, FOUNDED_DISSOLVED, FOUNDED_REMOVED)
DISSOLVED = (DISSOLVED_IN_YEAR, REMOVED_IN_YEAR, FOUNDED_DISSOLVED, FOUNDED_REMOVED)
REMOVED_ALL = (REMOVED_IN_YEAR, FOUNDED_REMOVED)
#: Outcomes with dormancy only: dormant at the year end, founded before the year or in it.
DORMANT_OLD, DORMANT_YOUNG = 14, 15
N_OUTCOMES_WITH_DORMANCY = 16
# States of the chain: 4 classes, dissolved by hazard, removed by a clean-up, a cooperative
# group not yet converted; with dormancy, dormant after them.
HAZARD_GONE, REMOVED, GROUP = 4, 5, 6
N_STATES = 7
DORMANT_STATE = 7


def _generator(plan: SimulationPlan, period: Period) -> np.ndarray:
    """Generator of the chain in a period: class moves and dissolution, a group's conversion
    into a new cooperative of a class from the entry distribution, and, with dormancy,
    stopping, resuming and a dormant cooperative's dissolution."""
    d = plan.dormancy
    n = N_STATES if d is None else N_STATES + 1
    q = np.zeros((n, n))
    q[:5, :5] = period.hazards.generator()
    if plan.groups is not None:
        q[GROUP, :4] = (
            plan.groups.conversion_per_year * period.conversion_multiplier * plan.entry_distribution
        )
        q[GROUP, GROUP] = -q[GROUP, :4].sum()
    if d is not None:
        for c in range(4):
            q[c, DORMANT_STATE] = d.entry[c]
            q[c, c] -= d.entry[c]
        q[DORMANT_STATE, :4] = d.resume * d.resume_distribution
        q[DORMANT_STATE, HAZARD_GONE] = d.dissolution
        q[DORMANT_STATE, DORMANT_STATE] = -d.exit_rate
    return q


@dataclass
class Chain:
    """The unit's chain over a plan's horizon: transitions between any two times, with the
    clean-ups dated between them and the waves of a given set of years."""

    plan: SimulationPlan
    cuts: list[float] = field(init=False)
    n_states: int = field(init=False)
    n_outcomes: int = field(init=False)

    def __post_init__(self) -> None:
        plan = self.plan
        self.n_states = N_STATES if plan.dormancy is None else N_STATES + 1
        self.n_outcomes = N_OUTCOMES if plan.dormancy is None else N_OUTCOMES_WITH_DORMANCY
        cuts = {float(k) for k in range(plan.n_years + 1)}
        cuts.update(p.start for p in plan.periods)
        cuts.update(c.time for c in plan.cleanups if 0 <= c.time < plan.n_years)
        if plan.waves is not None:
            cuts.update(plan.waves.times(plan.n_years))
        self.cuts = sorted(cuts)
        self._expm_cache: dict[tuple[float, float], np.ndarray] = {}
        self._jump_cache: dict[tuple[float, bool], np.ndarray] = {}

    def period_at(self, t: float) -> Period:
        for period in self.plan.periods:
            if period.start <= t < period.end:
                return period
        return self.plan.periods[-1]

    def generator(self, period: Period) -> np.ndarray:
        return _generator(self.plan, period)

    def _removal_step(self, removal: np.ndarray) -> np.ndarray:
        """One clean-up's transition: each state's cooperatives removed with its probability."""
        step = np.eye(self.n_states)
        for c in range(4):
            step[c, c] = 1 - removal[c]
            step[c, REMOVED] = removal[c]
        if len(removal) > 4:
            step[DORMANT_STATE, DORMANT_STATE] = 1 - removal[4]
            step[DORMANT_STATE, REMOVED] = removal[4]
        return step

    def jump(self, t: float, waves: frozenset[float] = frozenset()) -> np.ndarray:
        """The transition of the clean-ups dated at t, then of a wave at t if it is one of
        `waves` (identity if none; groups untouched)."""
        wave = t in waves
        key = (t, wave)
        if key not in self._jump_cache:
            jump = np.eye(self.n_states)
            for cleanup in self.plan.cleanups:
                if cleanup.time == t:
                    jump = jump @ self._removal_step(cleanup.removal)
            if wave:
                assert self.plan.waves is not None
                jump = jump @ self._removal_step(self.plan.waves.removal)
            self._jump_cache[key] = jump
        return self._jump_cache[key]

    def propagate(
        self, dist: np.ndarray, t0: float, t1: float, waves: frozenset[float] = frozenset()
    ) -> np.ndarray:
        """Carry a distribution (rows over the chain states) from t0 to t1, applying the
        clean-ups dated in [t0, t1) and the waves among `waves` there."""
        if t1 <= t0:
            return dist
        edges = [t for t in self.cuts if t0 < t < t1]
        t = t0
        for end in [*edges, t1]:
            dist = dist @ self.jump(t, waves) @ self.expm(t, end)
            t = end
        return dist

    def expm(self, start: float, end: float) -> np.ndarray:
        """Transition matrix over [start, end), inside one period (cached)."""
        key = (start, end)
        if key not in self._expm_cache:
            q = self.generator(self.period_at(start))
            self._expm_cache[key] = expm(q * (end - start))
        return self._expm_cache[key]

    def outcomes(self, start: np.ndarray, end: np.ndarray, new: bool) -> np.ndarray:
        """Year-end outcome weights from chain states at the year's start and end, for units
        that were cooperatives at the start (new=False) or become ones during the year."""
        out = np.zeros(self.n_outcomes)
        out[list(UNCLASSIFIED if new else CLASSIFIED)] = end[:4]
        out[FOUNDED_DISSOLVED if new else DISSOLVED_IN_YEAR] = end[HAZARD_GONE] - start[HAZARD_GONE]
        out[FOUNDED_REMOVED if new else REMOVED_IN_YEAR] = end[REMOVED] - start[REMOVED]
        out[GONE_BEFORE] = start[HAZARD_GONE] + start[REMOVED]
        out[IN_POOL] = end[GROUP]
        if self.n_states > N_STATES:
            out[DORMANT_YOUNG if new else DORMANT_OLD] = end[DORMANT_STATE]
        return np.clip(out, 0.0, None)

    def unit(self, state: int) -> np.ndarray:
        """A unit surely in `state`."""
        dist = np.zeros(self.n_states)
        dist[state] = 1.0
        return dist


#: The outcome states each count metric adds up without dormancy (outcome_states has a
#: plan's own, dormant included where a plan has dormancy).
COUNT_STATES: dict[str, list[int]] = {
    "cooperatives": [*CLASSIFIED, *UNCLASSIFIED],
    "founded": list(FOUNDED),
    "dissolved": list(DISSOLVED),
    "removed": list(REMOVED_ALL),
    "good": [0],
    "fair": [1],
    "average": [2],
    "weak": [3],
    "unclassified": list(UNCLASSIFIED),
}


def outcome_states(plan: SimulationPlan) -> dict[str, list[int]]:
    """The outcomes each count metric adds up, for this plan's chain: with dormancy a dormant
    cooperative counts in `cooperatives` and `dormant` (or, founded in the year, in
    `unclassified`), in no class."""
    states = {name: list(found) for name, found in COUNT_STATES.items()}
    if plan.dormancy is not None:
        states["cooperatives"] += [DORMANT_OLD, DORMANT_YOUNG]
        states["founded"].append(DORMANT_YOUNG)
        states["unclassified"].append(DORMANT_YOUNG)
        states["dormant"] = [DORMANT_OLD]
    return states
