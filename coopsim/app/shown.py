"""An exact forecast that computes only what the explorer shows.

`coopsim forecast --engine exact` computes every metric's distribution in every year (about a
second); the page shows the targets at once and a few fan charts, so this result computes the
target probabilities when made and a metric's yearly distributions only when its chart is
drawn. Every number comes from the exact engine's own functions, so each is the one the full
summary has.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from coopsim.engines.exact import metric_distribution, target_probability
from coopsim.engines.exact.distributions import quantile
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

    def metric_quantiles(self, name: str) -> pd.DataFrame:
        """Mean and quantiles of one metric by year, from its exact distributions."""
        assert self.model is not None
        rows = []
        for k, year in enumerate(self.years):
            found = self.distributions.get((name, year))
            if found is None:
                found = metric_distribution(self.model, name, k)
                if found is None:
                    raise ValueError(f"the exact engine does not compute {name}")
                self.distributions[(name, year)] = found
            row = {"year": year, "mean": float(found[0] @ found[1])}
            row |= {key: quantile(found, q) for key, q in QUANTILE_LEVELS.items()}
            rows.append(row)
        return pd.DataFrame(rows).set_index("year")
