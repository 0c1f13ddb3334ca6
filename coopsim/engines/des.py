"""The simpy engine: every cooperative an entity with its own next event; the model of record.

Each cooperative holds one pending event: the time of its next class change or dissolution.
It is found by the time-change method: on entering a class the cooperative draws an Exp(1)
amount of hazard to use up, and the event falls where its hazard, integrated over the
piecewise-constant periods ahead, reaches that amount (exact for piecewise-constant hazards,
and no simpy interrupts or wake-ups at period boundaries). When a programme starts or stops
supporting a cooperative, its hazard changes from then on: the unused amount is carried over,
its version number is bumped, a new event is scheduled, and the stale one is ignored when it
fires. Each cooperative draws from its own keyed random sequence, so a cooperative whose
hazards a policy leaves alone lives the same life in both runs of a comparison (common random
numbers). Events are plain timeouts with a callback, cheaper than a process per cooperative.

Year-end snapshots are taken between env.run(until=year) calls: simpy schedules the stop of
run(until=t) as urgent, ahead of any ordinary event at the same instant, so a snapshot sees
every change before 31 December and none scheduled on 1 January (a clean-up dated 1 January
counts in the new year).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Generator
from functools import partial

import numpy as np
import simpy

from coopsim.classes import WEAK
from coopsim.engines.draws import (
    initial_members,
    new_cooperative_members,
    yearly_founding_factors,
)
from coopsim.engines.support import HazardTables, run_programme
from coopsim.metrics import METRIC_NAMES
from coopsim.plan import CleanupEvent, SimulationPlan
from coopsim.rng import BufferedDraws, KeyedDraws, stream

N_METRICS = len(METRIC_NAMES)


class DesReplicate:
    """One replicate of the model as a simpy simulation."""

    def __init__(self, plan: SimulationPlan, seed: int, replicate: int) -> None:
        self.plan = plan
        self.seed = seed
        self.replicate = replicate
        self.env = simpy.Environment()
        self.draws = KeyedDraws(seed, replicate, "cooperatives")
        self.founding_rng = stream(seed, replicate, "founding")
        self.founding_draws = BufferedDraws(self.founding_rng)
        self.members_rng = stream(seed, replicate, "members")
        # tables.exit_rate[s][p][c]: s = 0 unsupported, s = k + 1 supported by programme k.
        self.tables = HazardTables.build(plan)
        self.period_end = [p.end for p in plan.periods[:-1]] + [math.inf]
        self.last_period = len(plan.periods) - 1
        self.period = 0
        self.entry_cumulative = np.cumsum(plan.entry_distribution).tolist()
        self.well = [int(c) for c in np.flatnonzero(plan.well_operating)]
        # Per cooperative: latent class (-1 once dissolved), members, calendar-year index
        # founded, programme supporting it (-1: none), the version of its pending event, and
        # the hazard it had left to use up at time `since`.
        self.cls: list[int] = []
        self.members: list[int] = []
        self.born: list[int] = []
        self.support: list[int] = []
        self.version: list[int] = []
        self.hazard_left: list[float] = []
        self.since: list[float] = []
        # Alive cooperatives by latent class: founded before this year, and during it.
        self.classified = [0, 0, 0, 0]
        self.young = [0, 0, 0, 0]
        self.year = 0
        self.founded = 0
        self.dissolved = 0
        self.removed = 0
        self.supported = 0
        self.spent = 0.0
        self.total_members = 0
        self.groups = plan.groups.initial_pool if plan.groups else 0
        self._add_initial_stock(stream(seed, replicate, "initial"))

    def run(self) -> np.ndarray:
        """Simulate every year; returns metrics as an array (years x METRIC_NAMES)."""
        out = np.empty((self.plan.n_years, N_METRICS))
        self.env.process(self._founding())
        self._schedule_cleanups()
        programme_rng = stream(self.seed, self.replicate, "programmes")
        for k, programme in enumerate(self.plan.programmes):
            self.env.process(run_programme(self, k, programme, programme_rng))
        for k in range(self.plan.n_years):
            self.env.run(until=float(k + 1))
            out[k] = self._snapshot()
            self._start_new_year()
        self._release()
        return out

    def _release(self) -> None:
        """Drop the events still pending after the horizon: they hold the only reference
        cycles (event -> callback -> self -> env -> queue), so without them the replicate is
        freed by reference counting and the cyclic garbage collector can stay paused."""
        self.env._queue.clear()  # simpy keeps pending events in this heap

    # -- stock ----------------------------------------------------------------------------
    def _add_initial_stock(self, rng: np.random.Generator) -> None:
        members = initial_members(self.plan, rng).tolist()
        classes = np.repeat(np.arange(4), self.plan.initial.latent).tolist()
        for c, m in zip(classes, members, strict=True):
            self._add(c, m, born=-1)

    def _add(self, c: int, members: int, born: int) -> None:
        i = len(self.cls)
        self.cls.append(c)
        self.members.append(members)
        self.born.append(born)
        self.support.append(-1)
        self.version.append(0)
        self.hazard_left.append(0.0)
        self.since.append(0.0)
        self.total_members += members
        if born == self.year:
            self.young[c] += 1
        else:
            self.classified[c] += 1
        self._schedule(i)

    def _counter(self, i: int) -> list[int]:
        return self.young if self.born[i] == self.year else self.classified

    def dissolve(self, i: int) -> None:
        """Remove cooperative i; its pending event becomes stale."""
        self._counter(i)[self.cls[i]] -= 1
        self.cls[i] = -1
        self.version[i] += 1
        self.dissolved += 1
        self.total_members -= self.members[i]

    # -- events ---------------------------------------------------------------------------
    def _period(self) -> int:
        """Index of the period containing now (time only moves forward, so it only grows)."""
        p = self.period
        while self.env.now >= self.period_end[p]:  # the last period ends at infinity
            p += 1
        self.period = p
        return p

    def set_support(self, i: int, state: int) -> None:
        """Start (programme index) or stop (-1) supporting cooperative i from now: the hazard
        it has not used up carries over to its new hazards."""
        now = self.env.now
        self.hazard_left[i] -= self._hazard_used(i, self.since[i], now)
        self.since[i] = now
        self.support[i] = state
        self.version[i] += 1
        self._schedule_at(i, self.hazard_left[i])

    def _schedule(self, i: int) -> None:
        """Cooperative i has just entered its class: draw the hazard it will use up there."""
        hazard = -math.log(1.0 - self.draws.next(i))
        self.hazard_left[i] = hazard
        self.since[i] = self.env._now
        self._schedule_at(i, hazard)

    def _schedule_at(self, i: int, hazard: float) -> None:
        """Schedule cooperative i's next event where its hazard from now adds up to `hazard`
        (hot path: kept free of method calls)."""
        rates = self.tables.exit_rate[self.support[i] + 1]
        c = self.cls[i]
        now = t = self.env._now
        ends = self.period_end
        p = self.period
        while now >= ends[p]:  # the last period ends at infinity
            p += 1
        self.period = p
        while True:
            rate = rates[p][c]
            if rate > 0:
                step = hazard / rate
                if t + step <= ends[p]:
                    event = self.env.timeout(t + step - now)
                    event.callbacks.append(partial(self._on_event, i, self.version[i]))
                    return
                hazard -= rate * (ends[p] - t)
            if p == self.last_period:
                return
            t = ends[p]
            p += 1

    def _hazard_used(self, i: int, start: float, end: float) -> float:
        """Hazard cooperative i accumulated over [start, end] in its current class and state."""
        rates = self.tables.exit_rate[self.support[i] + 1]
        c = self.cls[i]
        used = 0.0
        for p, period_end in enumerate(self.period_end):
            lo = max(start, self.plan.periods[p].start)
            hi = min(end, period_end)
            if hi > lo:
                used += rates[p][c] * (hi - lo)
        return used

    def _on_event(self, i: int, version: int, _event: simpy.Event) -> None:
        if version != self.version[i]:
            return
        c = self.cls[i]
        up, up_or_down = self.tables.thresholds[self.support[i] + 1][self._period()][c]
        u = self.draws.next(i)
        if u >= up_or_down:
            self.dissolve(i)
            return
        counter = self._counter(i)
        counter[c] -= 1
        c = c - 1 if u < up else c + 1
        counter[c] += 1
        self.cls[i] = c
        self._schedule(i)

    # -- founding -------------------------------------------------------------------------
    def _founding(self) -> Generator[simpy.Event, None, None]:
        """Poisson founding within each year at that year's gamma-mixed intensity: a fixed
        mean plus, with a pool of cooperative groups, the pool times its conversion rate."""
        factors = yearly_founding_factors(self.plan, self.founding_rng)
        groups = self.plan.groups
        for k in range(self.plan.n_years):
            if groups is not None and k > 0:
                self.groups += int(self.founding_rng.poisson(groups.new_groups_per_year))
            conversion = groups.conversion_per_year * self.groups if groups else 0.0
            events: list[tuple[float, bool]] = []
            for period in self.plan.periods:
                lo, hi = max(k, period.start), min(k + 1, period.end)
                if hi <= lo:
                    continue
                scale = factors[k] * period.founding_multiplier * (hi - lo)
                fresh = self.founding_rng.poisson(self.plan.founding_mean_per_year * scale)
                converted = self.founding_rng.poisson(
                    conversion * period.conversion_multiplier * scale
                )
                times = self.founding_rng.uniform(lo, hi, fresh + converted).tolist()
                events.extend((t, n >= fresh) for n, t in enumerate(times))
            for t, from_group in sorted(events):
                yield self.env.timeout(t - self.env.now)
                if from_group:
                    if self.groups == 0:
                        continue
                    self.groups -= 1
                self._found()

    def _found(self) -> None:
        c = bisect.bisect_right(self.entry_cumulative, self.founding_draws.uniform())
        self.founded += 1
        self._add(min(c, 3), new_cooperative_members(self.plan, self.members_rng), self.year)

    # -- administrative events --------------------------------------------------------------
    def _schedule_cleanups(self) -> None:
        rng = KeyedDraws(self.seed, self.replicate, "cleanups")
        for cleanup in self.plan.cleanups:
            if 0 <= cleanup.time < self.plan.n_years:
                event = self.env.timeout(cleanup.time)
                event.callbacks.append(partial(self._cleanup, cleanup, rng))

    def _cleanup(self, cleanup: CleanupEvent, rng: KeyedDraws, _event: simpy.Event) -> None:
        """Remove each alive cooperative of a targeted class with that class's probability
        (each cooperative's draw is its own, so runs that differ elsewhere still agree here)."""
        removal = cleanup.removal.tolist()
        for i, c in enumerate(self.cls):
            if c >= 0 and removal[c] > 0 and rng.next(i) < removal[c]:
                self.dissolve(i)
                self.removed += 1

    # -- reporting ------------------------------------------------------------------------
    def _snapshot(self) -> list[float]:
        classified = self.classified
        unclassified = sum(self.young)
        alive = sum(classified) + unclassified
        denominator = sum(classified) if self.plan.share_of_classified_only else alive
        well = sum(classified[c] for c in self.well)
        share = (lambda n: n / denominator) if denominator else (lambda n: float("nan"))
        return [
            alive,
            self.founded,
            self.dissolved,
            self.total_members,
            *classified,
            unclassified,
            share(well),
            share(classified[WEAK]),
            self.removed,
            self.supported,
            self.spent,
            self.groups if self.plan.groups else float("nan"),
        ]

    def _start_new_year(self) -> None:
        for c in range(4):
            self.classified[c] += self.young[c]
            self.young[c] = 0
        self.year += 1
        self.founded = self.dissolved = self.removed = self.supported = 0
        self.spent = 0.0


def simulate_replicate(plan: SimulationPlan, seed: int, replicate: int) -> np.ndarray:
    """Metrics (years x METRIC_NAMES) of replicate `replicate` of a run seeded with `seed`."""
    return DesReplicate(plan, seed, replicate).run()
