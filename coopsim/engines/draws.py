"""Random quantities drawn once per replicate, the same way whichever engine runs it."""

from __future__ import annotations

import numpy as np

from coopsim.model.plan import SimulationPlan


def yearly_founding_factors(plan: SimulationPlan, rng: np.random.Generator) -> np.ndarray:
    """Each calendar year's factor on the founding intensity: gamma with mean 1 and shape k, so
    yearly counts are negative binomial (mean m, variance m + m^2/k); 1 with no dispersion."""
    k = plan.founding_dispersion
    if k is None:
        return np.ones(plan.n_years)
    return rng.gamma(shape=k, scale=1 / k, size=plan.n_years)


def new_cooperative_members(plan: SimulationPlan, rng: np.random.Generator) -> int:
    """Members of one new cooperative: the legal minimum plus a gamma-Poisson count."""
    extra_mean = plan.new_members_mean - plan.new_members_minimum
    if extra_mean <= 0:
        return plan.new_members_minimum
    k = plan.members_dispersion
    return plan.new_members_minimum + int(rng.poisson(rng.gamma(k, extra_mean / k)))
