"""The replicate-level entry point: a compiled plan's replicates from a Monte Carlo engine,
on the one ensemble runner (coopsim.runs.ensemble), for every caller that needs arrays."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np

from coopsim.engines.contract import Engine
from coopsim.engines.registry import EngineChoice, select_engine
from coopsim.model.plan import SimulationPlan
from coopsim.runs.chunks import chunk_size
from coopsim.runs.ensemble import run_ensemble
from coopsim.runs.executors import Executor, PoolExecutor
from coopsim.runs.progress import Progress
from coopsim.threads import single_threaded_blas


def simulate(
    plan: SimulationPlan,
    seed: int,
    replications: int,
    *,
    engine: str | Engine = "auto",
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> tuple[np.ndarray, EngineChoice]:
    """Per-replicate yearly metrics (replications x years x metrics, in METRIC_NAMES order)
    of a compiled plan, from the requested Monte Carlo engine or, with "auto", the fastest
    that supports the plan. Replicate i depends only on (seed, i), whatever `workers` is.
    `executor` (see coopsim.runs.executors.make_executor) runs the chunks on a pool or Dask
    cluster the caller keeps across calls; without it, a pool of `workers` for this call.
    An `Engine` object (e.g. with smaller chunks) is run as given.

    >>> from coopsim.runs.simulate import simulate
    >>> values, choice = simulate(plan, seed=1, replications=512)  # doctest: +SKIP
    """
    if engine == "exact":
        raise ValueError("the exact engine has no replicates; use coopsim.engines.exact.ExactModel")
    choice = (
        EngineChoice(engine, "requested")
        if isinstance(engine, Engine)
        else select_engine(engine, plan)
    )
    runner = executor or PoolExecutor(workers)
    size = chunk_size(
        replications, runner.workers, choice.align, choice.largest_chunk, choice.smallest_chunk
    )
    with single_threaded_blas(), runner if executor is None else nullcontext():
        outcome = run_ensemble(
            [plan], choice.engine, seed, replications, runner, size, progress=progress
        )
    return outcome.data[0].array(), choice
