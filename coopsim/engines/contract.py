"""The engine contract: what every engine says about itself and how it produces results.

An engine has a name, a one-line description, and says which features of a compiled plan it
cannot run (and why, in words a user can act on). A Monte Carlo engine produces replicates
start..stop-1 of a plan as an array (replicates x years x metrics, in METRIC_NAMES order),
drawing replicate i from the seed's i-th child stream only, so a chunk's result never depends
on how a run was cut; an exact engine produces closed-form distributions instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from coopsim.model.plan import SimulationPlan

#: (plan, seed, start, stop) -> results of replicates start..stop-1.
ChunkFunction = Callable[[SimulationPlan, int, int, int], np.ndarray]
#: (plan, seed, replicate) -> one replicate's results (years x metrics).
ReplicateFunction = Callable[[SimulationPlan, int, int], np.ndarray]

#: Replicates in a chunk at most, unless the engine says otherwise.
DEFAULT_LARGEST_CHUNK = 500


@dataclass(frozen=True)
class Engine:
    """One way to run the model. Monte Carlo engines set `chunk` (and the block size chunks
    must align to, and the fewest and most replicates worth one chunk); the exact engine sets
    `distributions`, a function from a plan to its closed-form model."""

    name: str
    description: str
    unsupported: Callable[[SimulationPlan], list[str]]
    chunk: ChunkFunction | None = None
    distributions: Callable[[SimulationPlan], Any] | None = None
    align: int = 1
    largest_chunk: int = DEFAULT_LARGEST_CHUNK
    smallest_chunk: int = 1

    @property
    def monte_carlo(self) -> bool:
        """Whether the engine produces replicates (and so can pair scenarios by replicate)."""
        return self.chunk is not None

    def unsupported_features(self, plan: SimulationPlan) -> list[str]:
        """The plan's features this engine cannot run, each in words a user can act on."""
        return list(self.unsupported(plan))


def replicate_chunk(
    simulate: ReplicateFunction, plan: SimulationPlan, seed: int, start: int, stop: int
) -> np.ndarray:
    """Replicates start..stop-1 of a one-replicate-at-a-time engine, stacked (each with its
    posterior parameter set, if the plan has them)."""
    return np.stack([simulate(plan.for_replicate(i), seed, i) for i in range(start, stop)])


def per_replicate(simulate: ReplicateFunction) -> ChunkFunction:
    """The chunk function of a one-replicate-at-a-time engine (picklable for the pool)."""
    return partial(replicate_chunk, simulate)
