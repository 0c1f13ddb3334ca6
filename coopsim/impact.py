"""What support programmes bought: the scenario against the same seed without them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopsim.metrics import METRIC_INDEX
from coopsim.targets import Z95


def well_operating_counts(values: np.ndarray, classes: list[str]) -> np.ndarray:
    """Cooperatives operating well (replicates x years) from per-class counts."""
    return sum(values[..., METRIC_INDEX[c]] for c in classes)


def programme_impact(
    values: np.ndarray, counterfactual: np.ndarray, years: list[int], well_classes: list[str]
) -> pd.DataFrame:
    """Per year: cooperatives supported, budget spent (in the year and to date), additional
    well-operating cooperatives (paired difference replicate by replicate, common random
    numbers) with its standard error and 95% interval, and the cost per additional one."""
    additional = well_operating_counts(values, well_classes) - well_operating_counts(
        counterfactual, well_classes
    )
    n = values.shape[0]
    spent = values[..., METRIC_INDEX["budget_spent_million_vnd"]]
    to_date = spent.cumsum(axis=1).mean(axis=0)
    mean = additional.mean(axis=0)
    stderr = additional.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(len(years), np.nan)
    frame = pd.DataFrame(
        {
            "year": years,
            "supported": values[..., METRIC_INDEX["supported"]].mean(axis=0),
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
