"""Random-walk Metropolis chains with an adapted proposal, and their convergence diagnostics.

The parameters are few (up to six) and the log posterior costs under a millisecond, so
several independent chains of an adaptive random walk are enough: during warm-up the proposal
covariance is learnt from the chain (Haario et al. 2001), then frozen, so the kept draws come
from a valid Metropolis chain. Convergence is judged by the split R-hat and the effective
sample size of Vehtari et al. (2021), computed over all chains.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LogDensity = Callable[[np.ndarray], float]


@dataclass(frozen=True)
class Chains:
    """Kept draws (chains x draws x dimensions) and each chain's acceptance rate."""

    draws: np.ndarray
    acceptance: np.ndarray
    evaluations: int


def _walk(
    log_density: LogDensity,
    start: np.ndarray,
    proposal: np.ndarray,
    steps: int,
    rng: np.random.Generator,
    adapt: bool,
) -> tuple[np.ndarray, float, np.ndarray]:
    """One chain of `steps` Metropolis steps; with `adapt`, the proposal covariance follows
    the chain's own running covariance. Returns the path, the acceptance rate and the last
    proposal covariance."""
    dim = start.size
    scale = 2.38**2 / dim
    x, lp = start.copy(), log_density(start)
    path = np.empty((steps, dim))
    accepted = 0
    chol = np.linalg.cholesky(proposal)
    for step in range(steps):
        candidate = x + chol @ rng.standard_normal(dim)
        lp_candidate = log_density(candidate)
        if math.log(rng.random()) < lp_candidate - lp:
            x, lp = candidate, lp_candidate
            accepted += 1
        path[step] = x
        if adapt and step >= 100 and step % 50 == 0:
            cov = np.cov(path[step // 2 : step + 1].T).reshape(dim, dim)
            proposal = scale * cov + 1e-8 * np.eye(dim)
            chol = np.linalg.cholesky(proposal)
    return path, accepted / steps, proposal


def sample(
    log_density: LogDensity,
    starts: np.ndarray,
    proposal: np.ndarray,
    warmup: int,
    draws: int,
    thin: int,
    rng: np.random.Generator,
) -> Chains:
    """Run one chain from each start: `warmup` adaptive steps, then `draws` kept draws, one
    every `thin` steps."""
    kept, rates = [], []
    for start in starts:
        chain_rng = np.random.Generator(np.random.PCG64(rng.bit_generator.random_raw()))
        path, _, tuned = _walk(log_density, start, proposal, warmup, chain_rng, adapt=True)
        path, rate, _ = _walk(log_density, path[-1], tuned, draws * thin, chain_rng, adapt=False)
        kept.append(path[thin - 1 :: thin])
        rates.append(rate)
    evaluations = len(starts) * (warmup + draws * thin + 2)
    return Chains(np.stack(kept), np.array(rates), evaluations)


def split_rhat(chains: np.ndarray) -> float:
    """Split R-hat of one parameter's draws (chains x draws): near 1 when chains agree."""
    half = chains.shape[1] // 2
    parts = np.concatenate([chains[:, :half], chains[:, half : 2 * half]])
    n = parts.shape[1]
    within = parts.var(axis=1, ddof=1).mean()
    between = n * parts.mean(axis=1).var(ddof=1)
    if within == 0:
        return 1.0 if between == 0 else math.inf
    return float(math.sqrt(((n - 1) / n * within + between / n) / within))


def effective_sample_size(chains: np.ndarray) -> float:
    """Effective number of independent draws of one parameter (chains x draws), from the
    autocorrelation averaged over chains, summed by Geyer's initial monotone sequence."""
    m, n = chains.shape
    if n < 4:
        return float(m * n)
    centred = chains - chains.mean(axis=1, keepdims=True)
    size = 2 ** math.ceil(math.log2(2 * n))
    spectrum = np.fft.rfft(centred, size, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=1)[:, :n] / n
    chain_var = acov[:, 0] * n / (n - 1)
    within = chain_var.mean()
    if within == 0:
        return float(m * n)
    var_plus = within * (n - 1) / n + (chains.mean(axis=1).var(ddof=1) if m > 1 else 0.0)
    rho = 1 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    pairs = rho[: 2 * (n // 2)].reshape(-1, 2).sum(axis=1)
    positive = np.argmax(pairs <= 0) if (pairs <= 0).any() else pairs.size
    pairs = np.minimum.accumulate(pairs[:positive])
    tau = -1 + 2 * pairs.sum()
    return float(m * n / max(tau, 1 / math.log10(m * n)))
