"""The fast engine: the same model in numpy, on counts, a block of replicates at a time.

Cooperatives of one class are exchangeable: each moves independently of the others, by the
same hazards. So a replicate's state is a table of counts -- by support group (unsupported,
or supported by one round of one programme), by cohort (the starting stock, or the year of
founding) and by latent class -- and over an interval of constant hazards each cell's
cooperatives move to their classes at its end (or dissolve) as one multinomial draw with the
rows of expm(Q dt). Cooperatives founded during an interval arrive uniformly in it, so their
classes at its end follow the integrated transition matrix; converting cooperative groups
follow an augmented chain with a transient "group" state. This is exact for the model -- the
year-end classes, the yearly counts and the clean-up dates all fall on interval ends -- not a
tau-leaping approximation. With dormancy the dormant state is one more latent state of the
chain (its generator is 6 x 6); a clean-up wave is a binomial thinning of every cell at its
date, in the replicates whose "waves" stream gives that year a wave (drawn per replicate, as
des draws them, so common random numbers pair scenarios' waves).

Members are carried per cohort as (cooperatives alive, members beyond the legal minimum):
members are independent of fates, so given a cohort's total its split among cooperatives is
Dirichlet-multinomial, and the members of the d cooperatives that leave are beta-binomial.
A cohort founded in a year gets its members at that year's end (those that dissolve within
their founding year are never counted).

Support programmes couple cooperatives only at their selection rounds: there the step is done
as the des engine does it (capacity, budget, targeting on the latent class with ties at
random: hypergeometric splits), and the chosen cooperatives move to their round's support
group until their support ends (a cut in the intervals).

Random numbers come from one stream per block of FAST_BLOCK replicates, drawn in full-block
shapes, so replicate i's result depends only on the seed and i (never on how replicates are
split among workers). Common random numbers between two scenarios are not keyed per
cooperative here, unlike in des: use des for precise paired comparisons of a programme.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from coopsim.classes import WEAK
from coopsim.engines.draws import wave_years
from coopsim.engines.fast.members import CohortMembers
from coopsim.engines.fast.origin import counted_so_far, start_at_origin, year_start
from coopsim.metrics import METRIC_INDEX, METRIC_NAMES
from coopsim.model.dormancy import embed_classes
from coopsim.model.hazards import Hazards
from coopsim.model.occupancy import N_CLASSES, integral_of_expm
from coopsim.model.plan import Period, ProgrammePlan, SimulationPlan, scaled_hazards

#: Replicates simulated together with one random stream.
FAST_BLOCK = 256
#: The spawn-key tag of the fast engine's block streams (des uses (replicate,) and
#: (replicate, stream index < 100)).
_BLOCK_STREAM_TAG = 1000
_EVERYONE = np.ones(N_CLASSES, dtype=bool)


def unsupported_features(plan: SimulationPlan) -> list[str]:
    """Scenario features the fast engine cannot handle: none (every feature is supported)."""
    return []


def _normalised(rows: np.ndarray) -> np.ndarray:
    """Probability rows cleaned of rounding (non-negative, summing to 1) for multinomial."""
    rows = np.clip(rows, 0.0, None)
    return rows / rows.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class SupportGroup:
    """Cooperatives chosen in one round of one programme, supported from `start` to `end`."""

    programme: int
    start: float
    end: float


def _support_groups(plan: SimulationPlan) -> list[SupportGroup]:
    horizon, start = float(plan.n_years), year_start(plan, 0)
    return [
        SupportGroup(index, t, t + programme.support_years)
        for index, programme in enumerate(plan.programmes)
        for t in programme.round_times(horizon)
        if t >= start  # nothing happens before a report the run starts at
    ]


def _generators(
    hazards: Hazards, scales: np.ndarray | None, dormancy: np.ndarray | None = None
) -> np.ndarray:
    """Generator matrices (replicates or 1, 5, 5), or 6 x 6 with dormancy (the dormant state
    before dissolved; `dormancy` its part of the generator, (replicates or 1, 6, 6)): each
    replicate's upgrade, downgrade and dissolution rates scaled by its row of `scales` (a
    generator is linear in each kind)."""
    if scales is None:
        if dormancy is None:
            return hazards.generator()[None]
        return embed_classes(hazards.generator())[None] + dormancy
    zero = np.zeros_like(hazards.upgrade)
    parts = np.stack(
        [
            Hazards(hazards.upgrade, zero, np.zeros_like(hazards.dissolution)).generator(),
            Hazards(zero, hazards.downgrade, np.zeros_like(hazards.dissolution)).generator(),
            Hazards(zero, zero, hazards.dissolution).generator(),
        ]
    )
    scaled = np.einsum("bk,kij->bij", scales, parts)
    if dormancy is None:
        return scaled
    return embed_classes(scaled) + dormancy


def _own_plans(plan: SimulationPlan, replicates: np.ndarray) -> list[SimulationPlan]:
    """Each replicate's plan where a posterior sets its dormancy or waves, else the plan
    itself for every replicate (one array of generator parts, no copies)."""
    sets = plan.parameter_sets
    varies = sets is not None and any(
        name.startswith(("dormancy_", "wave_")) for name in sets.values
    )
    if not varies:
        return [plan] * len(replicates)
    return [plan.for_replicate(int(r)) for r in replicates]


class _Block:
    """One block of replicates in flight; counts[b, g, j, s] are the cooperatives of
    replicate b in support group g (0: unsupported), cohort j (0: starting stock, 1 + y:
    founded in year y) and latent state s (a class, or dormant with dormancy)."""

    def __init__(self, plan: SimulationPlan, seed: int, block: int) -> None:
        self.plan = plan
        self.rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, _BLOCK_STREAM_TAG)))
        )
        b = FAST_BLOCK
        self.groups = [SupportGroup(-1, -math.inf, math.inf), *_support_groups(plan)]
        self.active = [0]  # support groups that may hold cooperatives now
        self.n_states = s = plan.n_states  # dissolved is state s in the generators
        self.counts = np.zeros((b, len(self.groups), 1 + plan.n_years, s), dtype=np.int64)
        self.counts[:, 0, 0, :N_CLASSES] = plan.initial.latent  # no one dormant at the start
        self.members = CohortMembers(plan, self.rng, b)
        self.rate_scales, self.founding_scale, k = self._parameters(block)
        self.factors = (
            self.rng.gamma(k, 1 / k, size=(b, plan.n_years))
            if k is not None
            else np.ones((b, plan.n_years))
        )
        self.pool = np.full(b, plan.groups.initial_pool if plan.groups else 0, dtype=np.int64)
        self.counters = {
            name: np.zeros(b) for name in ("founded", "dissolved", "removed", "supported", "spent")
        }
        self.budget = np.tile([p.budget for p in plan.programmes], (b, 1)).astype(float)
        self.replicates = block * b + np.arange(b)
        if plan.origin is not None:
            start_at_origin(
                plan.origin, self.replicates, self.counts, self.factors, self.members.extra[:, 0]
            )
        # Each replicate's dormancy and waves: its posterior set's, if they vary.
        own = _own_plans(plan, self.replicates)
        parts = {id(p): p for p in own}
        self.dormancy = (
            None
            if plan.dormancy is None
            else np.stack(
                [p.dormancy.generator_part() for p in (own if len(parts) > 1 else own[:1])]  # type: ignore[union-attr]
            )
        )
        # Which years have a clean-up wave, per replicate from its own "waves" stream.
        self.waves = (
            np.stack([wave_years(p, seed, block * b + r) for r, p in enumerate(own)])
            if plan.waves is not None
            else None
        )
        self.wave_removal = (
            None if plan.waves is None else np.stack([p.waves.removal for p in own])  # type: ignore[union-attr]
        )

    def _parameters(self, block: int) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
        """Per replicate: rate scales (b, 3) or None, founding scale (b,) and the gamma shape
        of the founding factors ((b, 1), or None for none), from the posterior sets if any."""
        plan, b = self.plan, FAST_BLOCK
        shape = plan.founding_dispersion
        if plan.parameter_sets is None:
            return None, np.ones(b), None if shape is None else np.full((b, 1), shape)
        values = plan.parameter_sets.for_replicates(block * b + np.arange(b))
        scales = np.stack(
            [
                values.get(f"{kind}_scale", np.ones(b))
                for kind in ("upgrade", "downgrade", "dissolution")
            ],
            axis=1,
        )
        if "founding_dispersion" in values:
            shape = values["founding_dispersion"][:, None]
        elif shape is not None:
            shape = np.full((b, 1), shape)
        return scales, values.get("founding_scale", np.ones(b)), shape

    def run(self) -> np.ndarray:
        plan = self.plan
        out = np.zeros((FAST_BLOCK, plan.n_years, len(METRIC_NAMES)))
        cleanups = [c for c in plan.cleanups if 0 <= c.time < plan.n_years]
        for k in range(plan.n_years):
            for counter in self.counters.values():
                counter[:] = 0
            if k == 0 and plan.origin is not None:
                for name, so_far in counted_so_far(plan.origin, self.replicates).items():
                    self.counters[name] += so_far
            if plan.groups is not None and k > 0:
                self.pool += self.rng.poisson(plan.groups.new_groups_per_year, size=FAST_BLOCK)
            for start, end, period in self._intervals(k):
                for cleanup in cleanups:
                    if cleanup.time == start:
                        self._cleanup(cleanup.removal, k)
                if plan.waves is not None and plan.waves.time(k) == start:
                    self._wave(k)
                self._end_support(start)
                for g, group in enumerate(self.groups):
                    if g > 0 and group.start == start:
                        self._select(g, plan.programmes[group.programme])
                self._move(period, end - start, k)
                self._found(k, period, end - start)
            self.members.found_cohort(k, self.counts[:, :, 1 + k].sum(axis=(1, 2)))
            out[:, k, :] = self._snapshot(k)
        return out

    def _intervals(self, k: int) -> list[tuple[float, float, Period]]:
        lo = year_start(self.plan, k)  # k, or the report's date in the first year
        cuts = {lo, float(k + 1)}
        cuts.update(p.start for p in self.plan.periods if lo < p.start < k + 1)
        cuts.update(c.time for c in self.plan.cleanups if lo < c.time < k + 1)
        if self.plan.waves is not None and lo < self.plan.waves.time(k):
            cuts.add(self.plan.waves.time(k))
        for group in self.groups[1:]:
            cuts.update(t for t in (group.start, group.end) if lo < t < k + 1)
        edges = sorted(cuts)
        found = []
        for start, end in itertools.pairwise(edges):
            period = next(p for p in self.plan.periods if p.start <= start < p.end)
            found.append((start, end, period))
        return found

    def _move(self, period: Period, length: float, k: int) -> None:
        """Every cooperative's class at the end of an interval of constant hazards."""
        variants = [period.hazards] + [
            scaled_hazards(period.hazards, p.effects, _EVERYONE, 1.0) for p in self.plan.programmes
        ]
        s, dormancy = self.n_states, self.dormancy
        rows = np.stack(
            [
                _normalised(expm(_generators(h, self.rate_scales, dormancy) * length)[:, :s])
                for h in variants
            ],
            axis=1,
        )  # (replicates or 1, variants, from state, to state)
        active = self.active
        variant = [self.groups[g].programme + 1 for g in active]
        cohorts = 2 + k  # the starting stock and cohorts founded up to this year
        alive_before = self.counts[:, :, :cohorts].sum(axis=(1, 3))
        moved = self.rng.multinomial(
            self.counts[:, active, :cohorts], rows[:, variant][:, :, None]
        )  # (b, groups, cohorts, from class, to state)
        self.counts[:, active, :cohorts] = moved[..., :s].sum(axis=-2)
        gone = moved[..., s].sum(axis=(1, 3))
        self.counters["dissolved"] += gone.sum(axis=1)
        self.members.remove(gone, alive_before, k)

    def _found(self, k: int, period: Period, length: float) -> None:
        """Cooperatives founded during an interval (directly, or converted from groups), with
        their classes at its end."""
        plan = self.plan
        scale = self.factors[:, k] * self.founding_scale * period.founding_multiplier * length
        fresh = self.rng.poisson(plan.founding_mean_per_year * scale)
        s = self.n_states
        entry = np.zeros(s + 1)
        entry[:N_CLASSES] = plan.entry_distribution
        generators = _generators(period.hazards, self.rate_scales, self.dormancy)
        at_end = _normalised(entry @ integral_of_expm(generators, length) / length)
        arrived = self.rng.multinomial(fresh, at_end)
        if plan.groups is not None:
            arrived += self._convert(period, length)
        self.counters["founded"] += arrived.sum(axis=1)
        self.counters["dissolved"] += arrived[:, s]
        self.counts[:, 0, 1 + k] += arrived[:, :s]

    def _convert(self, period: Period, length: float) -> np.ndarray:
        """Cooperative groups that convert during an interval, each at its own constant hazard,
        by class at the interval's end: a chain with a transient group state."""
        hazard = self.plan.groups.conversion_per_year * period.conversion_multiplier
        generators = _generators(period.hazards, self.rate_scales, self.dormancy)
        s = self.n_states
        q = np.zeros((generators.shape[0], s + 2, s + 2))
        q[:, : s + 1, : s + 1] = generators
        q[:, -1, :N_CLASSES] = hazard * self.plan.entry_distribution
        q[:, -1, -1] = -hazard
        outcome = self.rng.multinomial(self.pool, _normalised(expm(q * length)[:, -1]))
        self.pool = outcome[:, -1]
        return outcome[:, :-1]

    def _end_support(self, t: float) -> None:
        """Cooperatives whose support ends by t return to the unsupported group."""
        for g in list(self.active[1:]):
            if self.groups[g].end <= t + 1e-9:
                self.counts[:, 0] += self.counts[:, g]
                self.counts[:, g] = 0
                self.active.remove(g)

    def _select(self, g: int, programme: ProgrammePlan) -> None:
        """A programme's round, as the des engine does it: up to its yearly capacity of the
        eligible cooperatives it does not support yet, as many as its budget pays for, chosen
        by its targeting rule on the latent class with ties at random."""
        index = self.groups[g].programme
        if programme.cost > 0:
            affordable = np.floor((self.budget[:, index] + 1e-9 * programme.cost) / programme.cost)
        else:
            affordable = np.full(FAST_BLOCK, float(programme.capacity_per_year))
        # (b, cohorts, classes): a dormant cooperative is never eligible.
        eligible = np.where(programme.eligible, self.counts[:, 0, :, :N_CLASSES], 0)
        wanted = np.minimum(affordable, programme.capacity_per_year).astype(np.int64)
        count = np.minimum(wanted, eligible.sum(axis=(1, 2)))
        chosen = self._choose(eligible, count, programme.targeting)
        self.counts[:, 0, :, :N_CLASSES] -= chosen
        self.counts[:, g, :, :N_CLASSES] += chosen
        self.active.append(g)
        self.budget[:, index] -= count * programme.cost
        self.counters["supported"] += count
        self.counters["spent"] += count * programme.cost

    def _choose(self, eligible: np.ndarray, count: np.ndarray, targeting: str) -> np.ndarray:
        """How many of each (cohort, class) cell a round picks: whole classes in the rule's
        order, and within a class (or among all, for random targeting) a uniformly random
        subset, drawn as a sequence of hypergeometric splits."""
        b, _, classes = eligible.shape
        if targeting == "random":
            return self._uniform_subset(eligible.reshape(b, -1), count).reshape(eligible.shape)
        order = range(classes - 1, -1, -1) if targeting == "weakest_first" else range(classes)
        chosen = np.zeros_like(eligible)
        left = count.copy()
        for c in order:
            take = np.minimum(left, eligible[:, :, c].sum(axis=1))
            chosen[:, :, c] = self._uniform_subset(eligible[:, :, c], take)
            left -= take
        return chosen

    def _uniform_subset(self, cells: np.ndarray, take: np.ndarray) -> np.ndarray:
        """Counts per cell of a uniformly random subset of `take` of the cells' members."""
        picked = np.zeros_like(cells)
        left = take.copy()
        rest = cells.sum(axis=1)
        for j in range(cells.shape[1] - 1):
            rest -= cells[:, j]
            picked[:, j] = self.rng.hypergeometric(cells[:, j], rest, left)
            left -= picked[:, j]
        picked[:, -1] = left
        return picked

    def _cleanup(self, removal: np.ndarray, k: int) -> None:
        """Each cooperative removed with its state's probability, at once: a binomial thinning
        of every cell (`removal` over states, or per replicate and state)."""
        alive_before = self.counts.sum(axis=(1, 3))
        removed = self.rng.binomial(self.counts, removal)
        self.counts -= removed
        gone = removed.sum(axis=(1, 3))
        self.counters["removed"] += gone.sum(axis=1)
        self.counters["dissolved"] += gone.sum(axis=1)
        self.members.remove(gone, alive_before, k)

    def _wave(self, k: int) -> None:
        """The clean-up wave of year k, in the replicates that have one."""
        assert self.waves is not None and self.plan.waves is not None
        happens = self.waves[:, k]
        if happens.any():
            removal = np.where(happens[:, None], self.wave_removal, 0.0)
            self._cleanup(removal[:, None, None, :], k)

    def _snapshot(self, k: int) -> np.ndarray:
        plan = self.plan
        by_cohort = self.counts.sum(axis=1)  # (b, cohorts, states)
        by_state = by_cohort[:, : 1 + k].sum(axis=1)
        classified = by_state[:, :N_CLASSES]
        dormant = by_state[:, N_CLASSES] if self.n_states > N_CLASSES else 0.0
        unclassified = by_cohort[:, 1 + k].sum(axis=1)
        total = by_state.sum(axis=1) + unclassified
        denominator = classified.sum(axis=1) if plan.share_of_classified_only else total
        well = classified[:, plan.well_operating].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            well_share = np.where(denominator > 0, well / denominator, np.nan)
            weak_share = np.where(denominator > 0, classified[:, WEAK] / denominator, np.nan)
        row = np.zeros((FAST_BLOCK, len(METRIC_NAMES)))
        values = {
            "cooperatives": total,
            "founded": self.counters["founded"],
            "dissolved": self.counters["dissolved"],
            "members": self.members.total(by_cohort.sum(axis=2)),
            "good": classified[:, 0],
            "fair": classified[:, 1],
            "average": classified[:, 2],
            "weak": classified[:, 3],
            "unclassified": unclassified,
            "well_operating_share": well_share,
            "weak_share": weak_share,
            "removed": self.counters["removed"],
            "supported": self.counters["supported"],
            "budget_spent_million_vnd": self.counters["spent"],
            "cooperative_groups": self.pool if plan.groups is not None else np.nan,
            "dormant": dormant,
        }
        for name, value in values.items():
            row[:, METRIC_INDEX[name]] = value
        return row


def simulate_block(plan: SimulationPlan, seed: int, block: int) -> np.ndarray:
    """Metrics of replicates block*FAST_BLOCK ... (block+1)*FAST_BLOCK - 1."""
    return _Block(plan, seed, block).run()


def simulate_chunk(plan: SimulationPlan, seed: int, start: int, stop: int) -> np.ndarray:
    """Replicates start..stop-1 (replicates x years x metrics); blocks are simulated whole and
    cut, so a replicate's result does not depend on the chunk it falls in."""
    parts = []
    for block in range(start // FAST_BLOCK, math.ceil(stop / FAST_BLOCK)):
        first = block * FAST_BLOCK
        values = simulate_block(plan, seed, block)
        parts.append(values[max(start, first) - first : min(stop, first + FAST_BLOCK) - first])
    return np.concatenate(parts)
