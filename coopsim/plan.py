"""A scenario compiled for the engines: arrays and plain numbers, no validation left to do.

Time is in years since 1 January of the first simulated year; calendar year k (0-based) is
[k, k + 1) and is reported by the classification snapshot at its end. Hazards are piecewise
constant over periods; a period boundary is where a policy would change them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coopsim.classes import class_index
from coopsim.initial_state import InitialState, build_initial_state
from coopsim.model import Hazards
from coopsim.observed import Region
from coopsim.scenario import Scenario


@dataclass(frozen=True)
class Period:
    """An interval [start, end) of constant hazards and founding intensity."""

    start: float
    end: float
    hazards: Hazards
    founding_multiplier: float = 1.0


@dataclass(frozen=True)
class SimulationPlan:
    """Everything an engine needs to simulate one replicate of a scenario."""

    first_year: int
    n_years: int
    initial: InitialState
    periods: tuple[Period, ...]
    founding_mean_per_year: float
    founding_dispersion: float | None
    entry_distribution: np.ndarray
    new_members_mean: float
    new_members_minimum: int
    members_dispersion: float
    well_operating: np.ndarray  # (4,) bool: classes counted as operating well
    share_of_classified_only: bool

    @property
    def years(self) -> list[int]:
        return [self.first_year + k for k in range(self.n_years)]


def compile_plan(scenario: Scenario, region: Region) -> SimulationPlan:
    """Turn a validated scenario and its region's data into a simulation plan."""
    n_years = scenario.horizon_year - scenario.first_year + 1
    hazards = Hazards.from_quality(scenario.quality)
    well = np.zeros(4, dtype=bool)
    for name in scenario.reporting.well_operating_classes:
        well[class_index(name)] = True
    return SimulationPlan(
        first_year=scenario.first_year,
        n_years=n_years,
        initial=build_initial_state(scenario, region),
        periods=(Period(0.0, float(n_years), hazards),),
        founding_mean_per_year=scenario.founding.mean_per_year,
        founding_dispersion=scenario.founding.dispersion,
        entry_distribution=np.array(scenario.founding.entry_class.as_tuple()),
        new_members_mean=scenario.members.new_cooperative_mean,
        new_members_minimum=scenario.members.new_cooperative_minimum,
        members_dispersion=scenario.members.dispersion,
        well_operating=well,
        share_of_classified_only=scenario.reporting.share_denominator == "classified",
    )
