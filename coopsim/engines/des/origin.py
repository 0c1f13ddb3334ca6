"""A start at a dated report in the simpy engine (model.origin).

Replicate r starts from start draw r mod count: the cooperatives founded before the first year
(the old stock, whose members leave in aggregate as the starting stock's do) and those founded
in it before the report (born in year 0, so unclassified at its snapshot; members drawn one
by one as a new cooperative's are), each in its latent state, dormant ones included. They are
numbered old then young, each group in state order, and each one's first event is where an
Exp(1) draw of the "initial" stream is used up from the report's date on; the young ones'
members come next from that stream. Des records a cooperative's founding year, not its date,
so the young need no founding time. The first year's counters start at the report's, and its
founding after the report runs at the draw's factor in place of the year's gamma draw.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from coopsim.engines.des.constants import PlanConstants
from coopsim.model.plan import SimulationPlan


class DesReplicate(Protocol):
    """What starting from a report sets on a replicate before its first event."""

    plan: SimulationPlan
    replicate: int
    constants: PlanConstants
    initial_rng: np.random.Generator
    cls: list[int]
    members: list[int]
    born: list[int]
    classified: list[int]
    young: list[int]
    founded: int
    dissolved: int
    removed: int
    total_members: int
    initial_alive: int
    initial_members: int


def start_time(plan: SimulationPlan) -> float:
    """When the simulation begins: the report's date, or 0 (1 January of the first year)."""
    return 0.0 if plan.origin is None else plan.origin.time


def first_year_factors(plan: SimulationPlan, replicate: int, factors: np.ndarray) -> np.ndarray:
    """The yearly founding factors with the first year's replaced by the start draw's (kept
    where the draw's is NaN)."""
    if plan.origin is not None:
        given = plan.origin.founding_factor[plan.origin.row(replicate)]
        if not np.isnan(given):
            factors[0] = given
    return factors


def start_at_origin(sim: DesReplicate) -> tuple[np.ndarray, np.ndarray]:
    """Set up the replicate's stock, counts and counters from its start draw; returns each
    starting cooperative's hazard to use up and the time of its first event (inf: never)."""
    plan = sim.plan
    origin = plan.origin
    assert origin is not None
    d = int(origin.row(sim.replicate))
    old, young = origin.old[d], origin.young[d]
    states = np.arange(origin.n_states)
    classes = np.concatenate([np.repeat(states, old), np.repeat(states, young)])
    n_old, n_young = int(old.sum()), int(young.sum())
    hazard = sim.initial_rng.standard_exponential(n_old + n_young)
    young_members = new_members(plan, sim.initial_rng, n_young)
    sim.cls = classes.tolist()
    sim.born = [-1] * n_old + [0] * n_young
    sim.members = [0] * n_old + young_members.tolist()
    sim.classified = [int(n) for n in old]
    sim.young = [int(n) for n in young]
    sim.founded = int(origin.founded[d])
    sim.dissolved = int(origin.dissolved[d])
    sim.removed = int(origin.removed[d])
    sim.initial_alive = n_old
    sim.initial_members = int(origin.members[d])
    sim.total_members = sim.initial_members + int(young_members.sum())
    return hazard, first_event_times(sim.constants, classes, hazard, origin.time)


def new_members(plan: SimulationPlan, rng: np.random.Generator, n: int) -> np.ndarray:
    """Members of n new cooperatives, each the legal minimum plus a gamma-Poisson count (as
    engines.draws.new_cooperative_members, drawn for all at once)."""
    extra_mean = plan.new_members_mean - plan.new_members_minimum
    if extra_mean <= 0 or n == 0:
        return np.full(n, plan.new_members_minimum, dtype=np.int64)
    k = plan.members_dispersion
    return plan.new_members_minimum + rng.poisson(rng.gamma(k, extra_mean / k, size=n))


def first_event_times(
    constants: PlanConstants, classes: np.ndarray, hazard: np.ndarray, start: float
) -> np.ndarray:
    """When each cooperative (latent state `classes`, unsupported) uses up `hazard` counted
    from `start`: the integration over periods of DesReplicate._schedule_at, for all at once."""
    period_start = np.maximum(constants.period_start, start)
    lengths = np.maximum(np.array(constants.period_end), start) - period_start
    rate = constants.rate[:, classes]  # (periods, cooperatives)
    used = rate * np.where(rate > 0, lengths[:, None], 0.0)  # 0, not nan, 0 x inf
    at_end = np.cumsum(used, axis=0)
    at_start = np.vstack([np.zeros((1, at_end.shape[1])), at_end[:-1]])
    times = np.full(hazard.size, math.inf)
    hazard = np.maximum(hazard, np.finfo(float).tiny)  # 0 would stop in a rate-0 period
    p = (at_end < hazard).sum(axis=0)  # the period where it is used up
    leaves = np.flatnonzero(p < len(rate))
    p = p[leaves]
    times[leaves] = period_start[p] + (hazard[leaves] - at_start[p, leaves]) / rate[p, leaves]
    return times
