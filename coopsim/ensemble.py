"""Run many replicates, in chunks, in this process or on a pool of worker processes.

Replicate i always draws from the seed's i-th child sequence and results are assembled in
replicate order, so the output is the same whatever the number of workers.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from functools import partial

import numpy as np

from coopsim.plan import SimulationPlan
from coopsim.progress import Progress
from coopsim.threads import single_threaded_blas

ReplicateFunction = Callable[[SimulationPlan, int, int], np.ndarray]
#: (plan, seed, start, stop) -> results of replicates start..stop-1.
ChunkFunction = Callable[[SimulationPlan, int, int, int], np.ndarray]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: event-by-event simulation allocates many small
    objects, and its periodic scans of them cost more than the simulation itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def replicate_chunk(
    simulate: ReplicateFunction, plan: SimulationPlan, seed: int, start: int, stop: int
) -> np.ndarray:
    """Replicates start..stop-1 of a one-replicate-at-a-time engine, stacked (each with its
    posterior parameter set, if the plan has them)."""
    return np.stack([simulate(plan.for_replicate(i), seed, i) for i in range(start, stop)])


def per_replicate(simulate: ReplicateFunction) -> ChunkFunction:
    """The chunk function of a one-replicate-at-a-time engine (picklable for the pool)."""
    return partial(replicate_chunk, simulate)


def run_chunk(
    chunk: ChunkFunction, plan: SimulationPlan, seed: int, start: int, stop: int
) -> np.ndarray:
    """One chunk, with the cyclic garbage collector paused and BLAS on one thread."""
    with gc_paused(), single_threaded_blas():
        return chunk(plan, seed, start, stop)


#: Replicates in a chunk at most, unless the engine says otherwise.
DEFAULT_LARGEST_CHUNK = 500


def chunk_bounds(
    n: int, workers: int, align: int = 1, largest: int = DEFAULT_LARGEST_CHUNK, smallest: int = 1
) -> list[tuple[int, int]]:
    """Split n replicates into chunks: several per worker for balance and a live progress bar,
    each starting at a multiple of `align` (an engine's block of replicates) and holding
    between `smallest` (enough work to be worth a worker's overhead) and `largest`."""
    size = max(smallest, min(largest, math.ceil(n / (8 * max(workers, 1)))), 1)
    size = math.ceil(size / align) * align
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


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
) -> np.ndarray:
    """All replicates of a run (replications x years x metrics), in replicate order."""
    chunks = chunk_bounds(replications, workers, align, largest, smallest)
    results: list[np.ndarray | None] = [None] * len(chunks)
    if workers <= 1 or len(chunks) == 1:
        for index, (start, stop) in enumerate(chunks):
            results[index] = run_chunk(chunk, plan, seed, start, stop)
            if progress:
                progress.advance(stop - start)
    else:
        _run_on_pool(chunk, plan, seed, chunks, workers, results, progress)
    return np.concatenate([r for r in results if r is not None])


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which cancels the pool cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_on_pool(
    chunk: ChunkFunction,
    plan: SimulationPlan,
    seed: int,
    chunks: list[tuple[int, int]],
    workers: int,
    results: list[np.ndarray | None],
    progress: Progress | None,
) -> None:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=multiprocessing.get_context(method),
        initializer=_ignore_interrupts,
    )
    try:
        pending: dict[Future[np.ndarray], int] = {
            pool.submit(run_chunk, chunk, plan, seed, start, stop): index
            for index, (start, stop) in enumerate(chunks)
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                results[index] = future.result()
                if progress:
                    start, stop = chunks[index]
                    progress.advance(stop - start)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
