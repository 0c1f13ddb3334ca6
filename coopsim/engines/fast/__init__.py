"""The fast engine: the model in numpy, on counts, a block of replicates at a time."""

from coopsim.engines.contract import Engine
from coopsim.engines.fast.simulation import (
    FAST_BLOCK,
    simulate_block,
    simulate_chunk,
    unsupported_features,
)

#: A fast-engine block takes milliseconds: chunks of 16 blocks (about 0.2 s of work) amortise
#: a worker's overhead, and smaller runs stay in this process.
FAST_CHUNK = 16 * FAST_BLOCK

ENGINE = Engine(
    name="fast",
    description="numpy on counts, a block of replicates at a time",
    unsupported=unsupported_features,
    chunk=simulate_chunk,
    align=FAST_BLOCK,
    largest_chunk=FAST_CHUNK,
    smallest_chunk=FAST_CHUNK,
)

__all__ = [
    "ENGINE",
    "FAST_BLOCK",
    "FAST_CHUNK",
    "simulate_block",
    "simulate_chunk",
    "unsupported_features",
]
