"""Removals in the simpy engine: scripted clean-ups at their dates, and clean-up waves in the
years a replicate's "waves" stream gives them."""

from __future__ import annotations

from functools import partial
from typing import Protocol

import numpy as np
import simpy

from coopsim.engines.des.origin import start_time
from coopsim.engines.draws import wave_years
from coopsim.model.plan import SimulationPlan
from coopsim.rng import KeyedDraws


class DesReplicate(Protocol):
    """What a removal needs of a running replicate: its clock, plan, random key, each
    cooperative's latent state (-1 once gone) and the removal tally."""

    env: simpy.Environment
    plan: SimulationPlan
    seed: int
    replicate: int
    cls: list[int]
    removed: int

    def dissolve(self, i: int) -> None: ...


def schedule_removals(sim: DesReplicate) -> None:
    """Queue the scripted clean-ups, then the waves (so a wave at the instant of a scripted
    clean-up comes after it); each kind draws from its own keyed stream."""
    plan = sim.plan
    start = start_time(plan)  # nothing happens before a report the run starts at
    due = [c for c in plan.cleanups if start <= c.time < plan.n_years]
    if due:
        rng = KeyedDraws(sim.seed, sim.replicate, "cleanups")
        for cleanup in due:
            event = sim.env.timeout(cleanup.time)
            event.callbacks.append(partial(remove, sim, cleanup.removal, rng))
    waves = plan.waves
    if waves is not None:
        rng = KeyedDraws(sim.seed, sim.replicate, "wave_removals")
        for k in np.flatnonzero(wave_years(plan, sim.seed, sim.replicate)).tolist():
            if waves.time(k) < start:
                continue
            event = sim.env.timeout(waves.time(k))
            event.callbacks.append(partial(remove, sim, waves.removal, rng))


def remove(sim: DesReplicate, removal: np.ndarray, rng: KeyedDraws, _event: simpy.Event) -> None:
    """Remove each alive cooperative in a targeted state with that state's probability (each
    cooperative's draw is its own, so runs that differ elsewhere still agree here)."""
    probabilities = removal.tolist()
    for i, c in enumerate(sim.cls):
        if c >= 0 and probabilities[c] > 0 and rng.next(i) < probabilities[c]:
            sim.dissolve(i)
            sim.removed += 1
