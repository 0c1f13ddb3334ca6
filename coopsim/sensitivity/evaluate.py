"""Target probabilities at the design points of a sensitivity analysis, in this process or on
a pool of worker processes.

Every point runs with the same seed (common random numbers): two points that differ in one
input differ in their results only through that input, not through fresh random numbers.
The exact engine, where it can compute every target, gives each probability without Monte
Carlo error; otherwise each point runs `replications` replicates on the fast engine.
"""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from coopsim.engines import select_engine, simulate
from coopsim.engines.exact import CLASSIFIED, UNCLASSIFIED, ExactModel, unsupported_features
from coopsim.errors import InputError
from coopsim.exact_result import metric_distribution
from coopsim.metrics import METRIC_INDEX
from coopsim.observed import Region
from coopsim.plan import SimulationPlan, compile_plan
from coopsim.progress import Progress
from coopsim.scenario import Scenario, Target
from coopsim.sensitivity.inputs import SensitivityInput, apply_inputs
from coopsim.targets import is_met
from coopsim.threads import single_threaded_blas


def exact_probability(model: ExactModel, target: Target) -> float:
    """P(target met) from the exact engine: a share threshold as one weighted count (fast),
    anything else from the metric's exact distribution."""
    plan = model.plan
    k = target.year - plan.first_year
    shares = {"well_operating_share", "weak_share"}
    if target.metric in shares and target.comparison != "between":
        counted = (
            [c for c in range(4) if plan.well_operating[c]]
            if target.metric == "well_operating_share"
            else [3]
        )
        denominator = list(CLASSIFIED) + (
            [] if plan.share_of_classified_only else list(UNCLASSIFIED)
        )
        rest = [s for s in denominator if s not in counted]
        assert target.threshold is not None
        strict = target.comparison in (">", "<=")  # P(<= t) = 1 - P(> t), P(< t) = 1 - P(>= t)
        p = model.share_probability(k, counted, rest, target.threshold, strict)
        return float(np.clip(p if target.comparison in (">", ">=") else 1 - p, 0.0, 1.0))
    found = metric_distribution(model, target.metric, k)
    assert found is not None
    values, probs = found
    return float(np.clip(probs[is_met(target, values)].sum(), 0.0, 1.0))


def choose_engine(requested: str, plan: SimulationPlan, targets: list[Target]) -> tuple[str, str]:
    """The engine for every design point, and why: exact when it computes every target (no
    Monte Carlo error, milliseconds a point), else fast (des only on request: it is far
    slower, and a sensitivity analysis needs thousands of points)."""
    problems = list(unsupported_features(plan))
    if not problems:
        model = ExactModel(plan)
        missing = sorted(
            {t.metric for t in targets if metric_distribution(model, t.metric, 0) is None}
        )
        if missing:
            problems.append(f"targets on {', '.join(missing)}, which it does not compute")
    if requested == "exact":
        if problems:
            raise InputError("--engine exact", "this scenario has " + "; ".join(problems))
        return "exact", "requested: target probabilities without Monte Carlo error"
    if requested in ("fast", "des"):
        select_engine(requested, plan)  # refuses what the engine cannot run
        return requested, "requested"
    if not problems:
        return "exact", "auto: exact computes every target's probability without Monte Carlo error"
    return "fast", "auto: fast (the exact engine cannot: " + "; ".join(problems) + ")"


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
        """A scenario compiled against the region."""
        return compile_plan(scenario, self.region)

    def probabilities(self, plan: SimulationPlan) -> np.ndarray:
        """Each target's probability under one compiled plan."""
        if self.engine == "exact":
            model = ExactModel(plan)
            return np.array([exact_probability(model, t) for t in self.targets])
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


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which cancels the pool cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def evaluate(
    evaluator: Evaluator, points: np.ndarray, workers: int = 1, progress: Progress | None = None
) -> np.ndarray:
    """Probabilities (points x targets) at every point, in order, on `workers` processes."""
    batch = max(1, min(64, -(-len(points) // (8 * max(workers, 1)))))
    bounds = [(start, min(start + batch, len(points))) for start in range(0, len(points), batch)]
    results: list[np.ndarray | None] = [None] * len(bounds)
    if workers <= 1 or len(bounds) == 1:
        for index, (start, stop) in enumerate(bounds):
            results[index] = evaluator(points[start:stop])
            if progress:
                progress.advance(stop - start)
        return np.concatenate(results)  # type: ignore[arg-type]
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(bounds)),
        mp_context=multiprocessing.get_context(method),
        initializer=_ignore_interrupts,
    )
    try:
        pending = {
            pool.submit(evaluator, points[start:stop]): index
            for index, (start, stop) in enumerate(bounds)
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                results[index] = future.result()
                if progress:
                    start, stop = bounds[index]
                    progress.advance(stop - start)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return np.concatenate(results)  # type: ignore[arg-type]
