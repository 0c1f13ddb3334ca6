"""Random quantities drawn once per replicate, the same way whichever engine runs it."""

from __future__ import annotations

import numpy as np

from coopsim.model.plan import SimulationPlan
from coopsim.rng import stream


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


def wave_years(plan: SimulationPlan, seed: int, replicate: int) -> np.ndarray:
    """Which calendar years of a replicate have a clean-up wave ((n_years,) bool): one uniform
    per year from the replicate's own "waves" stream, below the yearly probability. Every
    engine draws them this way, so two scenarios run with the same seed have their waves in
    the same years (and a higher probability only adds years)."""
    assert plan.waves is not None
    u = stream(seed, replicate, "waves").random(plan.n_years)
    return u < plan.waves.probability
