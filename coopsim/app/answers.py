"""One answer: a scenario with the page's changes, the engine that answers it, its latest
result (exact, or the Monte Carlo estimate so far) and the unchanged scenario's, to compare.

Exact answers are computed while the request waits; Monte Carlo ones start with no result
and are filled in by their job, round by round.
"""

from __future__ import annotations

import shlex
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coopsim.analyses.compare import paired_difference
from coopsim.app.changes import Applied
from coopsim.app.shown import ShownExactResult
from coopsim.engines.exact import ExactModel
from coopsim.engines.registry import EngineChoice, select_engine
from coopsim.results.forecast_result import ForecastResult
from coopsim.results.targets import is_met
from coopsim.threads import single_threaded_blas


@dataclass(frozen=True)
class Difference:
    """A target's probability now minus before the changes, with its 95% interval."""

    value: float
    low: float
    high: float


@dataclass
class Answer:
    """What the page shows for one set of changes; `version` grows as the result refines."""

    id: str
    applied: Applied
    choice: EngineChoice
    seed: int
    replications: int  # the Monte Carlo run's size (0 for exact)
    result: ForecastResult | None = None
    reference: ForecastResult | None = None
    version: int = 0
    job: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def exact(self) -> bool:
        return self.choice.name == "exact"

    def publish(self, result: ForecastResult, reference: ForecastResult | None) -> None:
        """Replace the result with a newer one (a Monte Carlo round finished)."""
        with self.lock:
            self.result, self.reference = result, reference
            self.version += 1

    def differences(self) -> dict[str, Difference]:
        """Per target, the change from the unchanged scenario: exact, or paired by replicate
        (the same seed, so common random numbers) over the replicates run so far."""
        result, reference = self.result, self.reference
        if result is None or reference is None:
            return {}
        found = {}
        for name, estimate in result.targets.items():
            before = reference.targets[name]
            if self.exact:
                d = estimate.probability - before.probability
                found[name] = Difference(d, d, d)
                continue
            target = estimate.target
            now = is_met(target, result.metric(target.metric, target.year))
            then = is_met(target, reference.metric(target.metric, target.year))[: now.size]
            paired = paired_difference(then, now)
            found[name] = Difference(paired.difference, *paired.ci95)
        return found

    def command(self, relative_to: Path) -> str:
        """The `coopsim forecast` command that gives the same numbers."""
        path = self.applied.base.path
        try:
            shown = path.relative_to(relative_to)
        except ValueError:
            shown = path
        words = ["coopsim", "forecast", str(shown), "--engine", self.choice.name]
        if not self.exact:
            words += ["--replications", str(self.replications)]
        words += ["--seed", str(self.seed)]
        for text in self.applied.overrides:
            words += ["--set", text]
        return shlex.join(words)


def choose_engine(requested: str, applied: Applied) -> EngineChoice:
    """The engine for a page's probabilities: exact whenever it computes every target."""
    metrics = [target.metric for target in applied.loaded.scenario.targets.values()]
    return select_engine(requested, applied.plan, purpose="probabilities", metrics=metrics)


def exact_result(applied: Applied, choice: EngineChoice, seed: int) -> ShownExactResult:
    """The exact answer's result: target probabilities now, charts' quantiles on demand."""
    with single_threaded_blas():
        return ShownExactResult(
            values=None, model=ExactModel(applied.plan), **_common(applied, choice, seed)
        )


def monte_carlo_result(
    applied: Applied, choice: EngineChoice, seed: int, values: np.ndarray
) -> ForecastResult:
    """A Monte Carlo answer's result from its replicates so far, as a forecast builds it."""
    return ForecastResult(values=values, **_common(applied, choice, seed))


def _common(applied: Applied, choice: EngineChoice, seed: int) -> dict[str, object]:
    """The fields every forecast result has, as coopsim.analyses.forecast fills them."""
    region = applied.base.region
    return {
        "scenario": applied.loaded.scenario,
        "region": region.data,
        "initial": applied.plan.initial,
        "years": applied.plan.years,
        "engine": choice.name,
        "engine_reason": choice.reason,
        "seed": seed,
        "inconsistencies": region.inconsistencies,
        "origin": applied.origin,
    }
