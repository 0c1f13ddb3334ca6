"""What support programmes bought: the scenario against the same seed without them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coopsim.metrics import METRIC_INDEX
from coopsim.results.targets import Z95

if TYPE_CHECKING:
    from coopsim.runs.replicates import ReplicateData


def well_operating_counts(values: np.ndarray, classes: list[str]) -> np.ndarray:
    """Cooperatives operating well (replicates x years) from per-class counts."""
    return sum(values[..., METRIC_INDEX[c]] for c in classes)


def programme_impact(
    values: np.ndarray, counterfactual: np.ndarray, years: list[int], well_classes: list[str]
) -> pd.DataFrame:
    """Per year: cooperatives supported, budget spent (in the year and to date), additional
    well-operating cooperatives (paired difference replicate by replicate, common random
    numbers) with its standard error and 95% interval, and the cost per additional one."""
    return impact_from_columns(
        lambda name: values[..., METRIC_INDEX[name]],
        lambda name: counterfactual[..., METRIC_INDEX[name]],
        years,
        well_classes,
    )


def programme_impact_of(
    data: ReplicateData, counterfactual: ReplicateData, years: list[int], well_classes: list[str]
) -> pd.DataFrame:
    """programme_impact of two runs held anywhere, reading only the metrics it needs."""
    return impact_from_columns(
        lambda name: data.column(METRIC_INDEX[name]),
        lambda name: counterfactual.column(METRIC_INDEX[name]),
        years,
        well_classes,
    )


def impact_from_columns(
    column: Callable[[str], np.ndarray],
    paired: Callable[[str], np.ndarray],
    years: list[int],
    well_classes: list[str],
) -> pd.DataFrame:
    """programme_impact from each run's metrics (replicates x years), read by name."""
    additional = sum(column(c) - paired(c) for c in well_classes)
    n = additional.shape[0]
    spent = column("budget_spent_million_vnd")
    to_date = spent.cumsum(axis=1).mean(axis=0)
    mean = additional.mean(axis=0)
    stderr = additional.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(len(years), np.nan)
    frame = pd.DataFrame(
        {
            "year": years,
            "supported": column("supported").mean(axis=0),
            "budget_spent_million_vnd": spent.mean(axis=0),
            "budget_spent_to_date_million_vnd": to_date,
            "additional_well_operating": mean,
            "additional_well_operating_stderr": stderr,
            "additional_well_operating_ci95_low": mean - Z95 * stderr,
            "additional_well_operating_ci95_high": mean + Z95 * stderr,
        }
    )
    frame["cost_per_additional_well_operating_million_vnd"] = np.where(
        mean > 0, to_date / np.where(mean > 0, mean, 1), np.nan
    )
    return frame
