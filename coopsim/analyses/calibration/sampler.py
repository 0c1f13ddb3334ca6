"""Random-walk Metropolis chains with an adapted proposal.

The parameters are few (up to six) and the log posterior costs under a millisecond, so
several independent chains of an adaptive random walk are enough: during warm-up the proposal
covariance is learnt from the chain (Haario et al. 2001), then frozen, so the kept draws come
from a valid Metropolis chain. Convergence is judged with ArviZ
(coopsim.analyses.calibration.diagnostics).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LogDensity = Callable[[np.ndarray], float]
#: Told how many more Metropolis steps are done (a progress bar's advance).
Tick = Callable[[int], None]
#: Steps between ticks.
TICK_EVERY = 250


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
    tick: Tick | None = None,
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
        if tick is not None and (step + 1) % TICK_EVERY == 0:
            tick(TICK_EVERY)
        if adapt and step >= 100 and step % 50 == 0:
            cov = np.cov(path[step // 2 : step + 1].T).reshape(dim, dim)
            proposal = scale * cov + 1e-8 * np.eye(dim)
            chol = np.linalg.cholesky(proposal)
    if tick is not None and steps % TICK_EVERY:
        tick(steps % TICK_EVERY)
    return path, accepted / steps, proposal


def sample(
    log_density: LogDensity,
    starts: np.ndarray,
    proposal: np.ndarray,
    warmup: int,
    draws: int,
    thin: int,
    rng: np.random.Generator,
    tick: Tick | None = None,
) -> Chains:
    """Run one chain from each start: `warmup` adaptive steps, then `draws` kept draws, one
    every `thin` steps; `tick` is told of the steps done as they go."""
    seeds = chain_seeds(rng, len(starts))
    runs = [
        one_chain(log_density, start, proposal, warmup, draws, thin, seed, tick)
        for start, seed in zip(starts, seeds, strict=True)
    ]
    return gather(runs, warmup, draws, thin)


def chain_seeds(rng: np.random.Generator, chains: int) -> list[int]:
    """Each chain's own stream, drawn in turn from `rng` (whoever runs the chains)."""
    return [int(rng.bit_generator.random_raw()) for _ in range(chains)]


def one_chain(
    log_density: LogDensity,
    start: np.ndarray,
    proposal: np.ndarray,
    warmup: int,
    draws: int,
    thin: int,
    seed: int,
    tick: Tick | None = None,
    adapt: bool = True,
) -> tuple[np.ndarray, float]:
    """One chain: `warmup` steps (adapting the proposal to the chain's path, if `adapt`),
    then `draws` kept draws one every `thin` steps; returns the kept draws and the kept
    steps' acceptance rate."""
    chain_rng = np.random.Generator(np.random.PCG64(seed))
    path, _, tuned = _walk(log_density, start, proposal, warmup, chain_rng, adapt, tick)
    path, rate, _ = _walk(log_density, path[-1], tuned, draws * thin, chain_rng, False, tick)
    return path[thin - 1 :: thin], rate


def gather(runs: list[tuple[np.ndarray, float]], warmup: int, draws: int, thin: int) -> Chains:
    """The chains from their runs."""
    evaluations = len(runs) * (warmup + draws * thin + 2)
    return Chains(np.stack([r[0] for r in runs]), np.array([r[1] for r in runs]), evaluations)
