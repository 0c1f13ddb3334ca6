"""The one ensemble runner: every caller's replicates, chunk by chunk on an executor, kept in
memory or saved as checkpoints, for a fixed number of replicates or until every target
probability is as precise as asked.

With a precision goal the run grows in rounds. After each round, the 95% intervals of the
target probabilities over the replicates run so far decide the next round's size (or the
end), so the number of replicates depends only on the seed and the arguments, never on how
many workers ran them or in what order their chunks finished.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coopsim.defaults import DEFAULT_MAX_REPLICATIONS
from coopsim.engines.contract import Engine
from coopsim.model.plan import SimulationPlan
from coopsim.runs.checkpoints import Checkpoints
from coopsim.runs.executors import ChunkTask, Executor
from coopsim.runs.progress import Progress
from coopsim.runs.replicates import InMemory, ReplicateData

#: Each target's 95% interval half-width over the replicates run so far.
HalfWidths = Callable[[ReplicateData], dict[str, float]]

#: Names of a forecast's runs: the scenario, and the paired run without its programmes.
RUN_NAMES = ("main", "without_programmes")
#: A round grows the run by at least this factor and at most GROWTH_MAX.
GROWTH_MIN, GROWTH_MAX = 1.25, 4.0
#: Margin on the replicates the next round aims for (half-widths are estimates too).
MARGIN = 1.1


@dataclass(frozen=True)
class PrecisionGoal:
    """Add replicates until every target probability's 95% interval half-width is below
    `half_width`, or `max_replications` have run."""

    half_width: float
    max_replications: int = DEFAULT_MAX_REPLICATIONS


@dataclass
class EnsembleOutcome:
    """Each run's results, how many replicates ran, and the precision reached (if asked)."""

    data: list[ReplicateData]
    replications: int
    precision: dict[str, Any] | None = None
    rounds: list[int] = field(default_factory=list)


def grid_bounds(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    """Replicates start..stop-1 cut at multiples of `size` (the run's chunk grid), so every
    round of a run cuts the same chunks whatever the rounds before it were."""
    cuts = [start, *range((start // size + 1) * size, stop, size), stop]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def next_count(done: int, widths: Mapping[str, float], goal: PrecisionGoal, align: int) -> int:
    """Replicates after the next round (`done` when the goal is met or the cap reached): the
    count at which the widest interval should meet the goal (a half-width shrinks as one over
    the square root of the count), within GROWTH_MIN..GROWTH_MAX times `done`."""
    worst = max(widths.values(), default=0.0)
    if worst < goal.half_width or done >= goal.max_replications:
        return done
    wanted = done * (worst / goal.half_width) ** 2 * MARGIN
    wanted = min(max(wanted, done * GROWTH_MIN), done * GROWTH_MAX)
    return min(goal.max_replications, math.ceil(wanted / align) * align)


def run_ensemble(
    plans: Sequence[SimulationPlan],
    engine: Engine,
    seed: int,
    replications: int,
    executor: Executor,
    chunk_size: int,
    *,
    store: Checkpoints | None = None,
    progress: Progress | None = None,
    goal: PrecisionGoal | None = None,
    half_widths: HalfWidths | None = None,
) -> EnsembleOutcome:
    """Run `plans` (e.g. a scenario, and its paired run without programmes) on a Monte Carlo
    `engine` to `replications`, or in rounds to `goal` (judged by `half_widths`); chunks
    already in `store` are not run again."""
    assert engine.chunk is not None
    names = RUN_NAMES[: len(plans)]
    size = store.chunk_size if store is not None else chunk_size
    held: dict[tuple[str, int], np.ndarray] = {}
    done, wanted, rounds = 0, replications, []
    cut: list[tuple[int, int]] = []  # every chunk so far, in order
    widths: dict[str, float] = {}
    while True:
        bounds = grid_bounds(done, wanted, size)
        cut += bounds
        tasks = []
        for plan, name in zip(plans, names, strict=True):
            for start, stop in bounds:
                if store is not None and store.has(name, start, stop):
                    if progress:
                        progress.skip(stop - start)
                    continue
                tasks.append(ChunkTask(engine.chunk, plan, seed, start, stop, name))
        for task, values in executor.run(tasks):
            if store is not None:
                store.save(str(task.tag), task.start, task.stop, values)
            else:
                held[(str(task.tag), task.start)] = values
            if progress:
                progress.advance(task.size)
        done = wanted
        rounds.append(done)
        data = _collect(names, cut, store, held)
        if goal is None:
            return EnsembleOutcome(data, done, None, rounds)
        assert half_widths is not None, "a precision goal needs the targets' half-widths"
        widths = half_widths(data[0])
        wanted = next_count(done, widths, goal, engine.align)
        if wanted == done:
            break
        if progress:
            progress.total = wanted * len(plans)
    reached = all(width < goal.half_width for width in widths.values())
    report = {
        "half_width_goal": goal.half_width,
        "reached": reached,
        "max_replications": goal.max_replications,
        "rounds": rounds,
        "half_widths": widths,
    }
    return EnsembleOutcome(data, done, report, rounds)


def _collect(
    names: Sequence[str],
    bounds: list[tuple[int, int]],
    store: Checkpoints | None,
    held: dict[tuple[str, int], np.ndarray],
) -> list[ReplicateData]:
    """Each run's results so far, in replicate order."""
    if store is not None:
        return [store.data(name, bounds) for name in names]
    return [InMemory(np.concatenate([held[(name, a)] for a, _ in bounds])) for name in names]
