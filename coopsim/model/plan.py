"""A scenario compiled for the engines: arrays and plain numbers, no validation left to do.

Time is in years since 1 January of the first simulated year; calendar year k (0-based) is
[k, k + 1) and is reported by the classification snapshot at its end. Levers make hazards
piecewise constant: the horizon is cut into periods at every lever start, end and ramp step,
and each period carries the class hazards and founding multipliers in force during it.
Dormancy and clean-up waves, when a scenario has them, are compiled by model.dormancy.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from coopsim.classes import class_index
from coopsim.errors import InputError
from coopsim.inputs.policies import HazardEffects, LeverEffects
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario
from coopsim.model.dormancy import (
    DormancyPlan,
    WavePlan,
    compile_dormancy,
    compile_waves,
    dormancy_with,
    waves_with,
)
from coopsim.model.hazards import Hazards
from coopsim.model.initial_state import InitialState, build_initial_state

if TYPE_CHECKING:
    from coopsim.model.origin import ReportOrigin
    from coopsim.model.parameter_sets import ParameterSets

#: A lever's ramp-up is applied in steps of this many years (a quarter), each at the strength
#: the linear ramp has at the step's midpoint.
RAMP_STEP_YEARS = 0.25


@dataclass(frozen=True)
class Period:
    """An interval [start, end) of constant hazards and founding intensity."""

    start: float
    end: float
    hazards: Hazards
    founding_multiplier: float = 1.0
    conversion_multiplier: float = 1.0


@dataclass(frozen=True)
class LeverWindow:
    """A lever in simulation time: full strength from start + ramp until end."""

    start: float
    end: float
    ramp: float
    classes: np.ndarray  # (4,) bool
    effects: LeverEffects

    def strength(self, t: float) -> float:
        """0 before the start and after the end, rising linearly to 1 over the ramp."""
        if t < self.start or t >= self.end:
            return 0.0
        return 1.0 if self.ramp == 0 else min(1.0, (t - self.start) / self.ramp)

    def breakpoints(self) -> list[float]:
        steps = math.ceil(self.ramp / RAMP_STEP_YEARS - 1e-9) if self.ramp > 0 else 0
        ramp_points = [self.start + min(self.ramp, (k + 1) * RAMP_STEP_YEARS) for k in range(steps)]
        return [self.start, *ramp_points, self.end]


@dataclass(frozen=True)
class CleanupEvent:
    """At `time`, each cooperative in latent state s is removed with probability removal[s]."""

    name: str
    time: float
    removal: np.ndarray  # (plan.n_states,): the four classes, then dormant with dormancy


@dataclass(frozen=True)
class ProgrammePlan:
    """A support programme in simulation time."""

    name: str
    start: float
    end: float
    capacity_per_year: int
    cost: float
    budget: float
    targeting: str
    eligible: np.ndarray  # (4,) bool
    support_years: float
    effects: HazardEffects

    def round_times(self, horizon: float) -> list[float]:
        """When it picks cooperatives: its start (or time zero) and each anniversary after."""
        first = self.start
        if first < 0:
            first += math.ceil(-first)
        times = []
        t = first
        while t < min(self.end, horizon):
            times.append(t)
            t += 1.0
        return times


@dataclass(frozen=True)
class GroupsPlan:
    """The pool of cooperative groups, each converting into a cooperative at its own hazard."""

    initial_pool: int
    conversion_per_year: float
    new_groups_per_year: float


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
    cleanups: tuple[CleanupEvent, ...] = ()
    programmes: tuple[ProgrammePlan, ...] = ()
    groups: GroupsPlan | None = None
    #: Posterior parameter sets, one per replicate in turn (None: the scenario's values).
    parameter_sets: ParameterSets | None = None
    #: Stopping and resuming operation (None: no dormant state, the model without it).
    dormancy: DormancyPlan | None = None
    #: Clean-up waves at random years (None: none).
    waves: WavePlan | None = None
    #: A start at a dated report within the first year (None: at 1 January; model.origin).
    origin: ReportOrigin | None = None

    @property
    def years(self) -> list[int]:
        return [self.first_year + k for k in range(self.n_years)]

    @property
    def n_states(self) -> int:
        """Latent states a cooperative alive can be in: the four classes, and dormant with
        dormancy (dissolved comes after them in the engines' generators)."""
        return 4 if self.dormancy is None else 5

    def without_programmes(self) -> SimulationPlan:
        """The same plan with no support programme: the counterfactual of a programme."""
        return replace(self, programmes=())

    def for_replicate(self, replicate: int) -> SimulationPlan:
        """The plan replicate `replicate` runs: with its posterior parameter set, if any."""
        if self.parameter_sets is None:
            return self
        value = self.parameter_sets.set_values(replicate)
        upgrade, downgrade, dissolution = (
            value.get(f"{rate}_scale", 1.0) for rate in ("upgrade", "downgrade", "dissolution")
        )
        periods = tuple(
            replace(
                p,
                hazards=Hazards(
                    upgrade=p.hazards.upgrade * upgrade,
                    downgrade=p.hazards.downgrade * downgrade,
                    dissolution=p.hazards.dissolution * dissolution,
                ),
            )
            for p in self.periods
        )
        return replace(
            self,
            periods=periods,
            founding_mean_per_year=self.founding_mean_per_year * value.get("founding_scale", 1.0),
            founding_dispersion=value.get("founding_dispersion", self.founding_dispersion),
            parameter_sets=None,
            dormancy=None if self.dormancy is None else dormancy_with(self.dormancy, value),
            waves=None if self.waves is None else waves_with(self.waves, value),
        )

    def with_parameter_sets(self, sets: ParameterSets) -> SimulationPlan:
        """The plan run with posterior parameter sets; refused (naming the posterior) when
        they hold dormancy or wave parameters the scenario has no table for."""
        for prefix, present, missing in (
            ("dormancy_", self.dormancy is not None, "no [dormancy]"),
            ("wave_", self.waves is not None, "no [cleanup_waves] that can remove anyone"),
        ):
            names = [name for name in sets.values if name.startswith(prefix)]
            if names and not present:
                raise InputError(
                    sets.source or "posterior",
                    f"sets {', '.join(names)}, but the scenario has {missing}: forecast the "
                    "scenario the posterior was fitted to",
                    names[0],
                )
        return replace(self, parameter_sets=sets)

    def with_origin(self, origin: ReportOrigin) -> SimulationPlan:
        """The plan started at a dated report (model.origin). Clean-ups dated before it are
        in the report already and dropped, as is a programme that ended before it; one whose
        first selection round falls before it makes that round at the report's date, its later
        rounds a year apart (who a round chose is not published, so it cannot be carried
        over)."""
        if origin.n_states != self.n_states:
            raise ValueError(
                f"the origin's draws have {origin.n_states} latent states, the plan {self.n_states}"
            )
        programmes = tuple(
            replace(p, start=origin.time) if p.start < origin.time < p.end else p
            for p in self.programmes
            if p.end > origin.time
        )
        cleanups = tuple(c for c in self.cleanups if c.time >= origin.time)
        return replace(self, origin=origin, programmes=programmes, cleanups=cleanups)


def class_mask(names: list[str]) -> np.ndarray:
    mask = np.zeros(4, dtype=bool)
    for name in names:
        mask[class_index(name)] = True
    return mask


def scaled_hazards(
    hazards: Hazards, effects: HazardEffects, classes: np.ndarray, strength: float
) -> Hazards:
    """Hazards with `effects` applied to `classes` at a fraction `strength` of full effect."""

    def scale(rates: np.ndarray, multiplier: float) -> np.ndarray:
        factor = 1.0 + (multiplier - 1.0) * strength
        return np.where(classes, rates * factor, rates)

    return Hazards(
        upgrade=scale(hazards.upgrade, effects.upgrade),
        downgrade=scale(hazards.downgrade, effects.downgrade),
        dissolution=scale(hazards.dissolution, effects.dissolution),
    )


def _lever_windows(scenario: Scenario, horizon: float) -> list[LeverWindow]:
    def end_time(end) -> float:
        return math.inf if end is None else scenario.years_since_start(end)

    windows = [
        LeverWindow(
            start=scenario.years_since_start(lever.start),
            end=end_time(lever.end),
            ramp=lever.ramp_up_years,
            classes=class_mask(lever.classes),
            effects=lever.effects,
        )
        for lever in scenario.levers.values()
    ]
    law = scenario.law_2023
    if law is not None and law.founding_multiplier != 1.0:
        windows.append(
            LeverWindow(
                start=scenario.years_since_start(law.in_force),
                end=math.inf,
                ramp=0.0,
                classes=np.ones(4, dtype=bool),
                effects=LeverEffects(founding=law.founding_multiplier),
            )
        )
    return windows


def _periods(base: Hazards, windows: list[LeverWindow], horizon: float) -> list[Period]:
    cuts = {0.0, horizon}
    for window in windows:
        cuts.update(t for t in window.breakpoints() if 0 < t < horizon)
    edges = sorted(cuts)
    periods = []
    for start, end in itertools.pairwise(edges):
        middle = (start + end) / 2
        hazards, founding, conversion = base, 1.0, 1.0
        for window in windows:
            strength = window.strength(middle)
            if strength == 0:
                continue
            hazards = scaled_hazards(hazards, window.effects, window.classes, strength)
            founding *= 1 + (window.effects.founding - 1) * strength
            conversion *= 1 + (window.effects.group_conversion - 1) * strength
        periods.append(Period(start, end, hazards, founding, conversion))
    return periods


def _cleanups(scenario: Scenario, n_states: int) -> list[CleanupEvent]:
    events = [
        CleanupEvent(
            name,
            scenario.years_since_start(cleanup.date),
            np.array(cleanup.removal_probability.as_state_tuple()[:n_states]),
        )
        for name, cleanup in scenario.cleanups.items()
    ]
    law = scenario.law_2023
    if law is not None and any(law.removal_at_deadline.as_state_tuple()):
        events.append(
            CleanupEvent(
                "law_2023_charter_deadline",
                scenario.years_since_start(law.charter_deadline),
                np.array(law.removal_at_deadline.as_state_tuple()[:n_states]),
            )
        )
    return sorted(events, key=lambda e: (e.time, e.name))


def _programmes(scenario: Scenario) -> list[ProgrammePlan]:
    return [
        ProgrammePlan(
            name=name,
            start=scenario.years_since_start(p.start),
            end=math.inf if p.end is None else scenario.years_since_start(p.end),
            capacity_per_year=p.capacity_per_year,
            cost=p.cost_per_cooperative_million_vnd,
            budget=p.budget_million_vnd,
            targeting=p.targeting,
            eligible=class_mask(p.eligible_classes),
            support_years=p.support_years,
            effects=p.effects,
        )
        for name, p in scenario.programmes.items()
    ]


def _groups(scenario: Scenario, region: Region) -> GroupsPlan | None:
    spec = scenario.founding.from_groups
    if spec is None:
        return None
    pool = spec.initial_pool
    if pool is None:
        snap = region.snapshots[scenario.initial.snapshot_year]
        if snap.cooperative_groups is None:
            raise InputError(
                region.source_name,
                f"no cooperative_groups figure for {scenario.initial.snapshot_year}; "
                "set founding.from_groups.initial_pool",
                "founding.from_groups.initial_pool",
            )
        pool = round(snap.cooperative_groups.value)
    return GroupsPlan(pool, spec.conversion_per_year, spec.new_groups_per_year)


#: The largest hazard (per year) levers may combine to; beyond it the matrix exponentials
#: overflow (each setting alone is bounded by the schema, their product is not).
MAX_COMBINED_HAZARD_PER_YEAR = 1e4


def _checked_periods(periods: list[Period]) -> tuple[Period, ...]:
    """The periods, refused if the levers combine to a hazard no model of a life can use."""
    for period in periods:
        rates = np.concatenate(
            [period.hazards.upgrade, period.hazards.downgrade, period.hazards.dissolution]
        )
        if not np.isfinite(rates).all() or rates.max() > MAX_COMBINED_HAZARD_PER_YEAR:
            raise InputError(
                "scenario",
                f"the levers' effects combine to a hazard of {rates.max():.3g} per year from "
                f"year {period.start:g}; at most {MAX_COMBINED_HAZARD_PER_YEAR:g} is allowed "
                "(lower the effects' multipliers)",
                "levers",
            )
    return tuple(periods)


def compile_plan(scenario: Scenario, region: Region) -> SimulationPlan:
    """Turn a validated scenario and its region's data into a simulation plan."""
    n_years = scenario.horizon_year - scenario.first_year + 1
    horizon = float(n_years)
    base = Hazards.from_quality(scenario.quality)
    dormancy = compile_dormancy(scenario)
    n_states = 4 if dormancy is None else 5
    return SimulationPlan(
        first_year=scenario.first_year,
        n_years=n_years,
        initial=build_initial_state(scenario, region),
        periods=_checked_periods(list(_periods(base, _lever_windows(scenario, horizon), horizon))),
        founding_mean_per_year=scenario.founding.mean_per_year,
        founding_dispersion=scenario.founding.dispersion,
        entry_distribution=np.array(scenario.founding.entry_class.as_tuple()),
        new_members_mean=scenario.members.new_cooperative_mean,
        new_members_minimum=scenario.members.new_cooperative_minimum,
        members_dispersion=scenario.members.dispersion,
        well_operating=class_mask(scenario.reporting.well_operating_classes),
        share_of_classified_only=scenario.reporting.share_denominator == "classified",
        cleanups=tuple(_cleanups(scenario, n_states)),
        programmes=tuple(_programmes(scenario)),
        groups=_groups(scenario, region),
        dormancy=dormancy,
        waves=compile_waves(scenario, n_states),
    )
