"""Forecast results from the exact engine: distributions instead of replicates."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from coopsim.engines.exact.distributions import (
    Distribution,
    metric_distributions,
    probability_met,
)
from coopsim.engines.exact.model import ExactModel
from coopsim.metrics import METRIC_NAMES
from coopsim.results.exact_answers import distribution_row
from coopsim.results.forecast_result import QUANTILE_LEVELS, ForecastResult
from coopsim.results.targets import TargetEstimate


@dataclass
class ExactForecastResult(ForecastResult):
    """A forecast whose metrics are exact distributions; probabilities have no Monte Carlo
    error (stderr 0). There are no replicates, so no trajectories."""

    model: ExactModel | None = None
    distributions: dict[tuple[str, int], Distribution] = field(init=False)

    def __post_init__(self) -> None:
        assert self.model is not None
        with self.model.shares_on_second_thread():  # the grids made meanwhile
            by_year = [
                metric_distributions(self.model, list(METRIC_NAMES), k)
                for k in range(len(self.years))
            ]
        self.distributions = {}
        for name in METRIC_NAMES:  # in the order metric by metric, year by year
            for year, found in zip(self.years, by_year, strict=True):
                if found[name] is not None:
                    self.distributions[(name, year)] = found[name]
        self.targets = {}
        for name, target in self.scenario.targets.items():
            p = probability_met(self.distributions[(target.metric, target.year)], target)
            self.targets[name] = TargetEstimate(name, target, p, 0.0, (p, p), 0, 0)

    @property
    def replications(self) -> int:
        return 0

    def metric(self, name: str, year: int) -> np.ndarray:
        raise ValueError("the exact engine has no replicates; use .distributions")

    def modelled_metrics(self) -> list[str]:
        return [name for name in METRIC_NAMES if (name, self.years[0]) in self.distributions]

    def trajectories(self) -> pd.DataFrame | None:  # type: ignore[override]
        return None

    def to_xarray(self) -> Any:
        raise ValueError("the exact engine has no replicates; use .quantiles() or .distributions")

    def programme_impact(self) -> pd.DataFrame | None:
        return None

    @cached_property
    def _quantile_table(self) -> pd.DataFrame:
        rows = [
            [name, year, *distribution_row(self.distributions.get((name, year)))]
            for name in METRIC_NAMES
            for year in self.years
        ]
        return pd.DataFrame(rows, columns=["metric", "year", "mean", *QUANTILE_LEVELS])
