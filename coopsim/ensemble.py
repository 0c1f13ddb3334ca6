"""Run many replicates in chunks, on an executor (this process, worker processes or Dask).

Replicate i always draws from the seed's i-th child sequence and results are assembled in
replicate order, so the output is the same whatever the number of workers or the executor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np

from coopsim.executors import (
    ChunkFunction,
    ChunkTask,
    Executor,
    PoolExecutor,
    default_workers,
    gc_paused,
    run_chunk,
)
from coopsim.plan import SimulationPlan
from coopsim.progress import Progress

ReplicateFunction = Callable[[SimulationPlan, int, int], np.ndarray]

__all__ = [
    "ChunkFunction",
    "ReplicateFunction",
    "chunk_bounds",
    "chunk_size",
    "default_workers",
    "gc_paused",
    "per_replicate",
    "run_chunk",
    "run_chunks",
    "run_replicates",
]


def replicate_chunk(
    simulate: ReplicateFunction, plan: SimulationPlan, seed: int, start: int, stop: int
) -> np.ndarray:
    """Replicates start..stop-1 of a one-replicate-at-a-time engine, stacked (each with its
    posterior parameter set, if the plan has them)."""
    return np.stack([simulate(plan.for_replicate(i), seed, i) for i in range(start, stop)])


def per_replicate(simulate: ReplicateFunction) -> ChunkFunction:
    """The chunk function of a one-replicate-at-a-time engine (picklable for the pool)."""
    return partial(replicate_chunk, simulate)


#: Replicates in a chunk at most, unless the engine says otherwise.
DEFAULT_LARGEST_CHUNK = 500


def chunk_size(
    n: int, workers: int, align: int = 1, largest: int = DEFAULT_LARGEST_CHUNK, smallest: int = 1
) -> int:
    """Replicates per chunk for a run of n: several chunks per worker for balance and a live
    progress bar, a multiple of `align` (an engine's block of replicates), and between
    `smallest` (enough work to be worth a worker's overhead) and `largest`."""
    size = max(smallest, min(largest, math.ceil(n / (8 * max(workers, 1)))), 1)
    return math.ceil(size / align) * align


def bounds_between(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    """Replicates start..stop-1 cut into chunks of `size` (the last may be shorter)."""
    return [(first, min(first + size, stop)) for first in range(start, stop, size)]


def chunk_bounds(
    n: int, workers: int, align: int = 1, largest: int = DEFAULT_LARGEST_CHUNK, smallest: int = 1
) -> list[tuple[int, int]]:
    """n replicates split into chunks of `chunk_size` replicates."""
    return bounds_between(0, n, chunk_size(n, workers, align, largest, smallest))


def run_replicates(
    simulate: ReplicateFunction,
    plan: SimulationPlan,
    seed: int,
    replications: int,
    workers: int = 1,
    progress: Progress | None = None,
) -> np.ndarray:
    """All replicates of a one-replicate-at-a-time engine, in replicate order."""
    return run_chunks(per_replicate(simulate), plan, seed, replications, workers, progress)


def run_chunks(
    chunk: ChunkFunction,
    plan: SimulationPlan,
    seed: int,
    replications: int,
    workers: int = 1,
    progress: Progress | None = None,
    align: int = 1,
    largest: int = DEFAULT_LARGEST_CHUNK,
    smallest: int = 1,
    *,
    executor: Executor | None = None,
) -> np.ndarray:
    """All replicates of a run (replications x years x metrics), in replicate order, on
    `executor` (default: a process pool of `workers`, closed afterwards)."""
    if executor is None:
        with PoolExecutor(workers) as pool:
            return run_chunks(
                chunk,
                plan,
                seed,
                replications,
                workers,
                progress,
                align,
                largest,
                smallest,
                executor=pool,
            )
    bounds = chunk_bounds(replications, executor.workers, align, largest, smallest)
    tasks = [ChunkTask(chunk, plan, seed, start, stop) for start, stop in bounds]
    results: dict[int, np.ndarray] = {}
    for task, values in executor.run(tasks):
        results[task.start] = values
        if progress:
            progress.advance(task.size)
    return np.concatenate([results[start] for start, _ in bounds])
