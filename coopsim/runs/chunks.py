"""How a run of replicates is cut into chunks for the executors.

Replicate i always draws from the seed's i-th child sequence and results are assembled in
replicate order, so the output is the same whatever the number of workers or the executor.
"""

from __future__ import annotations

import math

from coopsim.engines.contract import DEFAULT_LARGEST_CHUNK

__all__ = ["DEFAULT_LARGEST_CHUNK", "bounds_between", "chunk_bounds", "chunk_size"]


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
