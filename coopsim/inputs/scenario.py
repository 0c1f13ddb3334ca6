"""Scenario files: the schema of a forecast's settings, loaded from TOML with friendly errors."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from coopsim.classes import QualityClass
from coopsim.inputs.policies import (
    Cleanup,
    CleanupWaves,
    GroupConversion,
    Law2023,
    Lever,
    Programme,
)
from coopsim.inputs.priors import CalibrationSpec
from coopsim.inputs.scenario_files import RawScenario, read_scenario_data
from coopsim.inputs.validation import StrictModel, field_errors, file_digest, validate
from coopsim.metrics import METRIC_NAMES

#: The largest hazard a setting may give (per year): a mean stay of under four days is no
#: cooperative's life, and larger rates only overflow the matrix exponentials.
MAX_HAZARD_PER_YEAR = 100.0
#: The largest count a setting may give (cooperatives founded per year, members per
#: cooperative): far above any province, and within what the engines count exactly.
MAX_COUNT = 1e6
Rate = Annotated[float, Field(ge=0, le=MAX_HAZARD_PER_YEAR, allow_inf_nan=False)]
YearlyCount = Annotated[float, Field(ge=0, le=MAX_COUNT, allow_inf_nan=False)]
#: A gamma shape: below 1e-3 every draw is 0 to machine precision, above 1e6 it is a constant.
Shape = Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
MetricName = Literal[METRIC_NAMES]  # type: ignore[valid-type]

#: The longest forecast a scenario may ask for, in years.
MAX_YEARS = 100


class ClassDistribution(StrictModel):
    """Probabilities over the four quality classes; they must sum to 1."""

    good: Probability
    fair: Probability
    average: Probability
    weak: Probability

    @model_validator(mode="after")
    def _sums_to_one(self) -> ClassDistribution:
        total = self.good + self.fair + self.average + self.weak
        if abs(total - 1) > 1e-6:
            raise ValueError(f"class probabilities must sum to 1 (they sum to {total:g})")
        return self

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.good, self.fair, self.average, self.weak)


class UpgradeRates(StrictModel):
    """Hazard per year of moving up one class, for each class that can move up."""

    fair: Rate
    average: Rate
    weak: Rate


class DowngradeRates(StrictModel):
    """Hazard per year of moving down one class, for each class that can move down."""

    good: Rate
    fair: Rate
    average: Rate


class ClassRates(StrictModel):
    """A hazard per year for each quality class."""

    good: Rate
    fair: Rate
    average: Rate
    weak: Rate


class Quality(StrictModel):
    """Continuous-time movement between classes and out of existence."""

    upgrade_per_year: UpgradeRates
    downgrade_per_year: DowngradeRates
    dissolution_per_year: ClassRates


class StoppingRates(StrictModel):
    """A hazard per year of stopping operating for each quality class (0 where none)."""

    good: Rate = 0.0
    fair: Rate = 0.0
    average: Rate = 0.0
    weak: Rate = 0.0

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.good, self.fair, self.average, self.weak)


class Dormancy(StrictModel):
    """Cooperatives that stop operating and may resume: a latent state "dormant" beside the
    four classes. Circular 01/2020 does not classify a cooperative that stopped operating, so
    a dormant one is alive (in `cooperatives`, metric `dormant`) but in no class."""

    description: str = ""
    entry_per_year: StoppingRates = Field(
        description="hazard per year of stopping operating, by the class a cooperative is in"
    )
    resume_per_year: Rate = Field(description="hazard per year of a dormant one resuming")
    resume_class: ClassDistribution = Field(description="the class a resuming one returns to")
    dissolution_per_year: Rate = Field(description="hazard per year of a dormant one dissolving")


class Founding(StrictModel):
    """New cooperatives: Poisson within a year, with a gamma-distributed yearly rate.

    The yearly intensity `mean_per_year` (gamma-mixed) founds cooperatives directly; with
    `from_groups`, each group in the pool also converts into a cooperative independently, at
    its own hazard (not gamma-mixed).
    """

    mean_per_year: YearlyCount
    dispersion: Shape | None = Field(
        default=None,
        description="gamma shape k of the yearly rate: yearly counts are negative binomial with "
        "variance mean + mean^2/k; omit for a plain Poisson process",
    )
    entry_class: ClassDistribution
    from_groups: GroupConversion | None = None


class Members(StrictModel):
    """Members per cooperative: fixed over a cooperative's life, gamma-Poisson across them."""

    new_cooperative_mean: Annotated[float, Field(gt=0, le=MAX_COUNT, allow_inf_nan=False)]
    new_cooperative_minimum: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0
    dispersion: Shape

    @model_validator(mode="after")
    def _mean_above_minimum(self) -> Members:
        if self.new_cooperative_mean < self.new_cooperative_minimum:
            raise ValueError("new_cooperative_mean must be at least new_cooperative_minimum")
        return self


class Initial(StrictModel):
    """Where the simulation starts: the region's snapshot at the end of this year."""

    snapshot_year: int


class Reporting(StrictModel):
    """How reported shares are defined."""

    well_operating_classes: list[QualityClass] = Field(
        default_factory=lambda: ["good", "fair"], min_length=1
    )
    share_denominator: Literal["all", "classified"] = Field(
        default="all",
        description="'all': shares of every cooperative alive (unclassified and dormant "
        "included), as the published shares are; 'classified': of classified cooperatives "
        "only (neither under 12 months old nor dormant)",
    )


class Target(StrictModel):
    """A yes/no question about one metric in one year, e.g. founded in 2024 within 20-30."""

    metric: MetricName
    year: int
    comparison: Literal["between", ">", ">=", "<", "<="]
    threshold: float | None = None
    range: tuple[float, float] | None = None
    description: str = ""

    @model_validator(mode="after")
    def _bounds_match_comparison(self) -> Target:
        if self.comparison == "between":
            if self.range is None or self.threshold is not None:
                raise ValueError("comparison 'between' takes range = [low, high], not threshold")
            if self.range[0] > self.range[1]:
                raise ValueError("range must be [low, high] with low <= high")
        elif self.threshold is None or self.range is not None:
            raise ValueError(f"comparison '{self.comparison}' takes threshold, not range")
        return self


def is_met(target: Target, values: np.ndarray) -> np.ndarray:
    """Per replicate, whether the metric's value meets the target."""
    if target.comparison == "between":
        assert target.range is not None
        low, high = target.range
        return (values >= low) & (values <= high)
    assert target.threshold is not None
    compare = {
        ">": np.greater,
        ">=": np.greater_equal,
        "<": np.less,
        "<=": np.less_equal,
    }[target.comparison]
    return compare(values, target.threshold)


class Scenario(StrictModel):
    """Everything a forecast needs besides the region's data, the seed and the replicate count."""

    name: str
    description: str = ""
    extends: str | None = Field(default=None, description="parent scenario file, read first")
    replace: list[str] = Field(
        default_factory=list, description="inherited keys to drop before merging this file"
    )
    region: str = "ha_tinh"
    initial: Initial
    horizon_year: int = 2030
    founding: Founding
    quality: Quality
    members: Members
    reporting: Reporting = Field(default_factory=Reporting)
    levers: dict[str, Lever] = {}
    programmes: dict[str, Programme] = {}
    cleanups: dict[str, Cleanup] = {}
    law_2023: Law2023 | None = None
    dormancy: Dormancy | None = Field(
        default=None, description="stopping and resuming operation; absent: no dormant state"
    )
    cleanup_waves: CleanupWaves | None = Field(
        default=None, description="clean-up waves at random years; absent: none"
    )
    targets: dict[str, Target] = {}
    calibration: CalibrationSpec | None = Field(
        default=None, description="priors for `coopsim calibrate`"
    )

    @model_validator(mode="after")
    def _years_in_order(self) -> Scenario:
        """Years and dates must fall within the simulated years; every problem is reported
        at its own field."""
        first = self.initial.snapshot_year + 1
        span = f"within the simulated years {first}-{self.horizon_year}"
        problems: list[tuple[tuple[str, ...], str, object]] = []
        if self.horizon_year < first:
            message = (
                f"must be at least the first simulated year ({first}, the year after "
                "initial.snapshot_year)"
            )
            field_errors("Scenario", [(("horizon_year",), message, self.horizon_year)])
        if self.horizon_year - first >= MAX_YEARS:
            message = f"may be at most {MAX_YEARS} years after the start ({first})"
            field_errors("Scenario", [(("horizon_year",), message, self.horizon_year)])
        for name, target in self.targets.items():
            if not first <= target.year <= self.horizon_year:
                problems.append((("targets", name, "year"), f"must be {span}", target.year))
        for name, cleanup in self.cleanups.items():
            if not first <= cleanup.date.year <= self.horizon_year:
                problems.append((("cleanups", name, "date"), f"must be {span}", cleanup.date))
        field_errors("Scenario", problems)
        return self

    @model_validator(mode="after")
    def _dormant_removal_needs_dormancy(self) -> Scenario:
        """A removal probability for dormant cooperatives means nothing without dormancy."""
        if self.dormancy is not None:
            return self
        removals: list[tuple[tuple[str, ...], float]] = [
            (("cleanups", name, "removal_probability"), c.removal_probability.dormant)
            for name, c in self.cleanups.items()
        ]
        if self.law_2023 is not None:
            removals.append(
                (("law_2023", "removal_at_deadline"), self.law_2023.removal_at_deadline.dormant)
            )
        if self.cleanup_waves is not None:
            removals.append(
                (
                    ("cleanup_waves", "removal_probability"),
                    self.cleanup_waves.removal_probability.dormant,
                )
            )
        message = "needs a [dormancy] table: without one no cooperative is dormant"
        field_errors("Scenario", [((*loc, "dormant"), message, p) for loc, p in removals if p > 0])
        return self

    def years_since_start(self, date: dt.date) -> float:
        """A date as years since time zero (fractions by day of the year)."""
        days_in_year = 366 if calendar.isleap(date.year) else 365
        return date.year - self.first_year + (date.timetuple().tm_yday - 1) / days_in_year

    @property
    def first_year(self) -> int:
        return self.initial.snapshot_year + 1

    @property
    def years(self) -> list[int]:
        """Calendar years simulated, each reported at its end-of-year snapshot."""
        return list(range(self.first_year, self.horizon_year + 1))


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the files it came from (for provenance and relative paths)."""

    scenario: Scenario
    path: Path | None
    sha256: str | None
    files: tuple[Path, ...] = ()  # the file and the chain it extends, child first
    overrides: tuple[str, ...] = ()  # --set dotted.path=value, in order

    def file_digests(self) -> dict[str, str]:
        """SHA-256 of every file in the extends chain."""
        return {str(p.resolve()): file_digest(p) for p in self.files}


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> LoadedScenario:
    """Read and validate a scenario file, following `extends` and applying `--set` overrides
    (`dotted.path=value`); bad input raises InputError naming the file, line and field.

    >>> import coopsim
    >>> loaded = coopsim.load_scenario(
    ...     "scenarios/resolution20.toml", ["founding.mean_per_year=30"]
    ... )
    >>> loaded.scenario.name, loaded.scenario.founding.mean_per_year
    ('resolution20', 30.0)
    """
    path = Path(path)
    return scenario_from_raw(path, read_scenario_data(path, list(overrides)))


def scenario_from_raw(path: Path, raw: RawScenario) -> LoadedScenario:
    """Validate a scenario file's merged settings (as read_scenario_data gives them)."""
    scenario = validate(Scenario, raw.data, str(path), locate=raw.where)
    return LoadedScenario(scenario, path, file_digest(path), tuple(raw.files), tuple(raw.overrides))
