"""Independence Metropolis-Hastings from a multivariate t fitted to the posterior.

The proposal starts as a multivariate t around the Laplace approximation (widened by WIDEN,
DOF degrees of freedom, so its tails are heavier than the posterior's); one round of
importance sampling from it (ADAPT_DRAWS draws, weights truncated at sqrt(n) times their
mean, Ionides 2008) moves its centre and covariance to the posterior's. The chains then draw
every proposal from that fixed t and accept it with probability min(1, [p(y) q(x)] / [p(x)
q(y)]) (Tierney 1994), a valid Metropolis-Hastings chain whatever the proposal. Proposals do
not depend on the chain, so their log posteriors are computed in one batch (in parallel) and
only the accept steps run in sequence: the chains are the same for any number of workers.
A proposal far from the posterior shows as low acceptance and poor ESS and R-hat, which the
diagnostics report.
"""

from __future__ import annotations

import math

import numpy as np

from coopsim.analyses.calibration.laplace import Laplace, log_t_density
from coopsim.analyses.calibration.parallel import BatchDensity
from coopsim.analyses.calibration.sampler import Chains, Tick

#: Degrees of freedom of the proposal.
DOF = 5.0
#: The first proposal's scale as a multiple of the Laplace standard deviations.
WIDEN = 1.5
#: Draws of the importance-sampling round that fits the proposal.
ADAPT_DRAWS = 500


def _t_draws(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    chol = np.linalg.cholesky(cov)
    normal = rng.standard_normal((n, mean.size))
    scale = np.sqrt(DOF / rng.chisquare(DOF, size=n))
    return mean + (normal @ chol.T) * scale[:, None]


def adapt_proposal(
    density: BatchDensity, fit: Laplace, rng: np.random.Generator, tick: Tick | None = None
) -> Laplace:
    """The proposal's centre and covariance from one importance-sampling round (the Laplace
    fit itself if too few draws have a finite density)."""
    cov = fit.cov * WIDEN**2
    draws = _t_draws(fit.mode, cov, ADAPT_DRAWS, rng)
    log_w = density(draws) - log_t_density(draws, fit.mode, cov, DOF)
    if tick is not None:
        tick(ADAPT_DRAWS)
    finite = np.isfinite(log_w)
    if finite.sum() < 2 * fit.mode.size:
        return fit
    w = np.exp(log_w[finite] - log_w[finite].max())
    w = np.minimum(w, w.mean() * math.sqrt(finite.sum()))
    w /= w.sum()
    x = draws[finite]
    mean = w @ x
    centred = x - mean
    fitted = (centred * w[:, None]).T @ centred / (1 - (w**2).sum())
    fitted = 0.5 * (fitted + fitted.T) + 1e-9 * np.eye(mean.size)
    if np.any(np.linalg.eigvalsh(fitted) <= 0):
        return fit
    return Laplace(mean, fitted, fit.log_density_at_mode)


def independence_chains(
    density: BatchDensity,
    fit: Laplace,
    chains: int,
    warmup: int,
    draws: int,
    rng: np.random.Generator,
    tick: Tick | None = None,
) -> Chains:
    """`chains` chains of warmup + draws steps each (the warm-up steps discarded), from
    the t proposal of `fit`'s centre and covariance."""
    dim = fit.mode.size
    cov = fit.cov
    steps = warmup + draws
    kept, rates = [], []
    for _ in range(chains):
        chain_rng = np.random.Generator(np.random.PCG64(rng.bit_generator.random_raw()))
        proposals = _t_draws(fit.mode, cov, steps + 1, chain_rng)
        log_q = log_t_density(proposals, fit.mode, cov, DOF)
        log_p = density(proposals)
        if tick is not None:
            tick(steps + 1)
        uniforms = chain_rng.random(steps)
        current = 0
        path = np.empty((steps, dim))
        accepted = 0
        for step in range(steps):
            candidate = step + 1
            log_ratio = (log_p[candidate] - log_q[candidate]) - (log_p[current] - log_q[current])
            if math.isfinite(log_p[candidate]) and (
                not math.isfinite(log_p[current]) or math.log(uniforms[step]) < log_ratio
            ):
                current = candidate
                accepted += 1
            path[step] = proposals[current]
        kept.append(path[warmup:])
        rates.append(accepted / steps)
    return Chains(np.stack(kept), np.array(rates), chains * (steps + 1))
