"""An exact forecast result made from `coopsim.results.exact_answers.ExactAnswers`, which
re-answers a scenario's targets and quantiles as its settings move, recomputing only the
years whose inputs changed. It is a ForecastResult, so the forecast's own chart functions
draw it; its numbers are those `coopsim forecast --engine exact` gives for the same plan."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from coopsim.results.exact_answers import ExactAnswer
from coopsim.results.exact_result import ExactForecastResult
from coopsim.results.targets import TargetEstimate


@dataclass
class AnsweredExactResult(ExactForecastResult):
    """Exact target probabilities and quantiles from one ExactAnswer (no distributions)."""

    answer: ExactAnswer | None = None

    def __post_init__(self) -> None:
        assert self.answer is not None
        self.distributions = {}
        self.targets = {}
        for name, target in self.scenario.targets.items():
            p = self.answer.targets[name]
            self.targets[name] = TargetEstimate(name, target, p, 0.0, (p, p), 0, 0)

    @cached_property
    def _quantile_table(self) -> pd.DataFrame:
        assert self.answer is not None
        return self.answer.quantiles
