"""Chunks on Dask distributed: a cluster at a scheduler's address, or a local one started for
the run (one single-threaded worker process per requested worker) and shut down afterwards.

Workers of a remote cluster must have the same coopsim and numpy installed: a chunk's result
is computed there exactly as it would be here.
"""

from __future__ import annotations

import logging
import signal
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from coopsim.errors import InputError
from coopsim.runs.executors import (
    IN_FLIGHT_PER_WORKER,
    ChunkTask,
    Executor,
    default_workers,
    run_chunk,
)

INSTALL_HINT = 'Dask is not installed; install it with: pip install "coopsim[dask]"'
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT = 20


def _distributed() -> Any:
    """The distributed package, or a clear input error naming the option and the install."""
    try:
        import distributed
    except ImportError:
        raise InputError("--executor dask", INSTALL_HINT) from None
    return distributed


class DaskExecutor(Executor):
    """Chunks as Dask tasks, each plan sent to the workers once per run."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        distributed = _distributed()
        self._distributed = distributed
        self._cluster = None
        if scheduler:
            try:
                self._client = distributed.Client(
                    scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False
                )
            except (OSError, TimeoutError, ValueError) as error:
                raise InputError(
                    "--scheduler", f"cannot reach a Dask scheduler at {scheduler} ({error})"
                ) from None
        else:
            count = max(1, workers or default_workers())
            # Worker processes inherit an ignored Ctrl-C, which they then keep: the parent
            # alone handles it, and stops them.
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                self._cluster = distributed.LocalCluster(
                    n_workers=count,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            finally:
                signal.signal(signal.SIGINT, previous)
            self._client = distributed.Client(self._cluster, set_as_default=False)
        found = len(self._client.scheduler_info().get("workers", {}))
        self.workers = found or max(1, workers or 1)

    def run(self, tasks: Sequence[ChunkTask]) -> Iterator[tuple[ChunkTask, np.ndarray]]:
        client = self._client
        plans: dict[int, Any] = {}
        queue = iter(tasks)
        running = self._distributed.as_completed(loop=client.loop)
        pending: dict[Any, ChunkTask] = {}

        def submit() -> bool:
            task = next(queue, None)
            if task is None:
                return False
            key = id(task.plan)
            if key not in plans:
                plans[key] = client.scatter(task.plan, broadcast=True, hash=False)
            future = client.submit(
                run_chunk,
                task.chunk,
                plans[key],
                task.seed,
                task.start,
                task.stop,
                pure=False,
                key=f"coopsim-chunk-{task.start}-{task.stop}-{uuid.uuid4().hex}",
            )
            pending[future] = task
            running.add(future)
            return True

        try:
            while len(pending) < IN_FLIGHT_PER_WORKER * self.workers and submit():
                pass
            for future in running:
                task = pending.pop(future)
                yield task, future.result()
                submit()
        finally:
            if pending:
                client.cancel(list(pending))
            if plans:
                client.cancel(list(plans.values()))

    def close(self, abort: bool = False) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    @property
    def scheduler_address(self) -> str:
        return str(self._client.scheduler.address)
