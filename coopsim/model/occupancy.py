"""Expected class occupancy in closed form, from the matrix exponential of the generator.

Used to fill partly published snapshots and to match baseline rates to a year's published
figures; the engines are tested against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from coopsim.classes import DISSOLVED
from coopsim.model.hazards import N_CLASSES, Hazards


def transition_probabilities(hazards: Hazards, years: float) -> np.ndarray:
    """P[i, j]: probability of being in state j after `years`, starting in state i."""
    return expm(hazards.generator() * years)


def integral_of_expm(generator: np.ndarray, length: float) -> np.ndarray:
    """Integral of expm(generator * s) for s in [0, length], from one augmented exponential
    (Van Loan): the expected time-weighted transitions of entrants founded uniformly. Works
    on a stack of generators (..., n, n) too."""
    n = generator.shape[-1]
    block = np.zeros((*generator.shape[:-2], 2 * n, 2 * n))
    block[..., :n, :n] = generator * length
    block[..., :n, n:] = np.eye(n) * length
    return expm(block)[..., :n, n:]


def integrated_transitions(hazards: Hazards, years: float) -> np.ndarray:
    """Integral of the transition matrix over [0, years]."""
    return integral_of_expm(hazards.generator(), years)


@dataclass(frozen=True)
class YearExpectation:
    """Expected outcome of one calendar year started from a given stock."""

    stock_end: np.ndarray  # (4,) latent classes of the starting stock, alive at year end
    entrants_end: np.ndarray  # (4,) latent classes of cooperatives founded in the year, alive
    dissolved: float  # from stock and entrants together
    founded: float

    @property
    def alive(self) -> float:
        return float(self.stock_end.sum() + self.entrants_end.sum())


def expected_year(
    hazards: Hazards,
    stock: np.ndarray,
    founded_per_year: float,
    entry_distribution: np.ndarray,
) -> YearExpectation:
    """Expected state after one year from `stock` (counts by latent class), with founding spread
    uniformly over the year (a Poisson process of the given mean)."""
    start = np.zeros(N_CLASSES + 1)
    start[:N_CLASSES] = stock
    stock_end = start @ transition_probabilities(hazards, 1.0)
    entry = np.zeros(N_CLASSES + 1)
    entry[:N_CLASSES] = entry_distribution
    entrants_end = founded_per_year * entry @ integrated_transitions(hazards, 1.0)
    return YearExpectation(
        stock_end=stock_end[:N_CLASSES],
        entrants_end=entrants_end[:N_CLASSES],
        dissolved=float(stock_end[DISSOLVED] + entrants_end[DISSOLVED]),
        founded=founded_per_year,
    )


@dataclass(frozen=True)
class ExpectedPath:
    """Expected yearly counts (years x 4 latent classes) and dissolutions, constant hazards."""

    classified: np.ndarray  # alive at year end and founded before that year, by latent class
    unclassified: np.ndarray  # alive at year end and founded during that year, by latent class
    dissolved: np.ndarray  # (years,) dissolved during each year


def expected_path(
    hazards: Hazards,
    stock: np.ndarray,
    founded_per_year: float,
    entry_distribution: np.ndarray,
    n_years: int,
) -> ExpectedPath:
    """Expected class counts at each year end from a stock, with founding every year."""
    n = N_CLASSES + 1
    start = np.zeros(n)
    start[:N_CLASSES] = stock
    entry = np.zeros(n)
    entry[:N_CLASSES] = entry_distribution
    one_year = transition_probabilities(hazards, 1.0)
    cohort_in_first_year = founded_per_year * entry @ integrated_transitions(hazards, 1.0)
    stock_state = start @ one_year
    cohorts: list[np.ndarray] = []  # each earlier year's entrants, as of the current year end
    classified, unclassified, cumulative_dissolved = [], [], []
    for _ in range(n_years):
        cohorts = [c @ one_year for c in cohorts]
        older = stock_state + sum(cohorts, np.zeros(n))
        classified.append(older[:N_CLASSES])
        unclassified.append(cohort_in_first_year[:N_CLASSES])
        cumulative_dissolved.append(older[DISSOLVED] + cohort_in_first_year[DISSOLVED])
        cohorts.append(cohort_in_first_year)
        stock_state = stock_state @ one_year
    gone = np.array(cumulative_dissolved)
    return ExpectedPath(
        classified=np.array(classified),
        unclassified=np.array(unclassified),
        dissolved=np.diff(gone, prepend=0.0),
    )
