"""Exact distributions of the reported metrics, their quantiles, and target probabilities.

The one place a target's probability is read off the exact engine: every caller (forecast
results, goal seeking, sensitivity, time to target) uses `probability_met` or
`target_probability`, so their answers cannot drift apart.
"""

from __future__ import annotations

import numpy as np

from coopsim.engines.exact.model import (
    CLASSIFIED,
    IN_POOL,
    ExactModel,
)
from coopsim.engines.exact.shares import ShareDistribution
from coopsim.inputs.scenario import Target, is_met
from coopsim.model.plan import SimulationPlan

#: (values, probabilities), or a share's joint grid (which unpacks as that too).
Distribution = tuple[np.ndarray, np.ndarray] | ShareDistribution

#: Metrics that are zero when the scenario has no programme (the exact engine's case).
ALWAYS_ZERO = ("supported", "budget_spent_million_vnd")


def _count_states(model: ExactModel, name: str) -> list[int] | None:
    """The outcome states a count metric adds up by transform (None: not such a count, or
    founded in closed form)."""
    if not computes_metric(model.plan, name):
        return None
    if name == "founded":
        return model.states[name] if model.plan.groups is not None else None
    if name == "cooperative_groups":
        return [IN_POOL]
    return model.states.get(name)


def metric_distributions(
    model: ExactModel, names: list[str], k: int
) -> dict[str, Distribution | None]:
    """metric_distribution of each metric in year k, the counts by transform done together
    (ExactModel.count_pmfs: the same numbers, fewer array operations) after the rest (so a
    share's grid, on a second thread, is begun first)."""
    counted = {name: _count_states(model, name) for name in names}
    batch = [name for name, states in counted.items() if states is not None]
    found: dict[str, Distribution | None] = {
        name: metric_distribution(model, name, k) for name in names if name not in batch
    }
    found.update(zip(batch, model.count_pmfs(k, [counted[name] for name in batch]), strict=True))
    return {name: found[name] for name in names}


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
        return model.share_distribution(k, counted, [s for s in denominator if s not in counted])
    return None  # not a metric the engine reports


def quantile(distribution: Distribution, level: float) -> float:
    """Smallest value whose cumulative probability reaches `level`."""
    return float(quantiles(distribution, np.array([level]))[0])


def quantiles(distribution: Distribution, levels: np.ndarray) -> np.ndarray:
    """For each level, the smallest value whose cumulative probability reaches it (less
    1e-12: rounding in the cumulative sum must not skip a value)."""
    if isinstance(distribution, ShareDistribution):
        return distribution.quantiles(levels)
    values, probs = distribution
    index = np.searchsorted(np.cumsum(probs), np.asarray(levels, dtype=float) - 1e-12)
    return values[np.minimum(index, len(values) - 1)].astype(float)


def mean(distribution: Distribution) -> float:
    """The distribution's mean."""
    if isinstance(distribution, ShareDistribution):
        return distribution.mean()
    values, probs = distribution
    return float(values @ probs)


def computes_metric(plan: SimulationPlan, metric: str) -> bool:
    """Whether the exact engine gives `metric`'s distribution for this plan (members never;
    cooperative groups only when founding draws on the pool)."""
    if metric == "members":
        return False
    return metric != "cooperative_groups" or plan.groups is not None


def probability_met(distribution: Distribution, target: Target) -> float:
    """P(target met) under one metric's exact distribution."""
    if isinstance(distribution, ShareDistribution):
        if target.comparison == "between":
            assert target.range is not None
            p = distribution.probability("between", *target.range)
        else:
            assert target.threshold is not None
            p = distribution.probability(target.comparison, target.threshold)
        return float(np.clip(p, 0.0, 1.0))
    values, probs = distribution
    return float(np.clip(probs[is_met(target, values)].sum(), 0.0, 1.0))


def target_probability(model: ExactModel, target: Target) -> float:
    """P(target met) in the target's year, from the metric's exact distribution."""
    found = metric_distribution(model, target.metric, model.plan.years.index(target.year))
    if found is None:
        raise ValueError(f"the exact engine does not compute {target.metric}")
    return probability_met(found, target)
