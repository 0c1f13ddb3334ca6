"""What every replicate of a plan shares in the simpy engine, built once per plan: the hazard
tables (unsupported and per programme), the periods, and the starting stock's classes and
rates, so that a replicate places its first events in a few numpy steps."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from coopsim.classes import DORMANT
from coopsim.model.dormancy import DormancyPlan
from coopsim.model.hazards import Hazards
from coopsim.model.plan import SimulationPlan, scaled_hazards


@dataclass(frozen=True)
class HazardTables:
    """Exit rates and event thresholds as nested lists, [support][period][state], where
    support 0 is unsupported and k + 1 is support by programme k.

    Without dormancy a state's thresholds are (upgrade, upgrade + downgrade) as shares of its
    exit rate (see Hazards.event_thresholds). With dormancy they are cumulative shares of the
    moves listed in `destinations[state]` (a uniform u past the last one dissolves): for a
    class up, down and stopping operating; for dormant resuming into each class."""

    exit_rate: list[list[list[float]]]
    thresholds: list[list[list[list[float]]]]
    destinations: list[list[int]] | None = None

    @classmethod
    def build(cls, plan: SimulationPlan) -> HazardTables:
        everyone = np.ones(4, dtype=bool)
        variants = [[p.hazards for p in plan.periods]]
        for programme in plan.programmes:
            variants.append(
                [scaled_hazards(p.hazards, programme.effects, everyone, 1.0) for p in plan.periods]
            )
        if plan.dormancy is not None:
            return cls.with_dormancy(variants, plan.dormancy)
        return cls(
            exit_rate=[[h.exit_rate.tolist() for h in hs] for hs in variants],
            thresholds=[[h.event_thresholds().tolist() for h in hs] for hs in variants],
        )

    @classmethod
    def with_dormancy(cls, variants: list[list[Hazards]], dormancy: DormancyPlan) -> HazardTables:
        """The tables over five states (the classes, then dormant)."""
        dormant_total = dormancy.exit_rate if dormancy.exit_rate > 0 else 1.0
        resume = (
            dormancy.resume * np.cumsum(dormancy.resume_distribution) / dormant_total
        ).tolist()

        def rates(h: Hazards) -> list[float]:
            return [*(h.exit_rate + dormancy.entry).tolist(), dormancy.exit_rate]

        def thresholds(h: Hazards) -> list[list[float]]:
            total = h.exit_rate + dormancy.entry
            total = np.where(total > 0, total, 1.0)
            steps = np.cumsum(np.stack([h.upgrade, h.downgrade, dormancy.entry], axis=1), axis=1)
            return [*(steps / total[:, None]).tolist(), resume]

        return cls(
            exit_rate=[[rates(h) for h in hs] for hs in variants],
            thresholds=[[thresholds(h) for h in hs] for hs in variants],
            destinations=[[c - 1, c + 1, DORMANT] for c in range(4)] + [[0, 1, 2, 3]],
        )


class PlanConstants:
    """What every replicate of a plan shares, built once per plan rather than per replicate:
    the hazard tables, the periods, and the starting stock's classes and rates (to place its
    first events in a few numpy steps)."""

    def __init__(self, plan: SimulationPlan) -> None:
        # tables.exit_rate[s][p][c]: s = 0 unsupported, s = k + 1 supported by programme k.
        self.tables = HazardTables.build(plan)
        self.period_start = np.array([p.start for p in plan.periods])
        self.period_end: list[float] = [p.end for p in plan.periods[:-1]] + [math.inf]
        self.entry_cumulative: list[float] = np.cumsum(plan.entry_distribution).tolist()
        self.well = [int(c) for c in np.flatnonzero(plan.well_operating)]
        self.initial_counts = [int(n) for n in plan.initial.latent]  # by latent class
        self.initial_class_array = np.repeat(np.arange(4), plan.initial.latent)  # stock order
        self.initial_classes: list[int] = self.initial_class_array.tolist()
        self.rate = np.array(self.tables.exit_rate[0])  # (periods, 4), unsupported
        # With one period and every starting cooperative able to leave (the usual case: no
        # lever), each one's rate: its first event is at hazard / rate. Else None.
        single = self.rate[0, self.initial_class_array] if len(self.rate) == 1 else None
        self.initial_single_rate = single if single is not None and (single > 0).all() else None

    def first_event_times(self, hazard: np.ndarray) -> np.ndarray:
        """When each starting cooperative uses up `hazard` (its first event; inf: never), by
        the same integration over periods as DesReplicate._schedule_at, for all at once."""
        if self.initial_single_rate is not None:
            return hazard / self.initial_single_rate
        rate, at_start, at_end = self._by_cooperative
        times = np.full(hazard.size, math.inf)
        hazard = np.maximum(hazard, np.finfo(float).tiny)  # 0 would stop in a rate-0 period
        p = (at_end < hazard).sum(axis=0)  # the period where it is used up
        leaves = np.flatnonzero(p < len(rate))
        p = p[leaves]
        times[leaves] = (
            self.period_start[p] + (hazard[leaves] - at_start[p, leaves]) / rate[p, leaves]
        )
        return times

    @cached_property
    def _by_cooperative(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(periods, starting cooperatives), unsupported: each one's rate, and the hazard it
        accumulates from time 0 to each period's start and to its end (infinite at the last
        period's end unless its rate there is 0); built when first needed."""
        lengths = np.array(self.period_end) - self.period_start
        used = self.rate * np.where(self.rate > 0, lengths[:, None], 0.0)  # 0, not nan, 0 x inf
        at_end = np.cumsum(used, axis=0)
        at_start = np.vstack([np.zeros((1, at_end.shape[1])), at_end[:-1]])
        c = self.initial_class_array
        return self.rate[:, c], at_start[:, c], at_end[:, c]


_CONSTANTS: dict[int, tuple[weakref.ref[SimulationPlan], PlanConstants]] = {}


def plan_constants(plan: SimulationPlan) -> PlanConstants:
    """The constants of `plan`, built for its first replicate and reused by the next: keyed on
    the plan object (frozen), and dropped when the plan is (a posterior forecast's replicates
    each run a plan of their own)."""
    key = id(plan)
    hit = _CONSTANTS.get(key)
    if hit is not None and hit[0]() is plan:
        return hit[1]
    constants = PlanConstants(plan)
    _CONSTANTS[key] = (weakref.ref(plan, lambda _: _CONSTANTS.pop(key, None)), constants)
    return constants
