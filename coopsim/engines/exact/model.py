"""The exact engine: closed-form distributions for scenarios whose cooperatives are independent.

Every cooperative follows the same continuous-time chain, so at a year end each one is in one
of a few outcome states -- a latent class (classified, or unclassified if founded that year),
dissolved by hazard during the year, removed by a clean-up during the year, or gone earlier --
with probabilities from matrix exponentials of the generator over the piecewise-constant
periods, with clean-ups as jump matrices. A cooperative group is one more kind of independent
unit: the chain has a transient "group" state that it leaves at the conversion hazard for the
entry distribution over classes, so the same exponentials say whether a group is still in the
pool at a year end or converted (that year, founding an unclassified cooperative, or earlier).

The starting stock and the starting pool of groups contribute multinomial counts over the
outcomes; groups joining the pool at a year's start, Poisson counts; the cooperatives founded
directly in a year, Poisson counts given that year's gamma founding factor, so negative
multinomial counts unconditionally. Sums of independent sources have a product of
characteristic functions; one inverse FFT on a window around the mean gives the exact pmf of a
count, or the joint pmf of two (for shares).

Not supported (they couple cooperatives through capacity and budget): support programmes.
Members are not computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.linalg import expm

from coopsim.model.occupancy import integral_of_expm
from coopsim.model.plan import Period, SimulationPlan

# Outcome states at a year end: classified (alive since before the year), unclassified (founded
# in the year, alive), dissolved or removed in the year after being founded before it or in it,
# gone before the year (or never founded), and a group still in the pool.
CLASSIFIED = (0, 1, 2, 3)
UNCLASSIFIED = (4, 5, 6, 7)
DISSOLVED_IN_YEAR, REMOVED_IN_YEAR, GONE_BEFORE = 8, 9, 10
FOUNDED_DISSOLVED, FOUNDED_REMOVED, IN_POOL = 11, 12, 13
N_OUTCOMES = 14
FOUNDED = (*UNCLASSIFIED, FOUNDED_DISSOLVED, FOUNDED_REMOVED)
DISSOLVED = (DISSOLVED_IN_YEAR, REMOVED_IN_YEAR, FOUNDED_DISSOLVED, FOUNDED_REMOVED)
REMOVED_ALL = (REMOVED_IN_YEAR, FOUNDED_REMOVED)
#: Thresholds a/b with a larger b are evaluated on the joint distribution instead.
MAX_LATTICE_DENOMINATOR = 20
# States of the chain: 4 classes, dissolved by hazard, removed by a clean-up, a cooperative
# group not yet converted.
HAZARD_GONE, REMOVED, GROUP = 4, 5, 6
N_STATES = 7


def unsupported_features(plan: SimulationPlan) -> list[str]:
    """Scenario features the exact engine cannot handle (empty when it can)."""
    found = []
    if plan.programmes:
        found.append("support programmes (they couple cooperatives through capacity and budget)")
    return found


def _generator(plan: SimulationPlan, period: Period) -> np.ndarray:
    """Generator of the chain in a period: class moves and dissolution, and a group's
    conversion into a new cooperative of a class from the entry distribution."""
    q = np.zeros((N_STATES, N_STATES))
    q[:5, :5] = period.hazards.generator()
    if plan.groups is not None:
        q[GROUP, :4] = (
            plan.groups.conversion_per_year * period.conversion_multiplier * plan.entry_distribution
        )
        q[GROUP, GROUP] = -q[GROUP, :4].sum()
    return q


@dataclass(frozen=True)
class OutcomeSource:
    """Units whose year-end outcome counts are multinomial (a fixed number) or, for those
    founded or joining the pool in a year, negative multinomial / Poisson (`means` per
    outcome, founding shape or none)."""

    probabilities: np.ndarray | None = None  # (N_OUTCOMES,), with count
    count: int = 0
    means: np.ndarray | None = None  # (N_OUTCOMES,)
    shape: float | None = None

    def log_characteristic(
        self, x: np.ndarray, y: np.ndarray, phases: tuple[np.ndarray, np.ndarray, np.ndarray]
    ) -> np.ndarray:
        """log E exp(i(uX + vY)), X and Y counting the outcomes marked in x and y; `phases`
        are exp(iu) - 1, exp(iv) - 1 and exp(i(u + v)) - 1 on the frequency grid. (Logs add up
        over sources, so only one exponential is taken per grid.)"""
        weights = self.probabilities if self.probabilities is not None else self.means
        only_x, only_y, both = (
            float(weights[(x == a) & (y == b)].sum()) for a, b in ((1, 0), (0, 1), (1, 1))
        )
        z = only_x * phases[0] + only_y * phases[1] + both * phases[2]
        if self.probabilities is not None:
            return self.count * np.log1p(z)
        if self.shape is None:
            return z
        return -self.shape * np.log1p(-z / self.shape)

    def weighted_log_characteristic(self, weights: np.ndarray, u: np.ndarray) -> np.ndarray:
        """log E exp(iuZ) for Z = the sum over this source's cooperatives of weights[outcome]
        (integer weights, so Z lives on the integers)."""
        shares = self.probabilities if self.probabilities is not None else self.means
        z = np.zeros_like(u, dtype=complex)
        for w in np.unique(weights):
            if w != 0:
                z = z + float(shares[weights == w].sum()) * np.expm1(1j * u * w)
        if self.probabilities is not None:
            return self.count * np.log1p(z)
        if self.shape is None:
            return z
        return -self.shape * np.log1p(-z / self.shape)

    def weighted_moments(self, weights: np.ndarray) -> tuple[float, float]:
        """Mean and variance of the weighted sum over this source's cooperatives."""
        if self.probabilities is not None:
            first = float(self.probabilities @ weights)
            second = float(self.probabilities @ weights**2)
            return self.count * first, self.count * (second - first * first)
        first = float(self.means @ weights)
        second = float(self.means @ weights**2)
        return first, second + (first * first / self.shape if self.shape else 0.0)

    def moments(self, x: np.ndarray) -> tuple[float, float]:
        """Mean and variance of the count of outcomes with weight 1 in x."""
        if self.probabilities is not None:
            p = float(self.probabilities[x == 1].sum())
            return self.count * p, self.count * p * (1 - p)
        m = float(self.means[x == 1].sum())
        return m, m + (m * m / self.shape if self.shape else 0.0)


class ExactModel:
    """Year-end outcome distributions of a plan, computed once; metrics are read off them."""

    def __init__(self, plan: SimulationPlan) -> None:
        problems = unsupported_features(plan)
        if problems:
            raise ValueError("the exact engine does not support " + "; ".join(problems))
        self.plan = plan
        self._cuts = self._time_cuts()
        self._expm_cache: dict[tuple[float, float], np.ndarray] = {}
        self._entrants = [self._entrants_at_year_end(j) for j in range(plan.n_years)]
        self.sources = [self._sources(k) for k in range(plan.n_years)]
        self.founding_means = [
            self._founding_weight(k) * plan.founding_mean_per_year for k in range(plan.n_years)
        ]

    # -- the chain over time --------------------------------------------------------------
    def _time_cuts(self) -> list[float]:
        cuts = {float(k) for k in range(self.plan.n_years + 1)}
        cuts.update(p.start for p in self.plan.periods)
        cuts.update(c.time for c in self.plan.cleanups if 0 <= c.time < self.plan.n_years)
        return sorted(cuts)

    def _period_at(self, t: float):
        for period in self.plan.periods:
            if period.start <= t < period.end:
                return period
        return self.plan.periods[-1]

    def _jump(self, t: float) -> np.ndarray:
        """The transition of the clean-ups dated at t (identity if none; groups untouched)."""
        jump = np.eye(N_STATES)
        for cleanup in self.plan.cleanups:
            if cleanup.time == t:
                step = np.eye(N_STATES)
                for c in range(4):
                    step[c, c] = 1 - cleanup.removal[c]
                    step[c, REMOVED] = cleanup.removal[c]
                jump = jump @ step
        return jump

    def propagate(self, dist: np.ndarray, t0: float, t1: float) -> np.ndarray:
        """Carry a distribution (rows over the chain states) from t0 to t1, applying the
        clean-ups dated in [t0, t1)."""
        if t1 <= t0:
            return dist
        edges = [t for t in self._cuts if t0 < t < t1]
        t = t0
        for end in [*edges, t1]:
            dist = dist @ self._jump(t) @ self._expm(t, end)
            t = end
        return dist

    def _expm(self, start: float, end: float) -> np.ndarray:
        """Transition matrix over [start, end), inside one period (cached)."""
        key = (start, end)
        if key not in self._expm_cache:
            q = _generator(self.plan, self._period_at(start))
            self._expm_cache[key] = expm(q * (end - start))
        return self._expm_cache[key]

    def _founding_weight(self, k: int) -> float:
        """Integral of the founding multiplier over year k."""
        return sum(
            p.founding_multiplier * max(0.0, min(k + 1, p.end) - max(k, p.start))
            for p in self.plan.periods
        )

    def _entrants_at_year_end(self, j: int) -> np.ndarray:
        """Expected chain states at the end of year j of the cooperatives founded in it, per unit
        of founding intensity (unnormalised: total = the year's founding weight)."""
        entry = np.zeros(N_STATES)
        entry[:4] = self.plan.entry_distribution
        edges = [t for t in self._cuts if j < t < j + 1]
        total = np.zeros(N_STATES)
        t = float(j)
        for end in [*edges, float(j + 1)]:
            period = self._period_at(t)
            q = _generator(self.plan, period)
            founded = period.founding_multiplier * entry @ integral_of_expm(q, end - t)
            total = total + self.propagate(founded, end, float(j + 1))
            t = end
        return total

    def _outcomes(self, start: np.ndarray, end: np.ndarray, new: bool) -> np.ndarray:
        """Year-end outcome weights from chain states at the year's start and end, for units
        that were cooperatives at the start (new=False) or become ones during the year."""
        out = np.zeros(N_OUTCOMES)
        out[list(UNCLASSIFIED if new else CLASSIFIED)] = end[:4]
        out[FOUNDED_DISSOLVED if new else DISSOLVED_IN_YEAR] = end[HAZARD_GONE] - start[HAZARD_GONE]
        out[FOUNDED_REMOVED if new else REMOVED_IN_YEAR] = end[REMOVED] - start[REMOVED]
        out[GONE_BEFORE] = start[HAZARD_GONE] + start[REMOVED]
        out[IN_POOL] = end[GROUP]
        return np.clip(out, 0.0, None)

    def _group_outcomes(self, joined: float, k: int) -> np.ndarray:
        """Year-end (k) outcome probabilities of a group in the pool at time `joined`: still a
        group, converted during year k, or converted earlier and followed since."""
        unit = np.zeros(N_STATES)
        unit[GROUP] = 1.0
        start = self.propagate(unit, joined, float(k))
        pooled = np.zeros(N_STATES)
        pooled[GROUP] = start[GROUP]
        converted = start - pooled
        return self._outcomes(
            converted, self.propagate(converted, float(k), float(k + 1)), False
        ) + self._outcomes(pooled, self.propagate(pooled, float(k), float(k + 1)), True)

    def _sources(self, k: int) -> list[OutcomeSource]:
        sources = []
        stock = self.plan.initial.latent
        for c in range(4):
            if stock[c] == 0:
                continue
            unit = np.zeros(N_STATES)
            unit[c] = 1.0
            start = self.propagate(unit, 0.0, float(k))
            end = self.propagate(start, float(k), float(k + 1))
            sources.append(OutcomeSource(self._outcomes(start, end, False), int(stock[c])))
        mean = self.plan.founding_mean_per_year
        for j in range(k + 1):
            at_end_j = self._entrants[j]
            if j == k:
                outcome = self._outcomes(np.zeros(N_STATES), at_end_j, True)
            else:
                start = self.propagate(at_end_j, float(j + 1), float(k))
                end = self.propagate(start, float(k), float(k + 1))
                outcome = self._outcomes(start, end, False)
            sources.append(OutcomeSource(means=mean * outcome, shape=self.plan.founding_dispersion))
        groups = self.plan.groups
        if groups is not None:
            if groups.initial_pool > 0:
                sources.append(OutcomeSource(self._group_outcomes(0.0, k), groups.initial_pool))
            if groups.new_groups_per_year > 0:
                for j in range(1, k + 1):  # Poisson(new_groups_per_year) join at each year start
                    outcome = self._group_outcomes(float(j), k)
                    sources.append(OutcomeSource(means=groups.new_groups_per_year * outcome))
        return sources

    # -- distributions --------------------------------------------------------------------
    def count_pmf(self, k: int, states: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Exact pmf of the number of cooperatives in the given outcome states at the end of
        year k: (values, probabilities)."""
        x = _indicator(states)
        xs, _, pmf = self._pmf(k, x, None)
        return xs, pmf[:, 0]

    def ratio_pmf(
        self, k: int, numerator: list[int], rest: list[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact distribution of X / (X + Y), X counting `numerator` states and Y `rest`:
        (sorted distinct values, probabilities); outcomes with X + Y = 0 are left out."""
        xs, ys, pmf = self._pmf(k, _indicator(numerator), _indicator(rest))
        total = xs[:, None] + ys[None, :]
        keep = (total > 0) & (pmf > 0)
        ratios = (np.broadcast_to(xs[:, None], pmf.shape)[keep] / total[keep]).ravel()
        probs = pmf[keep].ravel()
        order = np.argsort(ratios, kind="stable")
        values, starts = np.unique(ratios[order], return_index=True)
        return values, np.add.reduceat(probs[order], starts)

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
        weights = np.zeros(N_OUTCOMES, dtype=np.int64)
        weights[numerator] = b - a
        weights[rest] = -a
        values, pmf = self.weighted_pmf(k, weights)
        return float(pmf[values > 0].sum() if strict else pmf[values >= 0].sum())

    def weighted_pmf(self, k: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact pmf of the sum over cooperatives of integer weights[outcome] at the end of
        year k: (values, probabilities)."""
        sources = self.sources[k]
        mean = var = 0.0
        for source in sources:
            m, s2 = source.weighted_moments(weights.astype(float))
            mean += m
            var += s2
        sd = math.sqrt(max(var, 0.0))
        low = math.floor(mean - 9 * sd - 4)
        length = max(8, math.ceil(mean + 11 * sd + 10) - low)
        u = 2 * np.pi * np.fft.rfftfreq(length)
        log_phi = -1j * u * low
        for source in sources:
            log_phi = log_phi + source.weighted_log_characteristic(weights, u)
        pmf = np.clip(np.fft.irfft(np.conj(np.exp(log_phi)), n=length), 0.0, None)
        return low + np.arange(length), pmf / pmf.sum()

    def founded_pmf(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Pmf of the cooperatives founded in year k: negative binomial (or Poisson) in closed
        form when all founding is direct; with groups converting too, by transform."""
        if self.plan.groups is not None:
            return self.count_pmf(k, list(FOUNDED))
        mean, shape = self.founding_means[k], self.plan.founding_dispersion
        from scipy import stats  # here, not at import: scipy.stats takes half a second to load

        dist = stats.poisson(mean) if shape is None else stats.nbinom(shape, shape / (shape + mean))
        values = np.arange(int(dist.ppf(1 - 1e-13)) + 2)
        return values, dist.pmf(values)

    def _pmf(self, k: int, x: np.ndarray, y: np.ndarray | None):
        """Joint pmf of the counts of x-states and y-states on windows around their means,
        from the product of the sources' characteristic functions (real FFT: the pmf is
        real, so half the frequencies suffice)."""
        sources = self.sources[k]
        y_ = np.zeros(N_OUTCOMES) if y is None else y
        x_lo, x_len = _window(sources, x)
        y_lo, y_len = _window(sources, y_) if y is not None else (0, 1)
        u = 2 * np.pi * np.fft.fftfreq(x_len)[:, None]
        v = 2 * np.pi * np.fft.rfftfreq(y_len)[None, :]
        phases = (np.expm1(1j * u), np.expm1(1j * v), np.expm1(1j * (u + v)))
        log_phi = -1j * (u * x_lo + v * y_lo)
        for source in sources:
            log_phi = log_phi + source.log_characteristic(x, y_, phases)
        # The pmf is the inverse transform of phi(-u, -v), conjugate of phi(u, v).
        pmf = np.fft.irfft2(np.conj(np.exp(log_phi)), s=(x_len, y_len))
        pmf = np.clip(pmf, 0.0, None)
        pmf /= pmf.sum()
        return x_lo + np.arange(x_len), y_lo + np.arange(y_len), pmf


def _indicator(states: list[int]) -> np.ndarray:
    x = np.zeros(N_OUTCOMES)
    x[states] = 1
    return x


def _window(sources: list[OutcomeSource], x: np.ndarray) -> tuple[int, int]:
    """Lowest value and length of a window holding all but a negligible tail (far below
    1e-12) of the count of x-states: the FFT wraps whatever falls outside onto it."""
    mean = var = 0.0
    for source in sources:
        m, s2 = source.moments(x)
        mean += m
        var += s2
    sd = math.sqrt(var)
    low = max(0, math.floor(mean - 9 * sd - 4))
    return low, max(8, math.ceil(mean + 11 * sd + 10) - low)
