"""The executor --executor names: worker processes on this machine, or a Dask cluster."""

from __future__ import annotations

from collections.abc import Callable

from coopsim.defaults import EXECUTOR_CHOICES
from coopsim.errors import InputError
from coopsim.runs.executors import Executor, PoolExecutor


def make_executor(
    kind: str = "pool",
    workers: int | None = None,
    scheduler: str | None = None,
    after_start: Callable[[], None] | None = None,
) -> Executor:
    """The executor --executor names: `pool` (worker processes on this machine, calling
    `after_start` once they run their first chunks) or `dask` (the cluster at `scheduler`, or
    a local one with `workers` worker processes)."""
    if kind == "pool":
        if scheduler:
            raise InputError("--scheduler", "needs --executor dask (the pool runs on this machine)")
        return PoolExecutor(workers, after_start)
    if kind == "dask":
        from coopsim.runs.dask_executor import DaskExecutor

        return DaskExecutor(workers, scheduler)
    raise ValueError(f"unknown executor {kind!r}; choose from {', '.join(EXECUTOR_CHOICES)}")
