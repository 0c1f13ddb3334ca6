"""A Gaussian-sum filter on the first two moments of a cooperative population.

Each mixture component holds the mean and covariance of the state vector laid out in
`Layout`: counts alive in the latent states for cooperatives founded before this calendar
year ("old") and during it ("young", reported unclassified), the cumulative founded,
dissolved-by-hazard and removed-by-wave counters, the year's gamma founding intensity G,
and frozen copies of linear functionals (a counter or the total where a published period
opens).

Between figure dates the moments propagate exactly: every cooperative moves independently
by the continuous-time chain, so E[s' | s] is linear in s and Cov[s' | s] is linear in s
(sums of multinomials; foundings Poisson given G, gamma G per year), and the law of total
covariance gives the next mean and covariance without approximation. The Gaussian shape is
the approximation (the linear noise approximation of Kurtz; a thousand cooperatives make it
close). A figure is conditioned on as a Gaussian density (an exact count) or as the
probability of an interval (a rounded figure or a bound), the state updated by matching the
truncated normal's moments (assumed-density filtering). A wave year splits each component
(wave or not); components under PRUNE of the total weight are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm
from scipy.special import log_ndtr, ndtr

from coopsim.model.occupancy import integral_of_expm

#: Latent states alive: good, fair, average, weak, dormant.
N_ALIVE = 5
#: Components whose weight is below this fraction of the largest are dropped (on Ha Tinh's
#: record the log likelihood moves by under 1e-6 against 1e-9).
PRUNE = 1e-6
_LOG_2PI = math.log(2 * math.pi)


class Layout:
    """Where each quantity sits in the state vector (copies are appended after G)."""

    old = slice(0, N_ALIVE)
    young = slice(N_ALIVE, 2 * N_ALIVE)
    founded = 2 * N_ALIVE
    dissolved = 2 * N_ALIVE + 1
    removed = 2 * N_ALIVE + 2
    intensity = 2 * N_ALIVE + 3

    @property
    def base(self) -> int:
        """Dimensions before any copy."""
        return self.intensity + 1

    def total(self, size: int) -> np.ndarray:
        """The functional: cooperatives alive."""
        h = np.zeros(size)
        h[self.old] = 1.0
        h[self.young] = 1.0
        return h


LAYOUT = Layout()


@dataclass
class Mixture:
    """Components: log weights (C,), means (C, d), covariances (C, d, d)."""

    log_weight: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    #: Per component, which uncertain-date figure groups are still to be observed (C, g).
    pending: np.ndarray

    @property
    def size(self) -> int:
        return self.mean.shape[1]

    def expected_total(self) -> float:
        """The mixture's mean number of cooperatives alive."""
        return float(self.weights() @ (self.mean @ LAYOUT.total(self.size)))

    def weights(self) -> np.ndarray:
        """Normalised weights."""
        w = np.exp(self.log_weight - self.log_weight.max())
        return w / w.sum()

    def select(self, keep: np.ndarray) -> Mixture:
        return Mixture(self.log_weight[keep], self.mean[keep], self.cov[keep], self.pending[keep])

    def join(self, other: Mixture) -> Mixture:
        return Mixture(
            np.concatenate([self.log_weight, other.log_weight]),
            np.concatenate([self.mean, other.mean]),
            np.concatenate([self.cov, other.cov]),
            np.concatenate([self.pending, other.pending]),
        )

    def prune(self) -> Mixture:
        """Drop components whose weight is under PRUNE of the largest."""
        keep = self.log_weight >= self.log_weight.max() + math.log(PRUNE)
        return self if keep.all() else self.select(keep)

    def log_total(self) -> float:
        """log of the sum of the (unnormalised) weights."""
        top = float(self.log_weight.max())
        return top + math.log(float(np.exp(self.log_weight - top).sum()))


@dataclass(frozen=True)
class Dynamics:
    """One parameter set's rates: the 6 x 6 generator over (alive states, dissolved), the
    entry distribution of a new cooperative over the alive states, and the yearly founding
    intensity's mean and gamma shape (None: no year-to-year variation)."""

    generator: np.ndarray
    entry: np.ndarray
    founding_mean: float
    founding_shape: float | None

    def step(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Over dt: transition probabilities (5 x 6) of a cooperative alive, and the outcome
        probabilities (6,) of one founded at a uniform moment in the step."""
        moves = expm(self.generator * dt)[:N_ALIVE]
        start = np.append(self.entry, [0.0, 0.0])
        arrived = start @ integral_of_expm(self.generator, dt) / dt
        return moves, np.clip(arrived, 0.0, None)


@dataclass(frozen=True)
class Step:
    """What a step of dt years needs, whatever the state: the linear map of the mean (for
    the base dimensions) and the noise per cooperative alive in each state and per unit of
    founding intensity."""

    a: np.ndarray  # (base, base)
    per_alive: np.ndarray  # (10, base, base): noise per cooperative alive, old then young
    per_intensity: np.ndarray  # (base, base): noise per unit of intensity


_OLD = np.arange(N_ALIVE)
_TO_OLD = np.append(_OLD, LAYOUT.dissolved)
_TO_YOUNG = np.append(_OLD + N_ALIVE, LAYOUT.dissolved)
_ARRIVALS = np.array([*range(N_ALIVE, 2 * N_ALIVE), LAYOUT.dissolved, LAYOUT.founded])


def steps(dynamics: Dynamics, lengths: np.ndarray) -> list[Step]:
    """Every step of the given lengths at once (one stacked matrix exponential): each
    cooperative's transition probabilities and, for one founded at a uniform moment in the
    step, its outcome probabilities (Van Loan's augmented exponential gives both)."""
    n, d, k = N_ALIVE + 1, LAYOUT.base, len(lengths)
    block = np.zeros((k, 2 * n, 2 * n))
    block[:, :n, :n] = dynamics.generator[None] * lengths[:, None, None]
    block[:, :n, n:] = np.eye(n)[None] * lengths[:, None, None]
    both = expm(block)
    moves = both[:, :N_ALIVE, :n]  # (k, 5, 6)
    start = np.append(dynamics.entry, [0.0, 0.0])
    arrived = np.clip(np.einsum("j,kjl->kl", start, both[:, :n, n:]) / lengths[:, None], 0, None)
    spread = np.einsum("kij,jl->kijl", moves, np.eye(n)) - np.einsum("kij,kil->kijl", moves, moves)
    a = np.tile(np.eye(d), (k, 1, 1))
    per_alive = np.zeros((k, 2 * N_ALIVE, d, d))
    for offset, targets in ((0, _TO_OLD), (N_ALIVE, _TO_YOUNG)):
        rows = _OLD + offset
        a[:, rows[:, None], rows[None, :]] = np.swapaxes(moves[:, :, :N_ALIVE], 1, 2)
        a[:, LAYOUT.dissolved, rows] = moves[:, :, N_ALIVE]
        per_alive[:, rows[:, None, None], targets[None, :, None], targets[None, None, :]] = spread
    a[:, _OLD + N_ALIVE, LAYOUT.intensity] = lengths[:, None] * arrived[:, :N_ALIVE]
    a[:, LAYOUT.dissolved, LAYOUT.intensity] = lengths * arrived[:, N_ALIVE]
    a[:, LAYOUT.founded, LAYOUT.intensity] = lengths
    arrivals = np.zeros((k, n + 1, n + 1))
    arrivals[:, :n, :n] = np.einsum("kj,jl->kjl", arrived, np.eye(n))
    arrivals[:, n, :n] = arrived
    arrivals[:, :n, n] = arrived
    arrivals[:, n, n] = 1.0
    per_intensity = np.zeros((k, d, d))
    per_intensity[:, _ARRIVALS[:, None], _ARRIVALS[None, :]] = lengths[:, None, None] * arrivals
    return [Step(a[i], per_alive[i], per_intensity[i]) for i in range(k)]


def propagate(mix: Mixture, step: Step) -> Mixture:
    """The moments after a step with no event inside (every component at once)."""
    base, d = LAYOUT.base, mix.size
    if d == base:
        a = step.a
    else:
        a = np.eye(d)
        a[:base, :base] = step.a
    mean = mix.mean @ a.T
    cov = a @ mix.cov @ a.T
    alive = np.clip(mix.mean[:, : 2 * N_ALIVE], 0.0, None)
    intensity = np.clip(mix.mean[:, LAYOUT.intensity], 0.0, None)
    noise = np.tensordot(alive, step.per_alive, axes=1)
    noise += intensity[:, None, None] * step.per_intensity
    cov[:, :base, :base] += noise
    return Mixture(mix.log_weight, mean, cov, mix.pending)


def new_year(mix: Mixture, dynamics: Dynamics) -> Mixture:
    """1 January: last year's new cooperatives join the classified stock, and the year's
    founding intensity is drawn afresh (independent of everything before)."""
    lay, d = LAYOUT, mix.size
    a = np.eye(d)
    rows = np.arange(N_ALIVE)
    a[rows, rows + N_ALIVE] = 1.0
    a[rows + N_ALIVE, rows + N_ALIVE] = 0.0
    mean = mix.mean @ a.T
    cov = a @ mix.cov @ a.T
    g = lay.intensity
    cov[:, g, :] = 0.0
    cov[:, :, g] = 0.0
    mean[:, g] = dynamics.founding_mean
    shape = dynamics.founding_shape
    cov[:, g, g] = 0.0 if shape is None else dynamics.founding_mean**2 / shape
    return Mixture(mix.log_weight, mean, cov, mix.pending)


def wave(mix: Mixture, probability: float, removal: np.ndarray) -> Mixture:
    """A possible clean-up wave: each component splits into no wave (1 - probability) and a
    wave that removes each cooperative in alive state s with probability removal[s]."""
    if probability <= 0 or not removal.any():
        return mix
    lay, d = LAYOUT, mix.size
    a = np.eye(d)
    rows = np.concatenate([np.arange(N_ALIVE), np.arange(N_ALIVE) + N_ALIVE])
    r = np.concatenate([removal, removal])
    a[rows, rows] = 1.0 - r
    a[lay.removed, rows] = r
    mean = mix.mean @ a.T
    cov = a @ mix.cov @ a.T
    counts = np.clip(mix.mean[:, rows], 0.0, None) * (r * (1 - r))  # (C, 10) Var(removed_i)
    cov[:, rows, rows] += counts
    cov[:, lay.removed, rows] -= counts
    cov[:, rows, lay.removed] -= counts
    cov[:, lay.removed, lay.removed] += counts.sum(axis=1)
    struck = Mixture(mix.log_weight + math.log(probability), mean, cov, mix.pending)
    if probability >= 1:
        return struck
    spared = Mixture(mix.log_weight + math.log1p(-probability), mix.mean, mix.cov, mix.pending)
    return spared.join(struck).prune()


def copy_functional(mix: Mixture, h: np.ndarray) -> Mixture:
    """Append a new dimension equal to h . s (frozen from now on: a period's start value)."""
    c, d = mix.mean.shape
    h = _pad(h, d)
    mean = np.concatenate([mix.mean, (mix.mean @ h)[:, None]], axis=1)
    cov = np.zeros((c, d + 1, d + 1))
    cov[:, :d, :d] = mix.cov
    cross = mix.cov @ h  # (C, d)
    cov[:, d, :d] = cross
    cov[:, :d, d] = cross
    cov[:, d, d] = cross @ h
    return Mixture(mix.log_weight, mean, cov, mix.pending)


@dataclass(frozen=True)
class Condition:
    """A figure as a functional of the state: h . s, plus independent noise of `variance`,
    equals `value` (a density) or lies in [low, high] (a probability)."""

    h: np.ndarray
    variance: float
    value: float | None = None
    low: float = -math.inf
    high: float = math.inf


@dataclass(frozen=True)
class Predictive:
    """The one-step-ahead predictive of a figure: a normal mixture (weights, means, sds)."""

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    #: For a share: the expected total its functional (count - share x total) is divided by.
    scale: float = 1.0

    def cdf(self, x: float) -> float:
        return float(self.weights @ ndtr((x - self.means) / self.sds))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        which = rng.choice(len(self.weights), size=n, p=self.weights)
        return self.means[which] + self.sds[which] * rng.standard_normal(n)


def condition(mix: Mixture, cond: Condition, rows: np.ndarray | None = None):
    """Condition the components (all, or those in `rows`) on a figure: returns the updated
    mixture, the log likelihood of the figure and its one-step-ahead predictive."""
    h = _pad(cond.h, mix.size)
    mean_s, cov_s = (mix.mean, mix.cov) if rows is None else (mix.mean[rows], mix.cov[rows])
    log_w = mix.log_weight if rows is None else mix.log_weight[rows]
    mu = mean_s @ h
    sh = cov_s @ h  # (C, d)
    var = np.maximum(sh @ h + cond.variance, 1e-9)
    sd = np.sqrt(var)
    weights = np.exp(log_w - log_w.max())
    predictive = Predictive(weights / weights.sum(), mu, sd)
    if cond.value is not None:
        z = (cond.value - mu) / sd
        log_lik = -0.5 * (z * z + _LOG_2PI) - np.log(sd)
        new_mu = np.full_like(mu, cond.value)
        new_var = np.zeros_like(mu)
    else:
        log_lik, new_mu, new_var = _truncated(mu, sd, cond.low, cond.high)
    gain = sh / var[:, None]
    mean = mean_s + gain * (new_mu - mu)[:, None]
    shrink = (new_var - var) / var
    cov = cov_s + shrink[:, None, None] * np.einsum("ci,cj->cij", sh, sh) / var[:, None, None]
    cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    if rows is None:
        return Mixture(log_w + log_lik, mean, cov, mix.pending), predictive
    out = Mixture(mix.log_weight.copy(), mix.mean.copy(), mix.cov.copy(), mix.pending)
    out.log_weight[rows] += log_lik
    out.mean[rows] = mean
    out.cov[rows] = cov
    return out, predictive


def _truncated(mu: np.ndarray, sd: np.ndarray, low: float, high: float):
    """log P(low <= X <= high) for X ~ N(mu, sd^2), and the mean and variance of X given it."""
    a = (low - mu) / sd
    b = (high - mu) / sd
    # log(Phi(b) - Phi(a)), stable in either tail
    flip = a > 0
    a2, b2 = np.where(flip, -b, a), np.where(flip, -a, b)
    upper, lower = log_ndtr(b2), log_ndtr(a2)
    log_p = upper + np.log1p(-np.exp(np.minimum(lower - upper, 0.0)) + 1e-300)
    pa = np.where(np.isfinite(a), np.exp(-0.5 * a * a - 0.5 * _LOG_2PI - log_p), 0.0)
    pb = np.where(np.isfinite(b), np.exp(-0.5 * b * b - 0.5 * _LOG_2PI - log_p), 0.0)
    shift = pa - pb
    aa = np.where(np.isfinite(a), a, 0.0) * pa
    bb = np.where(np.isfinite(b), b, 0.0) * pb
    scale = np.clip(1 + aa - bb - shift**2, 1e-6, 1.0)
    return log_p, mu + sd * shift, sd * sd * scale


def _pad(h: np.ndarray, size: int) -> np.ndarray:
    if h.size == size:
        return h
    out = np.zeros(size)
    out[: h.size] = h
    return out
