"""The simpy engine: every cooperative an entity with its own next event; the model of record.

Each cooperative holds one pending event: the time of its next class change or dissolution,
drawn from its current hazards. Hazards are piecewise constant, so at a period boundary a
cooperative whose event would fall later wakes instead and redraws (exponential waiting times
are memoryless, so this is exact) -- no simpy interrupts. When a programme starts or stops
supporting a cooperative, its hazards change mid-period: its version number is bumped and a
new event drawn, and the stale event is ignored when it fires. Events are plain timeouts with a
callback rather than one generator process per cooperative, which is cheaper per event.

Year-end snapshots are taken between env.run(until=year) calls: simpy schedules the stop of
run(until=t) as urgent, ahead of any ordinary event at the same instant, so a snapshot sees
every change before 31 December and none scheduled on 1 January (a clean-up dated 1 January
counts in the new year).
"""

from __future__ import annotations

import bisect
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
from coopsim.rng import BufferedDraws, stream

N_METRICS = len(METRIC_NAMES)


class DesReplicate:
    """One replicate of the model as a simpy simulation."""

    def __init__(self, plan: SimulationPlan, seed: int, replicate: int) -> None:
        self.plan = plan
        self.seed = seed
        self.replicate = replicate
        self.env = simpy.Environment()
        self.draws = BufferedDraws(stream(seed, replicate, "transitions"))
        self.founding_rng = stream(seed, replicate, "founding")
        self.founding_draws = BufferedDraws(self.founding_rng)
        self.members_rng = stream(seed, replicate, "members")
        # tables.exit_rate[s][p][c]: s = 0 unsupported, s = k + 1 supported by programme k.
        self.tables = HazardTables.build(plan)
        self.period_end = [p.end for p in plan.periods]
        self.last_period = len(plan.periods) - 1
        self.period = 0
        self.entry_cumulative = np.cumsum(plan.entry_distribution).tolist()
        self.well = [int(c) for c in np.flatnonzero(plan.well_operating)]
        # Per cooperative: latent class (-1 once dissolved), members, calendar-year index
        # founded, programme supporting it (-1: none) and the version of its pending event.
        self.cls: list[int] = []
        self.members: list[int] = []
        self.born: list[int] = []
        self.support: list[int] = []
        self.version: list[int] = []
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
        while p < self.last_period and self.env.now >= self.period_end[p]:
            p += 1
        self.period = p
        return p

    def reschedule(self, i: int) -> None:
        """Replace cooperative i's pending event after its hazards changed."""
        self.version[i] += 1
        self._schedule(i)

    def _schedule(self, i: int) -> None:
        """Draw cooperative i's next event, or a wake-up at the end of the current period."""
        now = self.env.now
        p = self._period()
        rate = self.tables.exit_rate[self.support[i] + 1][p][self.cls[i]]
        end = self.period_end[p]
        dt = self.draws.exponential() / rate if rate > 0 else float("inf")
        version = self.version[i]
        if now + dt < end or p == self.last_period:
            if dt != float("inf"):
                self.env.timeout(dt).callbacks.append(partial(self._on_event, i, version))
        else:
            self.env.timeout(end - now).callbacks.append(partial(self._on_wake, i, version))

    def _on_wake(self, i: int, version: int, _event: simpy.Event) -> None:
        if version == self.version[i]:
            self._schedule(i)

    def _on_event(self, i: int, version: int, _event: simpy.Event) -> None:
        if version != self.version[i]:
            return
        c = self.cls[i]
        up, up_or_down = self.tables.thresholds[self.support[i] + 1][self._period()][c]
        u = self.draws.uniform()
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
        rng = BufferedDraws(stream(self.seed, self.replicate, "cleanups"))
        for cleanup in self.plan.cleanups:
            if 0 <= cleanup.time < self.plan.n_years:
                event = self.env.timeout(cleanup.time)
                event.callbacks.append(partial(self._cleanup, cleanup, rng))

    def _cleanup(self, cleanup: CleanupEvent, rng: BufferedDraws, _event: simpy.Event) -> None:
        """Remove each alive cooperative of a targeted class with that class's probability."""
        removal = cleanup.removal.tolist()
        for i, c in enumerate(self.cls):
            if c >= 0 and removal[c] > 0 and rng.uniform() < removal[c]:
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
