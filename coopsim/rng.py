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
    "cooperatives",
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


GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_UNIT = 2.0**-53


def splitmix64(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 output function on uint64 arrays (wrapping arithmetic)."""
    z = z + GOLDEN_GAMMA
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class KeyedDraws:
    """Uniform draws keyed by entity: entity i's j-th draw depends only on (seed, replicate,
    stream, i, j), never on what other entities drew or in which order events happened.

    This is what makes common random numbers work across scenarios: a cooperative whose
    hazards a policy does not touch lives exactly the same life in both runs. Each entity has
    its own SplitMix64 sequence; values are computed with numpy in blocks, for many entities
    at once (entities are numbered 0, 1, 2, ... in the order the simulation creates them).
    """

    FIRST = 16  # values computed per entity up front
    MORE = 32  # values added when an entity has used them all
    ENTITIES = 256  # entities computed at once

    def __init__(self, seed: int, replicate: int, name: str) -> None:
        key = (replicate, STREAM_NAMES.index(name))
        state = np.random.SeedSequence(seed, spawn_key=key).generate_state(1, dtype=np.uint64)
        self.key = state[0]
        self._rows: list[list[float]] = []
        self._used: list[int] = []

    def next(self, i: int) -> float:
        """Entity i's next uniform on [0, 1)."""
        if i >= len(self._rows):
            first = len(self._rows)
            ids = np.arange(first, max(i + 1, first + self.ENTITIES), dtype=np.uint64)
            self._rows.extend(self._block(ids, 0, self.FIRST))
            self._used.extend([0] * len(ids))
        j = self._used[i]
        row = self._rows[i]
        if j == len(row):
            row.extend(self._block(np.array([i], dtype=np.uint64), j, self.MORE)[0])
        self._used[i] = j + 1
        return row[j]

    def _block(self, ids: np.ndarray, start: int, count: int) -> list[list[float]]:
        with np.errstate(over="ignore"):
            seeds = splitmix64(self.key ^ splitmix64(ids))
            counters = np.arange(start, start + count, dtype=np.uint64) * GOLDEN_GAMMA
            z = splitmix64(seeds[:, None] + counters[None, :])
        return ((z >> np.uint64(11)).astype(np.float64) * _UNIT).tolist()
