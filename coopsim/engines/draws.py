"""Random quantities drawn once per replicate, the same way whichever engine runs it."""

from __future__ import annotations

import numpy as np

from coopsim.plan import SimulationPlan


def yearly_founding_rates(plan: SimulationPlan, rng: np.random.Generator) -> np.ndarray:
    """Founding intensity of each calendar year: gamma-mixed so yearly counts are negative
    binomial (mean m, variance m + m^2/k), or the plain mean when there is no dispersion."""
    mean = plan.founding_mean_per_year
    k = plan.founding_dispersion
    if k is None or mean == 0:
        return np.full(plan.n_years, mean)
    return rng.gamma(shape=k, scale=mean / k, size=plan.n_years)


def initial_members(plan: SimulationPlan, rng: np.random.Generator) -> np.ndarray:
    """Members of each cooperative of the starting stock (in stock order), summing exactly to
    the published total: a Dirichlet-multinomial split with the scenario's dispersion."""
    n = plan.initial.total
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    weights = rng.gamma(shape=plan.members_dispersion, size=n)
    return rng.multinomial(plan.initial.members, weights / weights.sum())


def new_cooperative_members(plan: SimulationPlan, rng: np.random.Generator) -> int:
    """Members of one new cooperative: the legal minimum plus a gamma-Poisson count."""
    extra_mean = plan.new_members_mean - plan.new_members_minimum
    if extra_mean <= 0:
        return plan.new_members_minimum
    k = plan.members_dispersion
    return plan.new_members_minimum + int(rng.poisson(rng.gamma(k, extra_mean / k)))
