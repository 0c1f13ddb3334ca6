"""Log posteriors of many parameter vectors at once, in worker processes.

The whole-record likelihood costs milliseconds, and the independence sampler's proposals
and the finite-difference Hessian do not depend on each other, so they are evaluated in a
batch. Values come back in the order asked, so results are the same for any number of
workers.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np

#: Maps (n, dim) unconstrained vectors to their n log posteriors.
BatchDensity = Callable[[np.ndarray], np.ndarray]

_PROBLEM = None


def _install(problem: object) -> None:
    global _PROBLEM
    _PROBLEM = problem


def _evaluate(z: np.ndarray) -> np.ndarray:
    return np.array([_PROBLEM.log_posterior(row) for row in z])  # type: ignore[attr-defined]


@contextmanager
def batch_density(problem: object, workers: int) -> Iterator[BatchDensity]:
    """A BatchDensity for `problem.log_posterior`: in this process for one worker, else in
    a pool of `workers` processes (started once, given the problem once)."""
    if workers <= 1:
        yield lambda z: np.array([problem.log_posterior(row) for row in z])  # type: ignore[attr-defined]
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_install, initargs=(problem,)
    ) as pool:

        def evaluate(z: np.ndarray) -> np.ndarray:
            parts = np.array_split(np.atleast_2d(z), min(len(z), 4 * workers))
            return np.concatenate(list(pool.map(_evaluate, [p for p in parts if len(p)])))

        yield evaluate
