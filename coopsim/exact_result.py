"""Forecast results from the exact engine: distributions instead of replicates."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from coopsim.engines.exact import (
    CLASSIFIED,
    DISSOLVED,
    FOUNDED,
    IN_POOL,
    REMOVED_ALL,
    UNCLASSIFIED,
    ExactModel,
)
from coopsim.metrics import METRIC_NAMES
from coopsim.results import QUANTILE_LEVELS, ForecastResult
from coopsim.targets import TargetEstimate, is_met

Distribution = tuple[np.ndarray, np.ndarray]  # (values, probabilities)

COUNT_STATES: dict[str, list[int]] = {
    "cooperatives": [*CLASSIFIED, *UNCLASSIFIED],
    "founded": list(FOUNDED),
    "dissolved": list(DISSOLVED),
    "removed": list(REMOVED_ALL),
    "good": [0],
    "fair": [1],
    "average": [2],
    "weak": [3],
    "unclassified": list(UNCLASSIFIED),
}
#: Metrics that are zero when the scenario has no programme (the exact engine's case).
ALWAYS_ZERO = ("supported", "budget_spent_million_vnd")


def metric_distribution(model: ExactModel, name: str, k: int) -> Distribution | None:
    """Exact distribution of a metric at the end of year k (None if the engine cannot say)."""
    plan = model.plan
    if name == "founded":
        return model.founded_pmf(k)
    if name == "cooperative_groups":
        return model.count_pmf(k, [IN_POOL]) if plan.groups is not None else None
    if name in COUNT_STATES:
        return model.count_pmf(k, COUNT_STATES[name])
    if name in ALWAYS_ZERO:
        return np.array([0.0]), np.array([1.0])
    if name in ("well_operating_share", "weak_share"):
        counted = (
            [c for c in range(4) if plan.well_operating[c]] if name.startswith("well") else [3]
        )
        denominator = list(CLASSIFIED)
        if not plan.share_of_classified_only:
            denominator += list(UNCLASSIFIED)
        return model.ratio_pmf(k, counted, [s for s in denominator if s not in counted])
    return None  # members


def quantile(distribution: Distribution, level: float) -> float:
    """Smallest value whose cumulative probability reaches `level`."""
    values, probs = distribution
    index = np.searchsorted(np.cumsum(probs), level - 1e-12)
    return float(values[min(index, len(values) - 1)])


@dataclass
class ExactForecastResult(ForecastResult):
    """A forecast whose metrics are exact distributions; probabilities have no Monte Carlo
    error (stderr 0). There are no replicates, so no trajectories."""

    model: ExactModel | None = None
    distributions: dict[tuple[str, int], Distribution] = field(init=False)

    def __post_init__(self) -> None:
        assert self.model is not None
        self.distributions = {}
        for name in METRIC_NAMES:
            for k, year in enumerate(self.years):
                found = metric_distribution(self.model, name, k)
                if found is not None:
                    self.distributions[(name, year)] = found
        self.targets = {}
        for name, target in self.scenario.targets.items():
            values, probs = self.distributions[(target.metric, target.year)]
            p = float(np.clip(probs[is_met(target, values)].sum(), 0.0, 1.0))
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

    def programme_impact(self) -> pd.DataFrame | None:
        return None

    @cached_property
    def _quantile_table(self) -> pd.DataFrame:
        rows: list[dict[str, Any]] = []
        for name in METRIC_NAMES:
            for year in self.years:
                found = self.distributions.get((name, year))
                row: dict[str, Any] = {"metric": name, "year": year}
                if found is None:
                    row["mean"] = np.nan
                    row.update({key: np.nan for key in QUANTILE_LEVELS})
                else:
                    row["mean"] = float(found[0] @ found[1])
                    row.update({key: quantile(found, q) for key, q in QUANTILE_LEVELS.items()})
                rows.append(row)
        return pd.DataFrame(rows)
