"""The fast engine: the same model in numpy, a block of replicates at a time.

Every cooperative of every replicate in a block is a cell of (replicates x cooperatives)
arrays. Time is cut into intervals of constant hazards (year ends, policy periods, clean-up
dates); over each interval a cooperative's class at the end is drawn from the row of the
transition matrix expm(Q dt) for its class, and the cooperatives founded during it from the
integrated transition matrix (a founding time uniform in the interval). This is exact for the
model -- only the year-end classes, the yearly counts and the clean-up dates matter, and all
of them fall on interval ends -- not a tau-leaping approximation.

Random numbers come from one stream per block of FAST_BLOCK replicates, drawn in full-block
shapes, so replicate i's result depends only on the seed and i (never on how replicates are
split among workers). Support programmes couple cooperatives only at their selection rounds:
there the step is done as the des engine does it, and the supported cells then use their own
transition matrices until their support ends (a cut in the intervals).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.linalg import expm

from coopsim.analytic import N_CLASSES, integral_of_expm
from coopsim.classes import DISSOLVED, WEAK
from coopsim.metrics import METRIC_INDEX, METRIC_NAMES
from coopsim.plan import CleanupEvent, Period, ProgrammePlan, SimulationPlan, scaled_hazards

#: Replicates simulated together with one random stream.
FAST_BLOCK = 256
#: The spawn-key tag of the fast engine's block streams (des uses (replicate,) and
#: (replicate, stream index < 100)).
_BLOCK_STREAM_TAG = 1000
GONE = DISSOLVED  # class code of a dissolved cooperative
EMPTY = -1  # class code of an unused cell


def unsupported_features(plan: SimulationPlan) -> list[str]:
    """Scenario features the fast engine cannot handle (empty when it can)."""
    if len(plan.programmes) > np.iinfo(np.int8).max:  # programme indices are stored as int8
        return [f"more than {np.iinfo(np.int8).max} support programmes"]
    return []


def _generator(period: Period) -> np.ndarray:
    return period.hazards.generator()


def _transition_rows(plan: SimulationPlan, period: Period, length: float) -> np.ndarray:
    """Cumulative transition rows over an interval, (support states x classes x states):
    support state 0 is unsupported, k + 1 supported by programme k."""
    everyone = np.ones(N_CLASSES, dtype=bool)
    variants = [period.hazards] + [
        scaled_hazards(period.hazards, programme.effects, everyone, 1.0)
        for programme in plan.programmes
    ]
    return np.stack([np.cumsum(expm(h.generator() * length)[:N_CLASSES], axis=1) for h in variants])


def _categorical(cumulative: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category index per cell: the first whose cumulative probability exceeds u."""
    return (u[..., None] >= cumulative[..., :-1]).sum(axis=-1)


def _next_state(rows: np.ndarray, support: np.ndarray, cls: np.ndarray, u: np.ndarray):
    """Each cell's next state from the cumulative transition rows of its support state and
    class: one comparison per state boundary, with no (cells x states) array."""
    state = np.zeros(cls.shape, dtype=np.int64)
    for j in range(rows.shape[2] - 1):
        state += u >= rows[:, :, j][support, cls]
    return state


class _Block:
    """One block of replicates in flight."""

    def __init__(self, plan: SimulationPlan, seed: int, block: int) -> None:
        self.plan = plan
        self.rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, _BLOCK_STREAM_TAG)))
        )
        b = FAST_BLOCK
        stock = plan.initial
        n0 = stock.total
        self.cls = np.repeat(np.arange(N_CLASSES), stock.latent)[None, :].repeat(b, axis=0)
        self.born = np.full((b, n0), -1, dtype=np.int64)
        weights = self.rng.gamma(plan.members_dispersion, size=(b, n0))
        self.members = self.rng.multinomial(stock.members, weights / weights.sum(1, keepdims=True))
        k = plan.founding_dispersion
        self.factors = (
            self.rng.gamma(k, 1 / k, size=(b, plan.n_years)) if k else np.ones((b, plan.n_years))
        )
        self.pool = np.full(b, plan.groups.initial_pool if plan.groups else 0, dtype=np.int64)
        self.counters = {
            name: np.zeros(b) for name in ("founded", "dissolved", "removed", "supported", "spent")
        }
        # Support: programme index per cell (-1: none), when it ends (only with programmes),
        # and budgets left.
        self.support = np.full((b, n0), -1, dtype=np.int8)
        self.support_end = np.full((b, n0), np.inf) if plan.programmes else None
        self.budget = np.tile([p.budget for p in plan.programmes], (b, 1)).astype(float)
        horizon = float(plan.n_years)
        self.rounds = [set(p.round_times(horizon)) for p in plan.programmes]

    def run(self) -> np.ndarray:
        plan = self.plan
        out = np.zeros((FAST_BLOCK, plan.n_years, len(METRIC_NAMES)))
        cleanups = [c for c in plan.cleanups if 0 <= c.time < plan.n_years]
        for k in range(plan.n_years):
            for counter in self.counters.values():
                counter[:] = 0
            if plan.groups is not None and k > 0:
                self.pool += self.rng.poisson(plan.groups.new_groups_per_year, size=FAST_BLOCK)
            for start, end, period in self._intervals(k):
                for cleanup in cleanups:
                    if cleanup.time == start:
                        self._cleanup(cleanup)
                if self.support_end is not None:
                    self.support[self.support_end <= start + 1e-9] = -1
                for index, programme in enumerate(plan.programmes):
                    if start in self.rounds[index]:
                        self._select(index, programme, start)
                self._move(period, end - start)
                self._found(k, period, end - start)
            out[:, k, :] = self._snapshot(k)
        return out

    def _intervals(self, k: int) -> list[tuple[float, float, Period]]:
        cuts = {float(k), float(k + 1)}
        cuts.update(p.start for p in self.plan.periods if k < p.start < k + 1)
        cuts.update(c.time for c in self.plan.cleanups if k < c.time < k + 1)
        for programme, rounds in zip(self.plan.programmes, self.rounds, strict=True):
            for t in rounds:
                cuts.update(x for x in (t, t + programme.support_years) if k < x < k + 1)
        edges = sorted(cuts)
        found = []
        for start, end in itertools.pairwise(edges):
            period = next(p for p in self.plan.periods if p.start <= start < p.end)
            found.append((start, end, period))
        return found

    def _move(self, period: Period, length: float) -> None:
        """Every alive cooperative's class at the end of an interval of constant hazards."""
        rows = _transition_rows(self.plan, period, length)
        u = self.rng.random(self.cls.shape)
        alive = (self.cls >= 0) & (self.cls < GONE)
        moved = _next_state(rows, self.support + 1, np.where(alive, self.cls, 0), u)
        self.counters["dissolved"] += (alive & (moved == GONE)).sum(axis=1)
        self.cls = np.where(alive, moved, self.cls)

    def _found(self, k: int, period: Period, length: float) -> None:
        """Cooperatives founded during an interval, with their classes at its end."""
        plan = self.plan
        scale = self.factors[:, k] * period.founding_multiplier * length
        fresh = self.rng.poisson(plan.founding_mean_per_year * scale)
        converted = np.zeros(FAST_BLOCK, dtype=np.int64)
        if plan.groups is not None:
            rate = plan.groups.conversion_per_year * self.pool * period.conversion_multiplier
            converted = np.minimum(self.rng.poisson(rate * scale), self.pool)
            self.pool -= converted
        count = fresh + converted
        width = int(count.max())
        if width == 0:
            return
        entry = np.zeros(N_CLASSES + 1)
        entry[:N_CLASSES] = plan.entry_distribution
        at_end = entry @ integral_of_expm(_generator(period), length) / length
        state = _categorical(np.cumsum(at_end)[None, None, :], self.rng.random((FAST_BLOCK, width)))
        used = np.arange(width)[None, :] < count[:, None]
        extra = plan.new_members_mean - plan.new_members_minimum
        members = np.full((FAST_BLOCK, width), plan.new_members_minimum, dtype=np.int64)
        if extra > 0:
            shape = plan.members_dispersion
            members += self.rng.poisson(self.rng.gamma(shape, extra / shape, (FAST_BLOCK, width)))
        self.counters["founded"] += count
        self.counters["dissolved"] += (used & (state == GONE)).sum(axis=1)
        self.cls = np.concatenate([self.cls, np.where(used, state, EMPTY)], axis=1)
        self.born = np.concatenate([self.born, np.full((FAST_BLOCK, width), k)], axis=1)
        self.members = np.concatenate([self.members, np.where(used, members, 0)], axis=1)
        self.support = np.concatenate(
            [self.support, np.full((FAST_BLOCK, width), -1, dtype=np.int8)], axis=1
        )
        if self.support_end is not None:
            self.support_end = np.concatenate(
                [self.support_end, np.full((FAST_BLOCK, width), np.inf)], axis=1
            )

    def _select(self, index: int, programme: ProgrammePlan, t: float) -> None:
        """A programme's round, as the des engine does it: up to its yearly capacity of the
        eligible cooperatives it does not support yet, as many as its budget pays for, chosen
        by its targeting rule on the latent class with ties at random."""
        ties = self.rng.random(self.cls.shape)
        alive = (self.cls >= 0) & (self.cls < GONE)
        classes = np.where(alive, self.cls, 0)
        eligible = alive & programme.eligible[classes] & (self.support < 0)
        if programme.targeting == "weakest_first":
            score = -classes + ties
        elif programme.targeting == "most_promising":
            score = classes + ties
        else:
            score = ties
        score = np.where(eligible, score, np.inf)
        if programme.cost > 0:
            affordable = np.floor((self.budget[:, index] + 1e-9 * programme.cost) / programme.cost)
        else:
            affordable = np.full(FAST_BLOCK, float(programme.capacity_per_year))
        count = np.minimum(
            np.minimum(affordable, programme.capacity_per_year), eligible.sum(axis=1)
        ).astype(np.int64)
        width = int(count.max())
        if width == 0:
            return
        order = np.argsort(score, axis=1, kind="stable")[:, :width]
        take = np.arange(width)[None, :] < count[:, None]
        rows = np.repeat(np.arange(FAST_BLOCK)[:, None], width, axis=1)[take]
        cells = order[take]
        self.support[rows, cells] = index
        self.support_end[rows, cells] = t + programme.support_years
        self.budget[:, index] -= count * programme.cost
        self.counters["supported"] += count
        self.counters["spent"] += count * programme.cost

    def _cleanup(self, cleanup: CleanupEvent) -> None:
        alive = (self.cls >= 0) & (self.cls < GONE)
        removal = cleanup.removal[np.where(alive, self.cls, 0)]
        removed = alive & (self.rng.random(self.cls.shape) < removal)
        self.cls = np.where(removed, GONE, self.cls)
        count = removed.sum(axis=1)
        self.counters["removed"] += count
        self.counters["dissolved"] += count

    def _snapshot(self, k: int) -> np.ndarray:
        plan = self.plan
        alive = (self.cls >= 0) & (self.cls < GONE)
        young = alive & (self.born == k)
        classified = np.stack(
            [(alive & ~young & (self.cls == c)).sum(axis=1) for c in range(N_CLASSES)], axis=1
        )
        unclassified = young.sum(axis=1)
        total = classified.sum(axis=1) + unclassified
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
            "members": np.where(alive, self.members, 0).sum(axis=1),
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
