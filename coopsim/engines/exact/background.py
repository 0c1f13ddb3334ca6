"""A second thread for the exact engine's shares, so the two cores share one answer.

A share's cumulative sums (shares.spectral_cumulative) are two inverse transforms and two
matrix products on a grid of up to a quarter of a million points: a few long numpy calls that
run without the GIL. On a second thread they overlap the rest of the answer (the other
metrics' transforms, the quantile searches), which runs here; the numbers are the same to the
last bit (the same calls on the same arrays). The thread lives only inside `second_thread`:
none is left behind to make forking unsafe (runs.executors.forking_is_safe).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

#: An executor's submit: runs fn(*args) elsewhere and returns its Future.
Submit = Callable[..., Future[Any]]


@contextmanager
def second_thread() -> Iterator[Submit]:
    """A submit that runs work on one more thread, joined (all its work done) on exit."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="coopsim-exact") as pool:
        yield pool.submit
