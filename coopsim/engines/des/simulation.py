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
With dormancy a cooperative's latent state may also be dormant (4): a class's events are then
up, down, stopping operating or dissolving, a dormant one's resuming into a class or
dissolving, all from the same keyed draws. Clean-ups and waves are in des.removals.

Setting up a replicate does no per-cooperative Python work, so that short replicates are cheap:
what every replicate of a plan shares is built once per plan (PlanConstants); the starting
stock's first events are placed in numpy and fed to simpy's queue one at a time, in time
order; its members leave in aggregate, one exact draw a year; and random streams are created
when first used.

Year-end snapshots are taken between env.run(until=year) calls: simpy schedules the stop of
run(until=t) as urgent, ahead of any ordinary event at the same instant, so a snapshot sees
every change before 31 December and none scheduled on 1 January (a clean-up dated 1 January
counts in the new year).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Generator
from functools import cached_property, partial

import numpy as np
import simpy

from coopsim.classes import WEAK
from coopsim.engines.des.constants import plan_constants
from coopsim.engines.des.origin import first_year_factors, start_at_origin, start_time
from coopsim.engines.des.programmes import run_programme
from coopsim.engines.des.removals import schedule_removals
from coopsim.engines.draws import new_cooperative_members, yearly_founding_factors
from coopsim.metrics import METRIC_NAMES
from coopsim.model.plan import SimulationPlan
from coopsim.rng import BufferedDraws, KeyedDraws, stream

N_METRICS = len(METRIC_NAMES)


class DesReplicate:
    """One replicate of the model as a simpy simulation."""

    def __init__(self, plan: SimulationPlan, seed: int, replicate: int) -> None:
        self.plan = plan
        self.seed = seed
        self.replicate = replicate
        self.env = simpy.Environment()
        self.constants = constants = plan_constants(plan)
        self.tables = constants.tables
        self.period_end = constants.period_end
        self.last_period = len(plan.periods) - 1
        self.period = 0
        self.entry_cumulative = constants.entry_cumulative
        self.well = constants.well
        # Per cooperative: latent class (-1 once dissolved), members (0 for the starting
        # stock, whose members leave in aggregate), calendar-year index founded, programme
        # supporting it (-1: none), the version of its pending event, and, with programmes
        # (set_support alone reads them), the hazard it had left to use up at time `since`.
        # The starting stock fills them in _add_initial_stock.
        self.tracks_hazard = bool(plan.programmes)
        self.cls: list[int] = []
        self.members: list[int] = []
        self.born: list[int] = []
        self.support: list[int] = []
        self.version: list[int] = []
        self.hazard_left: list[float] = []
        self.since: list[float] = []
        # Alive cooperatives by latent state: founded before this year, and during it (with
        # dormancy, state 4 is dormant: the starting stock has none).
        self.n_states = plan.n_states
        self.classified = list(constants.initial_counts) + [0] * (self.n_states - 4)
        self.young = [0] * self.n_states
        if plan.dormancy is not None:
            self.destinations = self.tables.destinations
            self._on_event = self._on_event_with_dormancy  # type: ignore[method-assign]
        self.year = 0
        self.founded = 0
        self.dissolved = 0
        self.removed = 0
        self.supported = 0
        self.spent = 0.0
        self.total_members = plan.initial.members
        # The starting stock: cooperatives and members alive at the last snapshot, and the
        # cooperatives that have left since (their members leave at the next snapshot).
        self.initial_alive = plan.initial.total
        self.initial_members = plan.initial.members
        self.initial_gone = 0
        self.groups = plan.groups.initial_pool if plan.groups else 0
        self.start = start_time(plan)  # with a report's origin, its date (des.origin)
        self._add_initial_stock()

    # Random streams are created when first used: a short replicate may never need some.
    @cached_property
    def draws(self) -> KeyedDraws:
        """Each cooperative's keyed sequence: the hazard to use up in each class it enters
        (after a starting cooperative's first) and which event it is."""
        return KeyedDraws(self.seed, self.replicate, "cooperatives")

    @cached_property
    def founding_rng(self) -> np.random.Generator:
        """The founding stream: yearly intensities, counts and times."""
        return stream(self.seed, self.replicate, "founding")

    @cached_property
    def founding_draws(self) -> BufferedDraws:
        """Scalar draws from the founding stream (a new cooperative's class)."""
        return BufferedDraws(self.founding_rng)

    @cached_property
    def members_rng(self) -> np.random.Generator:
        """The members stream: members of new cooperatives."""
        return stream(self.seed, self.replicate, "members")

    @cached_property
    def initial_rng(self) -> np.random.Generator:
        """The starting stock's stream: its cooperatives' first hazards (then, starting at a
        report, the members of those founded in the first year), then the members of those
        that leave."""
        return stream(self.seed, self.replicate, "initial")

    def run(self) -> np.ndarray:
        """Simulate every year; returns metrics as an array (years x METRIC_NAMES)."""
        out = np.empty((self.plan.n_years, N_METRICS))
        self.env.process(self._founding())
        schedule_removals(self)
        if self.plan.programmes:
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
    def _add_initial_stock(self) -> None:
        """The starting cooperatives (numbers 0..n-1, in class order) and their first events,
        in numpy steps: cooperative i's first hazard is the i-th Exp(1) draw of the starting
        stock's stream (its own, whatever happens elsewhere, as a keyed draw would be; one
        numpy call for all), and the times where these are used up are queued in time order
        (see _on_initial_event). Its keyed sequence serves its later classes. Starting at a
        report, the stock is the replicate's start draw's (des.origin)."""
        if self.plan.origin is None:
            n = self.plan.initial.total
            self.cls = list(self.constants.initial_classes)
            self.members = [0] * n
            self.born = [-1] * n
            hazard = self.initial_rng.standard_exponential(n)
            times = self.constants.first_event_times(hazard)
        else:
            hazard, times = start_at_origin(self)
            n = len(self.cls)
        self.support = [-1] * n
        self.version = [0] * n
        if self.tracks_hazard:
            self.hazard_left = hazard.tolist()
            self.since = [self.start] * n
        due = (times < self.plan.n_years).nonzero()[0]  # the others would never fire
        due_times = times[due]
        order = due_times.argsort(kind="stable")
        self.initial_times = due_times[order].tolist()
        self.initial_order = due[order].tolist()
        self.initial_next = 0
        if self.initial_order:
            self.env.timeout(self.initial_times[0]).callbacks.append(self._on_initial_event)

    def _on_initial_event(self, event: simpy.Event) -> None:
        """The next starting cooperative's first event: these sit in simpy's queue one at a
        time, in time order, instead of one pending event per cooperative from the start."""
        k = self.initial_next
        self.initial_next = k + 1
        if k + 1 < len(self.initial_order):
            upcoming = self.env.timeout(self.initial_times[k + 1] - self.env._now)
            upcoming.callbacks.append(self._on_initial_event)
        self._on_event(self.initial_order[k], 0, event)

    def _add(self, c: int, members: int, born: int) -> None:
        i = len(self.cls)
        self.cls.append(c)
        self.members.append(members)
        self.born.append(born)
        self.support.append(-1)
        self.version.append(0)
        if self.tracks_hazard:
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
        if self.born[i] < 0:  # the starting stock's members leave at the next snapshot
            self.initial_gone += 1
        else:
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
        if self.tracks_hazard:
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

    def _on_event_with_dormancy(self, i: int, version: int, _event: simpy.Event) -> None:
        """An event with dormancy: the state's cumulative thresholds say where it leads
        (a class moves up, down or stops operating; a dormant one resumes into a class),
        and a uniform past the last one dissolves the cooperative."""
        if version != self.version[i]:
            return
        c = self.cls[i]
        steps = self.tables.thresholds[self.support[i] + 1][self._period()][c]
        j = bisect.bisect_right(steps, self.draws.next(i))
        if j == len(steps):
            self.dissolve(i)
            return
        counter = self._counter(i)
        counter[c] -= 1
        c = self.destinations[c][j]
        counter[c] += 1
        self.cls[i] = c
        self._schedule(i)

    # -- founding -------------------------------------------------------------------------
    def _founding(self) -> Generator[simpy.Event, None, None]:
        """Direct founding, Poisson within each year at that year's gamma-mixed intensity; and,
        with a pool of cooperative groups, each group converting on its own exponential clock
        (not gamma-mixed), new groups joining the pool at each year's start after the first."""
        factors = yearly_founding_factors(self.plan, self.founding_rng)
        factors = first_year_factors(self.plan, self.replicate, factors)
        groups = self.plan.groups
        for k in range(self.plan.n_years):
            if groups is not None and k > 0:
                yield self.env.timeout(k - self.env.now)  # after last year's snapshot
                self.groups += int(self.founding_rng.poisson(groups.new_groups_per_year))
            pool = self.groups
            events: list[tuple[float, bool]] = []
            for period in self.plan.periods:
                lo, hi = max(k or self.start, period.start), min(k + 1, period.end)
                if hi <= lo:
                    continue
                scale = factors[k] * period.founding_multiplier * (hi - lo)
                fresh = self.founding_rng.poisson(self.plan.founding_mean_per_year * scale)
                times = self.founding_rng.uniform(lo, hi, fresh).tolist()
                events.extend((t, False) for t in times)
                if groups is not None:
                    hazard = groups.conversion_per_year * period.conversion_multiplier
                    converted = self._conversion_times(pool, hazard, lo, hi)
                    pool -= len(converted)
                    events.extend((t, True) for t in converted)
            for t, from_group in sorted(events):
                yield self.env.timeout(t - self.env.now)
                if from_group:
                    self.groups -= 1
                self._found()

    def _conversion_times(self, pool: int, hazard: float, lo: float, hi: float) -> list[float]:
        """When the groups of a pool of `pool` that convert in [lo, hi) at `hazard` do so: each
        converts there with probability 1 - exp(-hazard (hi - lo)), at a time from the
        exponential truncated to [lo, hi) (exact for independent exponential clocks)."""
        if pool == 0 or hazard <= 0:
            return []
        within = -math.expm1(-hazard * (hi - lo))
        n = int(self.founding_rng.binomial(pool, within))
        u = self.founding_rng.random(n)
        return (lo - np.log1p(-u * within) / hazard).tolist()

    def _found(self) -> None:
        c = bisect.bisect_right(self.entry_cumulative, self.founding_draws.uniform())
        self.founded += 1
        self._add(min(c, 3), new_cooperative_members(self.plan, self.members_rng), self.year)

    # -- reporting ------------------------------------------------------------------------
    def _settle_initial_members(self) -> None:
        """Take out the members of the starting cooperatives that left since the last snapshot.

        The stock's members are split among its cooperatives Dirichlet-multinomially (gamma
        weights of shape k) and do not change their fates. So if r of them, holding M members,
        were alive at the last snapshot and g have left since, those g held BetaBinomial(M,
        k g, k (r - g)) members, and the split among the others stays Dirichlet-multinomial:
        exact, with one draw a year instead of a draw per cooperative at set-up.
        """
        g = self.initial_gone
        if g == 0:
            return
        r, m = self.initial_alive, self.initial_members
        if g == r:
            removed = m
        else:
            k = self.plan.members_dispersion
            removed = int(self.initial_rng.binomial(m, self.initial_rng.beta(k * g, k * (r - g))))
        self.initial_alive -= g
        self.initial_members -= removed
        self.total_members -= removed
        self.initial_gone = 0

    def _snapshot(self) -> list[float]:
        self._settle_initial_members()
        classified = self.classified
        unclassified = sum(self.young)
        alive = sum(classified) + unclassified
        dormant = classified[4] if self.n_states > 4 else 0
        denominator = sum(classified[:4]) if self.plan.share_of_classified_only else alive
        well = sum(classified[c] for c in self.well)
        share = (lambda n: n / denominator) if denominator else (lambda n: float("nan"))
        return [
            alive,
            self.founded,
            self.dissolved,
            self.total_members,
            *classified[:4],
            unclassified,
            share(well),
            share(classified[WEAK]),
            self.removed,
            self.supported,
            self.spent,
            self.groups if self.plan.groups else float("nan"),
            dormant,
        ]

    def _start_new_year(self) -> None:
        for c in range(self.n_states):
            self.classified[c] += self.young[c]
            self.young[c] = 0
        self.year += 1
        self.founded = self.dissolved = self.removed = self.supported = 0
        self.spent = 0.0


def simulate_replicate(plan: SimulationPlan, seed: int, replicate: int) -> np.ndarray:
    """Metrics (years x METRIC_NAMES) of replicate `replicate` of a run seeded with `seed`."""
    return DesReplicate(plan, seed, replicate).run()
