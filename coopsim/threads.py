"""Keep BLAS to one thread while coopsim computes.

coopsim's matrices are tiny (a dozen states at most). A threaded BLAS gains nothing on them
and, on a busy machine or beside worker processes, its threads wait for each other: a 6 x 6
matrix exponential was measured 1,000 times slower with two OpenBLAS threads under load.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def single_threaded_blas() -> threadpool_limits:
    """A context manager (also usable as a decorator) that limits BLAS to one thread."""
    return threadpool_limits(limits=1, user_api="blas")
