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
    "waves",
    "wave_removals",
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


_S11, _S27, _S30, _S31 = (np.uint64(n) for n in (11, 27, 30, 31))
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def splitmix64(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 output function on uint64 arrays (wrapping arithmetic), computed in
    place on one copy: it runs on every replicate's set-up."""
    z = z + GOLDEN_GAMMA
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


_entity_hashes = np.empty(0, dtype=np.uint64)


def entity_hashes(stop: int) -> np.ndarray:
    """splitmix64 of entity numbers 0..stop-1: the same for every stream and replicate, so
    computed once per process (and extended as needed)."""
    global _entity_hashes
    if stop > len(_entity_hashes):
        size = max(stop, 2 * len(_entity_hashes), 4096)
        _entity_hashes = splitmix64(np.arange(size, dtype=np.uint64))
    return _entity_hashes[:stop]


class KeyedDraws:
    """Uniform draws keyed by entity: entity i's j-th draw depends only on (seed, replicate,
    stream, i, j), never on what other entities drew or in which order events happened.

    This is what makes common random numbers work across scenarios: a cooperative whose
    hazards a policy does not touch lives exactly the same life in both runs. Each entity has
    its own SplitMix64 sequence; values are computed with numpy for a block of entities at
    once, when one of them first draws, and turned into a Python list entity by entity as
    each is used (entities are numbered 0, 1, 2, ... in the order the simulation creates
    them).
    """

    FIRST = 16  # values computed per entity in its block
    MORE = 32  # values added when an entity has used them all
    ENTITIES = 256  # entities per block

    def __init__(self, seed: int, replicate: int, name: str) -> None:
        key = (replicate, STREAM_NAMES.index(name))
        # The sequence's first 64-bit word, as generate_state(1, np.uint64) gives it (low word
        # first), from two 32-bit words: numpy's uint64 path costs several times more.
        low, high = np.random.SeedSequence(seed, spawn_key=key).generate_state(2).tolist()
        self.key = np.uint64(low | high << 32)
        self._rows: list[list[float] | None] = []  # None until the entity's row is needed
        self._used: list[int] = []
        self._blocks: dict[int, np.ndarray] = {}  # computed blocks, rows not yet listed

    def next(self, i: int) -> float:
        """Entity i's next uniform on [0, 1)."""
        if i >= len(self._used):
            self._grow(i)
        j = self._used[i]
        row = self._rows[i]
        if row is None or j == len(row):
            row = self._refill(i, j)
        self._used[i] = j + 1
        return row[j]

    def _grow(self, i: int) -> None:
        """Make room for entities up to i, in whole blocks."""
        more = (i // self.ENTITIES + 1) * self.ENTITIES - len(self._used)
        self._rows.extend([None] * more)
        self._used.extend([0] * more)

    def _refill(self, i: int, j: int) -> list[float]:
        """Entity i's row, listed from its block on first use and extended once used up."""
        row = self._rows[i]
        if row is None:
            b, r = divmod(i, self.ENTITIES)
            block = self._blocks.get(b)
            if block is None:
                first = b * self.ENTITIES
                block = self._blocks[b] = self._values(first, first + self.ENTITIES, 0, self.FIRST)
            row = self._rows[i] = block[r].tolist()
        if j == len(row):
            row.extend(self._values(i, i + 1, j, self.MORE)[0].tolist())
        return row

    def _values(self, lo: int, hi: int, start: int, count: int) -> np.ndarray:
        """Draws start..start+count-1 of entities lo..hi-1, (hi - lo, count); uint64 array
        arithmetic wraps silently, as SplitMix64 needs."""
        seeds = splitmix64(self.key ^ entity_hashes(hi)[lo:])
        counters = np.arange(start, start + count, dtype=np.uint64) * GOLDEN_GAMMA
        z = splitmix64(seeds[:, None] + counters[None, :])
        z >>= _S11
        return z.astype(np.float64) * _UNIT
