"""An exact forecast that computes only what the explorer shows.

`coopsim forecast --engine exact` computes every metric's distribution in every year, and so
does `coopsim.results.exact_answers.ExactAnswers`, which re-answers the whole summary as
settings move; measured in the browser, that made an answer wait 220-240 ms for numbers the
table does not show, against about 60 ms for the targets alone. So this result computes the
target probabilities when made (`target_probability`, the one exact target probability), and
a metric's yearly mean and quantiles only when its chart is drawn, each row as ExactAnswers
writes it (`distribution_row`), so every number is the one the full summary has.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from coopsim.engines.exact import metric_distribution, target_probability
from coopsim.results.exact_answers import distribution_row
from coopsim.results.exact_result import ExactForecastResult
from coopsim.results.forecast_result import QUANTILE_LEVELS
from coopsim.results.targets import TargetEstimate


@dataclass
class ShownExactResult(ExactForecastResult):
    """Exact target probabilities now; a metric's quantiles when first asked for."""

    def __post_init__(self) -> None:
        assert self.model is not None
        self.distributions = {}
        self.targets = {}
        for name, target in self.scenario.targets.items():
            p = target_probability(self.model, target)
            self.targets[name] = TargetEstimate(name, target, p, 0.0, (p, p), 0, 0)
        self._shown: dict[str, pd.DataFrame] = {}

    def metric_quantiles(self, name: str) -> pd.DataFrame:
        """Mean and quantiles of one metric by year, from its exact distributions."""
        assert self.model is not None
        if name not in self._shown:
            with self.model.shares_on_second_thread():  # a share's grids made meanwhile
                found = [metric_distribution(self.model, name, k) for k in range(len(self.years))]
                rows = [
                    [year, *distribution_row(distribution)]
                    for year, distribution in zip(self.years, found, strict=True)
                ]
            table = pd.DataFrame(rows, columns=["year", "mean", *QUANTILE_LEVELS])
            self._shown[name] = table.set_index("year")
        return self._shown[name]
