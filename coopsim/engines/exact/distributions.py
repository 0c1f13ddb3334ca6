"""Exact distributions of the reported metrics, their quantiles, and target probabilities.

The one place a target's probability is read off the exact engine: every caller (forecast
results, goal seeking, sensitivity, time to target) uses `probability_met` or
`target_probability`, so their answers cannot drift apart.
"""

from __future__ import annotations

import numpy as np

from coopsim.engines.exact.model import (
    CLASSIFIED,
    DISSOLVED,
    FOUNDED,
    IN_POOL,
    REMOVED_ALL,
    UNCLASSIFIED,
    ExactModel,
)
from coopsim.inputs.scenario import Target, is_met
from coopsim.model.plan import SimulationPlan

Distribution = tuple[np.ndarray, np.ndarray]  # (values, probabilities)

#: The outcome states each count metric adds up without dormancy (ExactModel.states has the
#: plan's own, dormant included where a plan has dormancy).
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
    if not computes_metric(plan, name):
        return None
    if name == "founded":
        return model.founded_pmf(k)
    if name == "cooperative_groups":
        return model.count_pmf(k, [IN_POOL])
    if name in model.states:
        return model.count_pmf(k, model.states[name])
    if name in ALWAYS_ZERO or name == "dormant":  # dormant: none without dormancy
        return np.array([0.0]), np.array([1.0])
    if name in ("well_operating_share", "weak_share"):
        counted = (
            [c for c in range(4) if plan.well_operating[c]] if name.startswith("well") else [3]
        )
        denominator = list(CLASSIFIED)
        if not plan.share_of_classified_only:  # every cooperative alive, dormant included
            denominator = list(model.states["cooperatives"])
        return model.ratio_pmf(k, counted, [s for s in denominator if s not in counted])
    return None  # not a metric the engine reports


def quantile(distribution: Distribution, level: float) -> float:
    """Smallest value whose cumulative probability reaches `level`."""
    values, probs = distribution
    index = np.searchsorted(np.cumsum(probs), level - 1e-12)
    return float(values[min(index, len(values) - 1)])


def computes_metric(plan: SimulationPlan, metric: str) -> bool:
    """Whether the exact engine gives `metric`'s distribution for this plan (members never;
    cooperative groups only when founding draws on the pool)."""
    if metric == "members":
        return False
    return metric != "cooperative_groups" or plan.groups is not None


def probability_met(distribution: Distribution, target: Target) -> float:
    """P(target met) under one metric's exact distribution."""
    values, probs = distribution
    return float(np.clip(probs[is_met(target, values)].sum(), 0.0, 1.0))


def target_probability(model: ExactModel, target: Target) -> float:
    """P(target met) in the target's year, from the metric's exact distribution."""
    found = metric_distribution(model, target.metric, model.plan.years.index(target.year))
    if found is None:
        raise ValueError(f"the exact engine does not compute {target.metric}")
    return probability_met(found, target)
