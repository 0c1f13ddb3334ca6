"""Support programmes in the simpy engine: capacity- and budget-limited selection of
cooperatives whose hazards then change for a while."""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Protocol

import numpy as np
import simpy

from coopsim.engines.des.origin import start_time
from coopsim.model.plan import ProgrammePlan, SimulationPlan


class DesReplicate(Protocol):
    """What a selection round needs of a running replicate: its clock, plan, each
    cooperative's class (-1 once gone) and support, and the programme tallies."""

    env: simpy.Environment
    plan: SimulationPlan
    cls: list[int]
    support: list[int]
    supported: int
    spent: float

    def set_support(self, i: int, k: int) -> None: ...


def choose(
    candidates: list[int],
    classes: list[int],
    n: int,
    targeting: str,
    rng: np.random.Generator,
) -> list[int]:
    """Pick n of the candidate cooperatives by the targeting rule (ties broken at random):
    weakest_first prefers the lowest class, most_promising the highest, random none."""
    if n >= len(candidates):
        return list(candidates)
    ties = rng.random(len(candidates))
    if targeting == "random":
        order = np.argsort(ties)
    else:
        rank = np.array(classes, dtype=float)  # 0 = good ... 3 = weak
        if targeting == "weakest_first":
            rank = -rank
        order = np.lexsort((ties, rank))
    return [candidates[j] for j in order[:n]]


def run_programme(
    sim: DesReplicate, k: int, programme: ProgrammePlan, rng: np.random.Generator
) -> Generator[simpy.Event, None, None]:
    """A simpy process: at each round, support up to the yearly capacity that the remaining
    budget (a simpy Container) can pay for; each supported cooperative's hazards change for
    `support_years`."""
    budget = simpy.Container(sim.env, capacity=max(programme.budget, 1e-9), init=programme.budget)
    eligible = [*programme.eligible.tolist(), False]  # a dormant cooperative (4) never is
    start = start_time(sim.plan)
    for t in programme.round_times(float(sim.plan.n_years)):
        if t < start:  # nothing happens before a report the run starts at
            continue
        yield sim.env.timeout(t - sim.env.now)
        affordable = (
            int((budget.level + 1e-9 * programme.cost) // programme.cost)
            if programme.cost > 0
            else programme.capacity_per_year
        )
        n = min(programme.capacity_per_year, affordable)
        if n <= 0:
            if programme.cost > 0 and budget.level < programme.cost:
                return
            continue
        candidates = [
            i for i, c in enumerate(sim.cls) if c >= 0 and eligible[c] and sim.support[i] < 0
        ]
        chosen = choose(candidates, [sim.cls[i] for i in candidates], n, programme.targeting, rng)
        for i in chosen:
            if programme.cost > 0:
                budget.get(min(programme.cost, budget.level))
            sim.set_support(i, k)
            end = sim.env.timeout(programme.support_years)
            end.callbacks.append(partial(_end_support, sim, i, k))
        sim.supported += len(chosen)
        sim.spent += len(chosen) * programme.cost


def _end_support(sim: DesReplicate, i: int, k: int, _event: simpy.Event) -> None:
    if sim.cls[i] >= 0 and sim.support[i] == k:
        sim.set_support(i, -1)
