"""Target probabilities at the design points of a sensitivity analysis, in batches on the
shared executors (this process, a process pool or Dask).

Every point runs with the same seed (common random numbers): two points that differ in one
input differ in their results only through that input, not through fresh random numbers.
The exact engine, where it can compute every target, gives each probability without Monte
Carlo error; otherwise each point runs `replications` replicates on the fast engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from coopsim.analyses.origin import at_latest_report
from coopsim.analyses.sensitivity.inputs import SensitivityInput, apply_inputs
from coopsim.engines.exact import ExactModel, target_probability
from coopsim.engines.registry import select_engine
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario, Target
from coopsim.metrics import METRIC_INDEX
from coopsim.model.plan import SimulationPlan, compile_plan
from coopsim.results.targets import is_met
from coopsim.runs.executors import ChunkTask, Executor
from coopsim.runs.progress import Progress
from coopsim.runs.simulate import simulate
from coopsim.threads import single_threaded_blas


def choose_engine(requested: str, plan: SimulationPlan, targets: list[Target]) -> tuple[str, str]:
    """The engine for every design point, and why: exact when it computes every target (no
    Monte Carlo error, milliseconds a point), else fast (des only on request: it is far
    slower, and a sensitivity analysis needs thousands of points)."""
    choice = select_engine(requested, plan, "probabilities", [t.metric for t in targets])
    return choice.name, choice.reason


@dataclass(frozen=True)
class Evaluator:
    """Computes every target's probability at design points (picklable for worker processes)."""

    scenario_data: dict[str, Any]
    region: Region
    inputs: tuple[SensitivityInput, ...]
    targets: tuple[Target, ...]
    engine: str
    seed: int
    replications: int

    def plan_for(self, scenario: Scenario) -> SimulationPlan:
        """A scenario compiled against the region, started at its latest report within the
        first year as a forecast is."""
        plan = compile_plan(scenario, self.region)
        return at_latest_report(
            plan, scenario, self.region, replications=self.replications, seed=self.seed
        )[0]

    def probabilities(self, plan: SimulationPlan) -> np.ndarray:
        """Each target's probability under one compiled plan."""
        if self.engine == "exact":
            model = ExactModel(plan)
            return np.array([target_probability(model, t) for t in self.targets])
        values, _ = simulate(plan, self.seed, self.replications, engine=self.engine, workers=1)
        return np.array(
            [
                is_met(t, values[:, t.year - plan.first_year, METRIC_INDEX[t.metric]]).mean()
                for t in self.targets
            ]
        )

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Probabilities (points x targets) at points given in input units (points x inputs)."""
        with single_threaded_blas():
            return np.array(
                [
                    self.probabilities(
                        apply_inputs(self.scenario_data, self.plan_for, self.inputs, row)
                    )
                    for row in points
                ]
            ).reshape(len(points), len(self.targets))


@dataclass(frozen=True)
class Design:
    """An evaluator and its design points: a run's one input, sent to each worker once."""

    evaluator: Evaluator
    points: np.ndarray


def evaluate_batch(design: Design, seed: int, start: int, stop: int) -> np.ndarray:
    """Probabilities at design points start..stop-1 (the executors' chunk function)."""
    return design.evaluator(design.points[start:stop])


def evaluate(
    evaluator: Evaluator,
    points: np.ndarray,
    executor: Executor,
    progress: Progress | None = None,
) -> np.ndarray:
    """Probabilities (points x targets) at every point, in order, in batches on `executor`."""
    batch = max(1, min(64, -(-len(points) // (8 * max(executor.workers, 1)))))
    design = Design(evaluator, points)
    tasks = [
        ChunkTask(evaluate_batch, design, 0, start, min(start + batch, len(points)))
        for start in range(0, len(points), batch)
    ]
    results: dict[int, np.ndarray] = {}
    for task, values in executor.run(tasks):
        results[task.start] = values
        if progress:
            progress.advance(task.size)
    return np.concatenate([results[task.start] for task in tasks])
