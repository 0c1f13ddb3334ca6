"""Split a two-level ensemble's spread into parameter and stochastic parts.

Replicates are grouped by the posterior parameter set they ran with. A one-way random-effects
analysis of variance (method of moments, groups of unequal size allowed) estimates the
variance between sets' true means (what the parameters contribute) and within a set (what
chance contributes); they add up to the total, by the law of total variance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VarianceSplit:
    """Parameter and stochastic parts of a quantity's variance across replicates, and the
    standard error of its mean when replicates sharing a set are correlated."""

    parameter: float
    stochastic: float
    mean_stderr: float

    @property
    def parameter_share(self) -> float:
        total = self.parameter + self.stochastic
        return self.parameter / total if total > 0 else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "parameter": self.parameter,
            "stochastic": self.stochastic,
            "parameter_share": self.parameter_share,
        }


def split_variance(values: np.ndarray, groups: np.ndarray) -> VarianceSplit:
    """The variance split of `values` (one per replicate) grouped by `groups` (set index)."""
    keep = ~np.isnan(values)
    values, groups = values[keep], groups[keep]
    n = values.size
    labels, index, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    p = labels.size
    if n == 0 or p < 2 or n <= p:
        return VarianceSplit(math.nan, math.nan, math.nan)
    means = np.bincount(index, weights=values) / sizes
    grand = values.mean()
    within = float(((values - means[index]) ** 2).sum() / (n - p))
    between = float((sizes * (means - grand) ** 2).sum() / (p - 1))
    n0 = (n - (sizes**2).sum() / n) / (p - 1)
    parameter = max((between - within) / n0, 0.0)
    # Cluster-robust standard error of the overall mean: sets are the independent units.
    mean_stderr = math.sqrt(p / (p - 1) * float((sizes**2 * (means - grand) ** 2).sum()) / n**2)
    return VarianceSplit(parameter, within, mean_stderr)
