"""Random streams: one SeedSequence child per replicate, named sub-streams inside it.

Replicate i of a run with seed S draws from SeedSequence(S, spawn_key=(i,)), which is exactly
SeedSequence(S).spawn(n)[i], so results do not depend on how replicates are split across
processes. Inside a replicate each purpose (founding, transitions, ...) has its own stream, so two
scenarios run with the same seed share their random numbers where they share their rules.
"""

from __future__ import annotations

import numpy as np

#: Fixed sub-stream keys; append new names, never reorder (that would change every result).
STREAM_NAMES: tuple[str, ...] = (
    "founding",
    "transitions",
    "members",
    "initial",
    "cleanups",
    "programmes",
)


def replicate_sequence(seed: int, replicate: int) -> np.random.SeedSequence:
    """The SeedSequence of one replicate, independent of how replicates are chunked."""
    return np.random.SeedSequence(seed, spawn_key=(replicate,))


def stream(seed: int, replicate: int, name: str) -> np.random.Generator:
    """The generator of one named sub-stream of one replicate."""
    key = (replicate, STREAM_NAMES.index(name))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


class BufferedDraws:
    """Scalar exponential and uniform draws served from blocks, for event-by-event simulation.

    numpy's per-call overhead dominates single draws; blocks of fixed size keep the sequence
    reproducible while making each draw a list lookup.
    """

    BLOCK = 512

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._exponentials: list[float] = []
        self._uniforms: list[float] = []

    def exponential(self) -> float:
        """A standard exponential variate (rate 1)."""
        if not self._exponentials:
            self._exponentials = self.rng.standard_exponential(self.BLOCK).tolist()
        return self._exponentials.pop()

    def uniform(self) -> float:
        """A uniform variate on [0, 1)."""
        if not self._uniforms:
            self._uniforms = self.rng.random(self.BLOCK).tolist()
        return self._uniforms.pop()
