"""The whole-record fit's work in worker processes: batches of log posteriors (the mode's
gradients, the Hessian) and whole Metropolis chains.

The whole-record likelihood costs milliseconds. Batches come back in the order asked and
each chain has its own seed, so results are the same for any number of workers.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np

from coopsim.analyses.calibration.sampler import Tick, one_chain
from coopsim.threads import single_threaded_blas

#: Maps (n, dim) unconstrained vectors to their n log posteriors.
BatchDensity = Callable[[np.ndarray], np.ndarray]

_PROBLEM = None


def _install(problem: object) -> None:
    global _PROBLEM
    _PROBLEM = problem


def _evaluate(z: np.ndarray) -> np.ndarray:
    with single_threaded_blas():  # a worker's BLAS threads would wait for each other
        return np.array([_PROBLEM.log_posterior(row) for row in z])  # type: ignore[attr-defined]


def _chain(arguments: tuple) -> tuple[np.ndarray, float]:
    *first, adapt = arguments
    with single_threaded_blas():
        return one_chain(_PROBLEM.log_posterior, *first, adapt=adapt)  # type: ignore[attr-defined]


class Workers:
    """What the fit asks of its processes (or of this one, with one worker)."""

    def __init__(self, problem: object, pool: ProcessPoolExecutor | None) -> None:
        self.problem = problem
        self.pool = pool

    def density(self, z: np.ndarray) -> np.ndarray:
        """Log posteriors of the rows of z, in order."""
        z = np.atleast_2d(z)
        if self.pool is None:
            return np.array([self.problem.log_posterior(row) for row in z])  # type: ignore[attr-defined]
        parts = [p for p in np.array_split(z, min(len(z), 4 * self.pool._max_workers)) if len(p)]
        return np.concatenate(list(self.pool.map(_evaluate, parts)))

    def chains(
        self,
        starts: np.ndarray,
        proposal: np.ndarray,
        warmup: int,
        draws: int,
        thin: int,
        seeds: list[int],
        tick: Tick | None = None,
        adapt: bool = True,
    ) -> list[tuple[np.ndarray, float]]:
        """Run one Metropolis chain per start (see sampler.one_chain)."""
        jobs = [
            (s, proposal, warmup, draws, thin, seed) for s, seed in zip(starts, seeds, strict=True)
        ]
        if self.pool is None:
            density = self.problem.log_posterior  # type: ignore[attr-defined]
            return [one_chain(density, *job, tick, adapt=adapt) for job in jobs]
        runs = []
        for run in self.pool.map(_chain, [(*job, adapt) for job in jobs]):
            runs.append(run)
            if tick is not None:
                tick(warmup + draws * thin)
        return runs


@contextmanager
def fit_workers(problem: object, workers: int) -> Iterator[Workers]:
    """Workers for `problem`: this process for one worker, else a pool of `workers`
    processes (started once, given the problem once)."""
    if workers <= 1:
        yield Workers(problem, None)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_install, initargs=(problem,)
    ) as pool:
        yield Workers(problem, pool)
