"""Monte Carlo answers that refine in place: a first round of replicates gives an estimate
at once, the full run replaces it, and a newer change stops the run at its next chunk.

Every round is `coopsim.runs.simulate.simulate` with the app's seed, so the last round's
numbers are those of `coopsim forecast --replications N --seed S` for the same settings
(replicate i depends only on the seed and i).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from coopsim.app.jobs import Job
from coopsim.engines.registry import EngineChoice
from coopsim.model.plan import SimulationPlan
from coopsim.runs.executors import Executor
from coopsim.runs.progress import Progress
from coopsim.runs.simulate import simulate

#: The first round's share of the replicates (at least one engine block).
FIRST_ROUND = 1 / 8


class JobProgress(Progress):
    """A silent progress counter that reports to a job and stops the run when it is
    cancelled (raised where the runner collects a finished chunk)."""

    def __init__(self, job: Job, total: int) -> None:
        super().__init__(total, enabled=False)
        self.job = job
        job.done, job.total = 0, total

    def advance(self, n: int) -> None:
        super().advance(n)
        self.job.done = self.done
        self.job.check()


def rounds(replications: int, align: int) -> list[int]:
    """Replicates after each round: a first estimate, then the full run."""
    first = max(align, math.ceil(replications * FIRST_ROUND / align) * align)
    return [first, replications] if first < replications else [replications]


def run_in_rounds(
    job: Job,
    plan: SimulationPlan,
    choice: EngineChoice,
    seed: int,
    replications: int,
    executor: Executor,
    publish: Callable[[np.ndarray], None],
) -> np.ndarray:
    """Run `plan` in rounds, passing each round's replicates to `publish`; the last's."""
    values = np.empty(0)
    for count in rounds(replications, choice.align):
        job.check()
        values, _ = simulate(
            plan,
            seed,
            count,
            engine=choice.engine,
            executor=executor,
            progress=JobProgress(job, count),
        )
        publish(values)
    return values
