"""Where chunks of replicates run: this process, a pool of worker processes, or Dask.

Every executor takes the same chunk tasks (a chunk function, a plan, a seed and a range of
replicates) and yields each result as it finishes, in any order; callers place results by
their range. Replicate i depends only on (seed, i), so the executor never changes a result.
Forecasts, calibration, goal seeking and sensitivity runs reach them through
`coopsim.runs.simulate.simulate(..., executor=...)`; one executor can serve many calls, so worker
processes (or a Dask cluster) start once.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

import numpy as np

from coopsim.engines.contract import ChunkFunction
from coopsim.model.plan import SimulationPlan
from coopsim.threads import single_threaded_blas

#: Chunks kept in flight per worker: enough to keep every worker busy, few enough that the
#: results waiting to be collected stay small.
IN_FLIGHT_PER_WORKER = 2
#: Modules a pool's fork server loads for its workers.
WORKER_PRELOAD = ("coopsim.runs.executors", "coopsim.engines.registry")


@dataclass(frozen=True)
class ChunkTask:
    """Replicates start..stop-1 of `plan` run by `chunk`; `tag` is the caller's label (e.g.
    which of a forecast's runs the chunk belongs to)."""

    chunk: ChunkFunction
    plan: SimulationPlan
    seed: int
    start: int
    stop: int
    tag: Hashable = None

    @property
    def size(self) -> int:
        return self.stop - self.start


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


def run_chunk(
    chunk: ChunkFunction, plan: SimulationPlan, seed: int, start: int, stop: int
) -> np.ndarray:
    """One chunk, with the cyclic garbage collector paused and BLAS on one thread."""
    with gc_paused(), single_threaded_blas():
        return chunk(plan, seed, start, stop)


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Executor(ABC):
    """Runs chunk tasks and yields (task, result) as each finishes. Use it as a context
    manager: leaving the block normally waits for nothing (every yielded task is done);
    leaving it on an exception (Ctrl-C) stops the workers at once."""

    name: str = "executor"
    workers: int = 1

    @abstractmethod
    def run(self, tasks: Sequence[ChunkTask]) -> Iterator[tuple[ChunkTask, np.ndarray]]:
        """Run `tasks`, yielding each with its result as it finishes."""

    def close(self, abort: bool = False) -> None:
        """Release workers; with `abort`, without waiting for chunks still running."""
        return None

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(abort=kind is not None)


class SerialExecutor(Executor):
    """Every chunk in this process, in order."""

    name = "serial"

    def run(self, tasks: Sequence[ChunkTask]) -> Iterator[tuple[ChunkTask, np.ndarray]]:
        for task in tasks:
            yield task, run_chunk(task.chunk, task.plan, task.seed, task.start, task.stop)


#: prctl(2) option: the signal a process receives when the thread that forked it exits.
PR_SET_PDEATHSIG = 1
#: Seconds between checks that the parent lives, where it cannot be waited for directly.
PARENT_POLL_SECONDS = 0.5
#: A worker's exit status when it leaves because the process that started the pool is gone.
ORPHANED_EXIT = 1


def _start_worker(parent: int) -> None:
    """A pool worker's first act: leave Ctrl-C to the parent, which stops the pool cleanly,
    and exit as soon as the parent process is gone, whatever ended it (SIGKILL included)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker has the command's handler
    exit_with(parent)


def exit_with(parent: int) -> None:
    """End this process when process `parent` ends. A worker of a fork server is the fork
    server's child, not the parent's: it watches the parent itself (a pid file descriptor that
    becomes readable when the process ends, or else a poll), and once the workers are gone the
    fork server and multiprocessing's resource tracker see their pipes close and end too."""
    if sys.platform.startswith("linux"):
        _die_with_forking_process()
    try:
        handle: int | None = os.pidfd_open(parent)
    except ProcessLookupError:
        os._exit(ORPHANED_EXIT)  # gone already
    except (AttributeError, OSError):
        handle = None
    threading.Thread(
        target=_watch_parent, args=(parent, handle), name="coopsim-parent-watch", daemon=True
    ).start()


def _die_with_forking_process() -> None:
    """SIGTERM when the process that forked this one ends (the parent itself when workers are
    spawned, the fork server otherwise)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _watch_parent(parent: int, handle: int | None) -> None:
    if handle is not None:
        select.select([handle], [], [])  # readable once the parent has ended
    else:
        while _alive(parent):
            time.sleep(PARENT_POLL_SECONDS)
    os._exit(ORPHANED_EXIT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forking_is_safe() -> bool:
    """Whether a copy of this process may be forked: Linux, and no other Python thread that
    could hold a lock the copy inherits but tqdm's monitor (it takes only tqdm's own lock, for
    an instant every ten seconds, and a copy never draws a progress bar)."""
    if (
        not sys.platform.startswith("linux")
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return False
    current = threading.current_thread()
    others = [t for t in threading.enumerate() if t is not current]
    return all(type(t).__name__ == "TMonitor" for t in others)


def start_method() -> str:
    """How a pool starts its workers: forked from this process where that is safe
    (forking_is_safe), so they are ready in a tenth of a second with everything this process
    imported; else from a fork server that imports the engines once (about a second, more on a
    busy machine), else spawned."""
    if forking_is_safe():
        return "fork"
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class PoolExecutor(Executor):
    """A pool of `workers` processes, started when a run first has more than one chunk and
    kept until closed; a single chunk, or one worker, runs in this process."""

    name = "pool"

    def __init__(
        self, workers: int | None = None, after_start: Callable[[], None] | None = None
    ) -> None:
        self.workers = max(1, workers or default_workers())
        self._pool: ProcessPoolExecutor | None = None
        #: Called once the workers exist and have their first chunks, e.g. to do work of this
        #: process's own while it would only wait for them.
        self._after_start = after_start

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = start_method()
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                # The fork server imports the engines once; each worker forked from it starts
                # with them loaded instead of importing them again.
                context.set_forkserver_preload(list(WORKER_PRELOAD))
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def run(self, tasks: Sequence[ChunkTask]) -> Iterator[tuple[ChunkTask, np.ndarray]]:
        if self.workers <= 1 or len(tasks) <= 1:
            yield from SerialExecutor().run(tasks)
            return
        fresh = self._pool is None
        pool = self._started()
        queue = iter(tasks)
        pending: dict[Future[np.ndarray], ChunkTask] = {}
        try:
            while True:
                while len(pending) < IN_FLIGHT_PER_WORKER * self.workers:
                    task = next(queue, None)
                    if task is None:
                        break
                    future = pool.submit(
                        run_chunk, task.chunk, task.plan, task.seed, task.start, task.stop
                    )
                    pending[future] = task
                if fresh and self._after_start is not None:  # forked at the first submit
                    fresh = False
                    self._after_start()
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self, abort: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not abort:
            pool.shutdown(wait=True)
            return
        # Stop at once: queued chunks are cancelled and running ones abandoned (their
        # replicates are run again by a resumed run).
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
        pool.shutdown(wait=True)
