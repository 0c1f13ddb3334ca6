"""Members in the fast engine, carried per cohort as a total instead of per cooperative.

A cooperative's members do not change its fate, so given a cohort's total beyond the legal
minimum, the split among its cooperatives is Dirichlet-multinomial with the scenario's
dispersion: the starting stock's by construction (a gamma-weighted multinomial split of the
published total), a founding year's because each new cooperative's count is gamma-Poisson.
The members of the d of m cooperatives that leave are then beta-binomial: a Beta(k d,
k (m - d)) share of the total. Each cohort is drawn once, so the rule stays exact.
"""

from __future__ import annotations

import numpy as np

from coopsim.model.plan import SimulationPlan


class CohortMembers:
    """Members beyond the legal minimum per (replicate, cohort): cohort 0 is the starting
    stock, cohort 1 + y the cooperatives founded in year y (drawn at that year's end)."""

    def __init__(self, plan: SimulationPlan, rng: np.random.Generator, replicates: int) -> None:
        self.rng = rng
        self.dispersion = plan.members_dispersion
        self.extra_mean = max(plan.new_members_mean - plan.new_members_minimum, 0.0)
        self.minimum = np.full(1 + plan.n_years, plan.new_members_minimum, dtype=np.int64)
        self.minimum[0] = 0
        self.extra = np.zeros((replicates, 1 + plan.n_years), dtype=np.int64)
        self.extra[:, 0] = plan.initial.members

    def found_cohort(self, year: int, alive: np.ndarray) -> None:
        """Members of the cooperatives founded in `year` and alive at its end: the sum of
        `alive` gamma-Poisson counts is gamma-Poisson with `alive` times the shape."""
        if self.extra_mean <= 0:
            return
        k = self.dispersion
        self.extra[:, 1 + year] = self.rng.poisson(self.rng.gamma(k * alive, self.extra_mean / k))

    def remove(self, leaving: np.ndarray, alive_before: np.ndarray, year: int) -> None:
        """Drop the members of cooperatives leaving each cohort ((replicates, cohorts) counts
        out of alive_before); the current year's cohort has no members drawn yet."""
        drawn = 1 + year
        d, m = leaving[:, :drawn], alive_before[:, :drawn]
        k = self.dispersion
        some, not_all = d > 0, d < m
        share = self.rng.beta(np.where(some, k * d, 1.0), np.where(not_all, k * (m - d), 1.0))
        share = np.where(some, np.where(not_all, share, 1.0), 0.0)
        self.extra[:, :drawn] -= self.rng.binomial(self.extra[:, :drawn], share)

    def total(self, alive: np.ndarray) -> np.ndarray:
        """Members of every alive cooperative, from alive counts per (replicate, cohort)."""
        return self.extra.sum(axis=1) + alive @ self.minimum
