"""Global sensitivity estimators on the unit cube: Sobol' indices and Morris elementary effects.

Sobol': two independent n x d matrices A and B of scrambled Sobol' points (one 2d-dimensional
sequence, as scipy.stats.sobol_indices draws them), and for each input i the matrix AB_i, A
with column i taken from B: n (d + 2) evaluations. First-order index by Saltelli et al.
(2010), S_i = mean(f(B) (f(AB_i) - f(A))) / V; total index by Jansen (1999),
S_Ti = mean((f(A) - f(AB_i))^2) / (2 V); V the variance of f over A and B together (the
estimators of scipy.stats.sobol_indices, checked against it in the tests). Intervals are
percentile bootstrap intervals over the n rows, drawn from a seeded stream (reproducible).

Morris: r trajectories on a p-level grid, each moving one input at a time by +-Delta,
Delta = p / (2 (p - 1)): r (d + 1) evaluations. The elementary effect of input i is the change
in f per unit of its (normalised) range; mu* (mean absolute effect, Campolongo et al. 2007)
ranks the inputs, sigma (their spread) flags interactions or non-linearity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

#: Levels of the Morris grid (4 is the usual choice: Delta = 2/3).
MORRIS_LEVELS = 4


def is_power_of_two(n: int) -> bool:
    """Whether n is 1, 2, 4, 8, ... (Sobol' points are balanced only in such sample sizes)."""
    return n >= 1 and n & (n - 1) == 0


def saltelli_design(n: int, d: int, seed: int) -> np.ndarray:
    """The n (d + 2) x d points at which f is needed: A, then B, then AB_1 ... AB_d."""
    if not is_power_of_two(n):
        raise ValueError(f"Sobol' samples must be a power of 2 (got {n})")
    points = qmc.Sobol(d=2 * d, scramble=True, seed=np.random.default_rng(seed)).random(n)
    a, b = points[:, :d], points[:, d:]
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.concatenate(blocks)


def split_saltelli(outputs: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f(A) (n,), f(B) (n,) and f(AB) (d, n) from outputs in saltelli_design's order."""
    blocks = outputs.reshape(d + 2, -1)
    return blocks[0], blocks[1], blocks[2:]


def sobol_estimates(
    f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """First-order (Saltelli 2010) and total (Jansen) indices, and the output variance; the
    indices are NaN when f does not vary (there is no variance to share out)."""
    mean = np.mean(np.concatenate([f_a, f_b]))
    f_a, f_b, f_ab = f_a - mean, f_b - mean, f_ab - mean
    variance = float(np.var(np.concatenate([f_a, f_b])))
    if variance <= 0:
        nan = np.full(f_ab.shape[0], np.nan)
        return nan, nan.copy(), 0.0
    first = np.mean(f_b * (f_ab - f_a), axis=-1) / variance
    total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / variance
    return first, total, variance


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total indices of each input with bootstrap intervals ((d, 2) arrays)."""

    first: np.ndarray
    total: np.ndarray
    first_interval: np.ndarray
    total_interval: np.ndarray
    variance: float


def sobol_indices(
    f_a: np.ndarray,
    f_b: np.ndarray,
    f_ab: np.ndarray,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> SobolIndices:
    """Sobol' indices with percentile bootstrap intervals (rows of A, B and AB resampled
    together, so each resample is a smaller Saltelli design)."""
    first, total, variance = sobol_estimates(f_a, f_b, f_ab)
    d, n = f_ab.shape
    if variance == 0:
        nan = np.full((d, 2), np.nan)
        return SobolIndices(first, total, nan, nan.copy(), 0.0)
    rng = np.random.default_rng(seed)
    boot_first = np.empty((resamples, d))
    boot_total = np.empty((resamples, d))
    for r in range(resamples):
        rows = rng.integers(0, n, n)
        boot_first[r], boot_total[r], _ = sobol_estimates(f_a[rows], f_b[rows], f_ab[:, rows])
    tails = [(1 - confidence) / 2 * 100, (1 + confidence) / 2 * 100]
    with np.errstate(invalid="ignore"):
        first_interval = np.nanpercentile(boot_first, tails, axis=0).T
        total_interval = np.nanpercentile(boot_total, tails, axis=0).T
    return SobolIndices(first, total, first_interval, total_interval, variance)


def morris_design(trajectories: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Morris trajectories: points (trajectories (d + 1) x d) and, per trajectory, the input
    moved at each step (trajectories x d) and the signed step (trajectories x d)."""
    p = MORRIS_LEVELS
    delta = p / (2 * (p - 1))
    rng = np.random.default_rng(seed)
    points = np.empty((trajectories, d + 1, d))
    order = np.empty((trajectories, d), dtype=int)
    steps = np.empty((trajectories, d))
    for t in range(trajectories):
        x = rng.integers(0, p, d) / (p - 1)
        step = np.where(x + delta <= 1 + 1e-12, delta, -delta)
        order[t] = rng.permutation(d)
        points[t, 0] = x
        for j, i in enumerate(order[t]):
            x = x.copy()
            x[i] += step[i]
            points[t, j + 1] = x
        steps[t] = step[order[t]]
    return np.clip(points.reshape(-1, d), 0.0, 1.0), np.stack([order, steps])


@dataclass(frozen=True)
class MorrisEffects:
    """mu* (with a bootstrap interval over trajectories), mu and sigma of each input's
    elementary effects, in units of f per full range of the input."""

    mu_star: np.ndarray
    mu_star_interval: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray


def morris_effects(
    outputs: np.ndarray,
    moves: np.ndarray,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> MorrisEffects:
    """Elementary-effect statistics from outputs in morris_design's order."""
    order, steps = moves[0].astype(int), moves[1]
    trajectories, d = order.shape
    f = outputs.reshape(trajectories, d + 1)
    effects = np.empty((trajectories, d))
    for t in range(trajectories):
        effects[t, order[t]] = np.diff(f[t]) / steps[t]
    mu_star = np.abs(effects).mean(axis=0)
    rng = np.random.default_rng(seed)
    boot = np.array(
        [
            np.abs(effects[rng.integers(0, trajectories, trajectories)]).mean(axis=0)
            for _ in range(resamples)
        ]
    )
    tails = [(1 - confidence) / 2 * 100, (1 + confidence) / 2 * 100]
    interval = np.percentile(boot, tails, axis=0).T
    sigma = effects.std(axis=0, ddof=1) if trajectories > 1 else np.full(d, np.nan)
    return MorrisEffects(mu_star, interval, effects.mean(axis=0), sigma)
