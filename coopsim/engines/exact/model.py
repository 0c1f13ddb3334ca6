"""The exact engine: closed-form distributions for scenarios whose cooperatives are independent.

Every cooperative follows the same continuous-time chain (engines.exact.chain), so at a year
end each one is in one of a few outcome states -- a latent class (classified, or unclassified if
founded that year), dormant, dissolved by hazard during the year, removed by a clean-up during
the year, or gone earlier -- with probabilities from matrix exponentials of the generator over
the piecewise-constant periods, with clean-ups as jump matrices. A cooperative group is one more
kind of independent unit: the chain has a transient "group" state that it leaves at the
conversion hazard for the entry distribution over classes, so the same exponentials say whether
a group is still in the pool at a year end or converted (that year, founding an unclassified
cooperative, or earlier).

The starting stock and the starting pool of groups contribute multinomial counts over the
outcomes; groups joining the pool at a year's start, Poisson counts; the cooperatives founded
directly in a year, Poisson counts given that year's gamma founding factor, so negative
multinomial counts unconditionally. Sums of independent sources have a product of
characteristic functions; one inverse FFT on a window around the mean gives the exact pmf of a
count, or the joint pmf of two (for shares, where engines.exact.shares takes the transform
only at the frequencies that are not negligible and reads the share off cumulative sums).

Clean-up waves make cooperatives dependent (one wave removes many at once), but given which
years have a wave they are independent again. So year k's distributions are a mixture over
the 2^(k+1) combinations of waves in years 0..k (each weighted by its probability): each
combination's pmf is computed as above on its own window and the pmfs are added on the union
of the windows. The cost doubles with each year; beyond MAX_WAVE_YEARS simulated years the
engine refuses and the fast engine runs the scenario instead.

Not supported (they couple cooperatives through capacity and budget): support programmes.
Members are not computed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from coopsim.engines.exact.background import Submit, second_thread
from coopsim.engines.exact.chain import (
    CLASSIFIED,
    DISSOLVED,
    DORMANT_OLD,
    DORMANT_YOUNG,
    FOUNDED,
    GROUP,
    IN_POOL,
    N_OUTCOMES,
    REMOVED_ALL,
    UNCLASSIFIED,
    Chain,
    outcome_states,
)
from coopsim.engines.exact.founding import founding_pmf
from coopsim.engines.exact.shares import (
    ShareDistribution,
    ratio_mean,
    share_joint_pmf,
    spectral_share,
)
from coopsim.engines.exact.sources import (
    OutcomeSource,
    count_pmfs,
    joint_pmf,
    mixture_part_pmf,
    weighted_pmf,
)
from coopsim.model.occupancy import integral_of_expm
from coopsim.model.plan import SimulationPlan

__all__ = [
    "CLASSIFIED",
    "DISSOLVED",
    "DORMANT_OLD",
    "DORMANT_YOUNG",
    "FOUNDED",
    "IN_POOL",
    "MAX_WAVE_YEARS",
    "N_OUTCOMES",
    "REMOVED_ALL",
    "UNCLASSIFIED",
    "ExactModel",
    "check_supported",
    "unsupported_features",
]

#: Thresholds a/b with a larger b are evaluated on the joint distribution instead.
MAX_LATTICE_DENOMINATOR = 20
#: The most simulated years over which the exact engine mixes clean-up waves: year k's
#: distributions mix 2^(k+1) combinations of wave years, so the cost doubles every year
#: (about 2^(n+1) pmfs per metric over n years; see docs/guide/model.md).
MAX_WAVE_YEARS = 8


def _mixes_waves(plan: SimulationPlan) -> bool:
    """Whether a plan's waves happen with a probability strictly between 0 and 1."""
    return plan.waves is not None and 0 < plan.waves.probability < 1


def unsupported_features(plan: SimulationPlan) -> list[str]:
    """Scenario features the exact engine cannot handle (empty when it can)."""
    found = []
    if plan.origin is not None:
        found.append(
            "a start at a dated report (each replicate starts from its own draw of the state "
            "given the report)"
        )
    if plan.programmes:
        found.append("support programmes (they couple cooperatives through capacity and budget)")
    if _mixes_waves(plan) and plan.n_years > MAX_WAVE_YEARS:
        found.append(
            f"clean-up waves over {plan.n_years} simulated years (the exact engine mixes "
            f"every combination of wave years, 2^years of them, for at most "
            f"{MAX_WAVE_YEARS} years)"
        )
    return found


@dataclass(frozen=True)
class Branch:
    """One combination of wave years up to a year: its probability, and that year's sources
    given it."""

    weight: float
    sources: list[OutcomeSource]


def check_supported(plan: SimulationPlan) -> None:
    """ValueError naming every feature of the plan the exact engine cannot handle."""
    problems = unsupported_features(plan)
    if problems:
        raise ValueError("the exact engine does not support " + "; ".join(problems))


class ExactModel:
    """Year-end outcome distributions of a plan, computed once; metrics are read off them."""

    def __init__(self, plan: SimulationPlan) -> None:
        check_supported(plan)
        self.plan = plan
        self.chain = Chain(plan)
        self.n_outcomes = self.chain.n_outcomes
        #: The outcome states each count metric adds up.
        self.states = outcome_states(plan)
        self._entrants: dict[tuple[int, bool], np.ndarray] = {}
        self._founded: dict[tuple[float, float | None], tuple[np.ndarray, np.ndarray]] = {}
        self._carried: dict[tuple, np.ndarray] = {}
        self.branches = [self._branches(k) for k in range(plan.n_years)]
        self.founding_means = [
            self._founding_weight(k) * plan.founding_mean_per_year for k in range(plan.n_years)
        ]
        #: Where shares' cumulative sums are worked out (None: here, at once).
        self.submit: Submit | None = None

    @contextmanager
    def shares_on_second_thread(self) -> Iterator[None]:
        """Inside, a share's cumulative sums are worked out on a second thread while this one
        goes on (engines.exact.background: the same numbers); all done on exit."""
        with second_thread() as submit:
            self.submit = submit
            try:
                yield
            finally:
                self.submit = None

    # -- the chain over time --------------------------------------------------------------
    def propagate(
        self, dist: np.ndarray, t0: float, t1: float, waves: frozenset[float] = frozenset()
    ) -> np.ndarray:
        """Carry a distribution over the chain states from t0 to t1 (see Chain.propagate)."""
        return self.chain.propagate(dist, t0, t1, waves)

    def _founding_weight(self, k: int) -> float:
        """Integral of the founding multiplier over year k."""
        return sum(
            p.founding_multiplier * max(0.0, min(k + 1, p.end) - max(k, p.start))
            for p in self.plan.periods
        )

    def _wave_histories(self, k: int) -> list[tuple[float, frozenset[float]]]:
        """(probability, wave times) of each combination of waves in years 0..k."""
        waves = self.plan.waves
        if waves is None:
            return [(1.0, frozenset())]
        if not _mixes_waves(self.plan):  # a wave every year
            return [(1.0, frozenset(waves.times(k + 1)))]
        p = waves.probability
        histories = []
        for flags in itertools.product((False, True), repeat=k + 1):
            n = sum(flags)
            times = frozenset(waves.time(j) for j, wave in enumerate(flags) if wave)
            histories.append((p**n * (1 - p) ** (k + 1 - n), times))
        return histories

    def _carry(
        self, unit: tuple, start: np.ndarray, t0: int, t: int, waves: frozenset[float]
    ) -> np.ndarray:
        """Chain states at year start t of a unit in `start` at year start t0 <= t, carried a
        year at a time and kept on (unit, t, the waves before t): the products of one
        Chain.propagate from t0 to t in the same order (it cuts at every year start), so the
        same numbers, each year's made once for all the years after it."""
        if t <= t0:
            return start
        key = (unit, t, frozenset(w for w in waves if w < t) if waves else waves)
        if key not in self._carried:
            before = self._carry(unit, start, t0, t - 1, waves)
            self._carried[key] = self.chain.propagate(before, float(t - 1), float(t), waves)
        return self._carried[key]

    def _branches(self, k: int) -> list[Branch]:
        return [Branch(w, self._sources(k, times)) for w, times in self._wave_histories(k)]

    def _entrants_at_year_end(self, j: int, waves: frozenset[float]) -> np.ndarray:
        """Expected chain states at the end of year j of the cooperatives founded in it, per unit
        of founding intensity (unnormalised: total = the year's founding weight), given the
        waves (only year j's matters; cached on it)."""
        plan_waves = self.plan.waves
        this_year = frozenset({plan_waves.time(j)}) & waves if plan_waves else frozenset()
        key = (j, bool(this_year))
        if key in self._entrants:
            return self._entrants[key]
        chain = self.chain
        entry = np.zeros(chain.n_states)
        entry[:4] = self.plan.entry_distribution
        edges = [t for t in chain.cuts if j < t < j + 1]
        total = np.zeros(chain.n_states)
        t = float(j)
        for end in [*edges, float(j + 1)]:
            period = chain.period_at(t)
            q = chain.generator(period)
            founded = period.founding_multiplier * entry @ integral_of_expm(q, end - t)
            total = total + chain.propagate(founded, end, float(j + 1), this_year)
            t = end
        self._entrants[key] = total
        return total

    def _group_outcomes(self, joined: float, k: int, waves: frozenset[float]) -> np.ndarray:
        """Year-end (k) outcome probabilities of a group in the pool at time `joined`: still a
        group, converted during year k, or converted earlier and followed since."""
        chain = self.chain
        start = self._carry(("group", joined), chain.unit(GROUP), int(joined), k, waves)
        pooled = np.zeros(chain.n_states)
        pooled[GROUP] = start[GROUP]
        converted = start - pooled
        return chain.outcomes(
            converted, chain.propagate(converted, float(k), float(k + 1), waves), False
        ) + chain.outcomes(pooled, chain.propagate(pooled, float(k), float(k + 1), waves), True)

    def _sources(self, k: int, waves: frozenset[float]) -> list[OutcomeSource]:
        """The independent sources of year k's outcomes, given the waves that happen."""
        chain = self.chain
        sources = []
        stock = self.plan.initial.latent
        for c in range(4):
            if stock[c] == 0:
                continue
            start = self._carry(("stock", c), chain.unit(c), 0, k, waves)
            end = self._carry(("stock", c), chain.unit(c), 0, k + 1, waves)
            sources.append(OutcomeSource(chain.outcomes(start, end, False), int(stock[c])))
        mean = self.plan.founding_mean_per_year
        for j in range(k + 1):
            at_end_j = self._entrants_at_year_end(j, waves)
            if j == k:
                outcome = chain.outcomes(np.zeros(chain.n_states), at_end_j, True)
            else:
                start = self._carry(("founded", j), at_end_j, j + 1, k, waves)
                end = self._carry(("founded", j), at_end_j, j + 1, k + 1, waves)
                outcome = chain.outcomes(start, end, False)
            sources.append(OutcomeSource(means=mean * outcome, shape=self.plan.founding_dispersion))
        groups = self.plan.groups
        if groups is not None:
            if groups.initial_pool > 0:
                outcome = self._group_outcomes(0.0, k, waves)
                sources.append(OutcomeSource(outcome, groups.initial_pool))
            if groups.new_groups_per_year > 0:
                for j in range(1, k + 1):  # Poisson(new_groups_per_year) join at each year start
                    outcome = self._group_outcomes(float(j), k, waves)
                    sources.append(OutcomeSource(means=groups.new_groups_per_year * outcome))
        return sources

    # -- distributions --------------------------------------------------------------------
    def _indicator(self, states: list[int]) -> np.ndarray:
        x = np.zeros(self.n_outcomes)
        x[states] = 1
        return x

    def count_pmf(self, k: int, states: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Exact pmf of the number of cooperatives in the given outcome states at the end of
        year k: (values, probabilities)."""
        xs, _, pmf = self._pmf(k, self._indicator(states), None)
        return xs, pmf[:, 0]

    def count_pmfs(self, k: int, states: list[list[int]]) -> list[tuple[np.ndarray, np.ndarray]]:
        """count_pmf for each set of states, transformed together where year k has one branch
        (sources.count_pmfs: the same numbers)."""
        branches = self.branches[k]
        if len(branches) > 1:
            return [self.count_pmf(k, found) for found in states]
        found = count_pmfs(branches[0].sources, [self._indicator(s) for s in states])
        return [(xs, pmf[:, 0]) for xs, _, pmf in found]

    def share_distribution(
        self, k: int, numerator: list[int], rest: list[int]
    ) -> ShareDistribution:
        """Exact distribution of X / (X + Y) at the end of year k, X counting `numerator`
        states and Y `rest` (engines.exact.shares); outcomes with X + Y = 0 are left out."""
        x, y = self._indicator(numerator), self._indicator(rest)
        branches = self.branches[k]
        if len(branches) == 1:
            return spectral_share(branches[0].sources, x, y, self.submit)
        parts = _merged(branches, x, y)
        mean = sum(w * ratio_mean(sources, x, y) for w, sources in parts)
        mean /= sum(w for w, _ in parts)
        return ShareDistribution(*self._pmf(k, x, y), mean)

    def ratio_pmf(
        self, k: int, numerator: list[int], rest: list[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact distribution of X / (X + Y), X counting `numerator` states and Y `rest`:
        (sorted distinct values, probabilities); outcomes with X + Y = 0 are left out."""
        values, probs = self.share_distribution(k, numerator, rest)
        return values, probs

    def share_probability(
        self, k: int, numerator: list[int], rest: list[int], threshold: float, strict: bool
    ) -> float:
        """P(X / (X + Y) > threshold) (>= if not strict), X counting `numerator` states and Y
        `rest`: with threshold = a/b, the event is b X - a (X + Y) > 0, a weighted count with
        one 1-D transform -- much cheaper than the joint distribution."""
        ratio = Fraction(threshold).limit_denominator(10_000)
        a, b = ratio.numerator, ratio.denominator
        if b > MAX_LATTICE_DENOMINATOR:  # a long lattice: the joint distribution is cheaper
            shares, pmf = self.ratio_pmf(k, numerator, rest)
            return float(
                pmf[shares > threshold].sum() if strict else pmf[shares >= threshold].sum()
            )
        weights = np.zeros(self.n_outcomes, dtype=np.int64)
        weights[numerator] = b - a
        weights[rest] = -a
        values, pmf = self.weighted_pmf(k, weights)
        return float(pmf[values > 0].sum() if strict else pmf[values >= 0].sum())

    def weighted_pmf(self, k: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact pmf of the sum over cooperatives of integer weights[outcome] at the end of
        year k: (values, probabilities)."""
        branches = self.branches[k]
        if len(branches) == 1:
            return weighted_pmf(branches[0].sources, weights)
        parts = [(b.weight, weighted_pmf(b.sources, weights)) for b in branches]
        low = min(values[0] for _, (values, _) in parts)
        high = max(values[-1] for _, (values, _) in parts)
        mixed = np.zeros(high - low + 1)
        for weight, (values, pmf) in parts:
            mixed[values[0] - low : values[-1] - low + 1] += weight * pmf
        return low + np.arange(high - low + 1), mixed / mixed.sum()

    def founded_pmf(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Pmf of the cooperatives founded in year k: negative binomial (or Poisson) in closed
        form when all founding is direct; with groups converting too, by transform."""
        if self.plan.groups is not None:
            return self.count_pmf(k, self.states["founded"])
        key = (self.founding_means[k], self.plan.founding_dispersion)
        if key not in self._founded:  # years with the same founding share one pmf
            self._founded[key] = founding_pmf(*key)
        return self._founded[key]

    def _pmf(
        self, k: int, x: np.ndarray, y: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Joint pmf of the counts of x-states and y-states in year k: with waves, the mixture
        of each combination of wave years' pmf, added on the union of their windows."""
        branches = self.branches[k]
        if len(branches) == 1:
            if y is None:
                return joint_pmf(branches[0].sources, x, y)
            return share_joint_pmf(branches[0].sources, x, y)
        part_pmf = mixture_part_pmf if y is None else share_joint_pmf
        parts = [(weight, part_pmf(sources, x, y)) for weight, sources in _merged(branches, x, y)]
        x_lo = min(xs[0] for _, (xs, _, _) in parts)
        x_hi = max(xs[-1] for _, (xs, _, _) in parts)
        y_lo = min(ys[0] for _, (_, ys, _) in parts)
        y_hi = max(ys[-1] for _, (_, ys, _) in parts)
        mixed = np.zeros((x_hi - x_lo + 1, y_hi - y_lo + 1))
        for weight, (xs, ys, pmf) in parts:
            mixed[xs[0] - x_lo : xs[-1] - x_lo + 1, ys[0] - y_lo : ys[-1] - y_lo + 1] += (
                weight * pmf
            )
        mixed /= mixed.sum()
        return x_lo + np.arange(x_hi - x_lo + 1), y_lo + np.arange(y_hi - y_lo + 1), mixed


def _merged(
    branches: list[Branch], x: np.ndarray, y: np.ndarray | None
) -> list[tuple[float, list[OutcomeSource]]]:
    """The branches with the same joint distribution of the x- and y-counts merged (their
    weights added), each with only the sources that bear on the counts: a count of young
    cooperatives, say, depends on the current year's wave alone. Exact: merged branches have
    equal parameters, not close ones."""
    y_ = np.zeros(len(x)) if y is None else y
    merged: dict[tuple, list] = {}
    for branch in branches:
        kept, key = [], []
        for source in branch.sources:
            weights = source.joint_weights(x, y_)
            if weights == (0.0, 0.0, 0.0):
                continue
            kept.append(source)
            kind = ("n", source.count) if source.probabilities is not None else ("s", source.shape)
            key.append((*kind, *weights))
        entry = merged.setdefault(tuple(key), [0.0, kept])
        entry[0] += branch.weight
    return [(weight, sources) for weight, sources in merged.values()]
