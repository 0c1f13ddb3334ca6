"""The simpy engine: every cooperative an entity with its own next event; the model of record."""

from coopsim.engines.contract import Engine, per_replicate
from coopsim.engines.des.simulation import simulate_replicate

#: A des replicate to 2030 takes 15-50 ms: chunks of at least 4 (about 0.1 s of work) keep a
#: worker's few milliseconds per chunk small.
DES_SMALLEST_CHUNK = 4

ENGINE = Engine(
    name="des",
    description="simpy, one entity per cooperative; runs every scenario feature",
    unsupported=lambda plan: [],
    chunk=per_replicate(simulate_replicate),
    smallest_chunk=DES_SMALLEST_CHUNK,
)

__all__ = ["DES_SMALLEST_CHUNK", "ENGINE", "simulate_replicate"]
