"""Policy levers, support programmes and administrative events, as scenario files write them.

Levers change hazards for whole classes over a time window (a period of the simulation);
programmes change the hazards of the particular cooperatives they support, within a capacity
and a budget; administrative events (clean-up waves, the 2023 Law's charter deadline) remove
cooperatives at a date, and recurring clean-up waves at random years.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from coopsim.classes import QualityClass
from coopsim.inputs.validation import StrictModel

#: A lever multiplies a hazard or the founding rate by at most this much (compile_plan also
#: bounds what several levers combine to).
MAX_MULTIPLIER = 1000.0
Multiplier = Annotated[float, Field(ge=0, le=MAX_MULTIPLIER, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]

#: The policy groups of Resolution 20-NQ/TW and chapter II of the Law on Cooperatives 2023.
PolicyGroup = Literal[
    "land",
    "credit",
    "science_technology",
    "training",
    "trade_promotion",
    "infrastructure",
    "founding_support",
    "reorganisation",
    "law_2023",
    "other",
]

ALL_CLASSES: list[QualityClass] = ["good", "fair", "average", "weak"]


class HazardEffects(StrictModel):
    """Multipliers on hazards; 1 leaves a hazard as it is."""

    upgrade: Multiplier = 1.0
    downgrade: Multiplier = 1.0
    dissolution: Multiplier = 1.0


class LeverEffects(HazardEffects):
    """A lever may also change founding and the conversion of cooperative groups."""

    founding: Multiplier = 1.0
    group_conversion: Multiplier = 1.0


def _after_start(end: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """An `end` date must come after the `start` validated before it."""
    start = info.data.get("start")
    if end is not None and start is not None and end <= start:
        raise ValueError(f"must be after start ({start})")
    return end


class Lever(StrictModel):
    """A policy that scales hazards of the classes it targets from `start` (to `end`)."""

    group: PolicyGroup
    description: str = ""
    start: dt.date
    end: dt.date | None = None
    ramp_up_years: NonNegative = Field(
        default=0.0, description="years over which the effect grows linearly to full strength"
    )
    classes: list[QualityClass] = Field(default_factory=lambda: list(ALL_CLASSES), min_length=1)
    effects: LeverEffects

    _end_after_start = field_validator("end")(_after_start)


Targeting = Literal["weakest_first", "random", "most_promising"]


class Programme(StrictModel):
    """Support for chosen cooperatives, limited by a yearly capacity and a budget.

    At the start and each anniversary, it picks up to `capacity_per_year` eligible cooperatives
    that it is not already supporting (and that the remaining budget can pay for) by its
    targeting rule, and scales their hazards by `effects` for `support_years`.
    """

    description: str = ""
    start: dt.date
    end: dt.date | None = None
    capacity_per_year: Annotated[int, Field(ge=0, le=10**9)]
    cost_per_cooperative_million_vnd: NonNegative
    budget_million_vnd: NonNegative
    targeting: Targeting = "weakest_first"
    eligible_classes: list[QualityClass] = Field(
        default_factory=lambda: list(ALL_CLASSES), min_length=1
    )
    support_years: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    effects: HazardEffects

    _end_after_start = field_validator("end")(_after_start)


class ClassProbabilities(StrictModel):
    """A probability for each quality class (0 where a class is left alone)."""

    good: Probability = 0.0
    fair: Probability = 0.0
    average: Probability = 0.0
    weak: Probability = 0.0

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.good, self.fair, self.average, self.weak)


class StateProbabilities(ClassProbabilities):
    """A probability for each quality class and for the dormant state (stopped operating),
    0 where a state is left alone; `dormant` needs the scenario's [dormancy] table."""

    dormant: Probability = 0.0

    def as_state_tuple(self) -> tuple[float, float, float, float, float]:
        """The four classes' probabilities, then the dormant state's."""
        return (*self.as_tuple(), self.dormant)


class Cleanup(StrictModel):
    """A clean-up wave: at `date`, each cooperative of a class is removed with its probability
    (as Ha Tinh struck off 416 nominal-only cooperatives after 2020)."""

    description: str = ""
    date: dt.date
    removal_probability: StateProbabilities


class CleanupWaves(StrictModel):
    """Clean-up waves as a risk rather than a date: each simulated year has a wave with
    `probability_per_year`, independently of other years, at the fraction `time_of_year` of
    the year; a wave removes each cooperative in a state with that state's probability."""

    description: str = ""
    probability_per_year: Probability
    time_of_year: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = Field(
        default=0.5,
        description="when in the year a wave falls, as the fraction of the year gone by "
        "(0.5: about 2 July; 0: 1 January, after the previous year's snapshot)",
    )
    removal_probability: StateProbabilities


class Law2023(StrictModel):
    """The Law on Cooperatives 2023: easier founding from `in_force`; cooperatives whose charter
    was not amended by `charter_deadline` may be removed then."""

    in_force: dt.date = dt.date(2024, 7, 1)
    charter_deadline: dt.date = dt.date(2026, 1, 1)
    founding_multiplier: Multiplier = 1.0
    removal_at_deadline: StateProbabilities = Field(default_factory=StateProbabilities)

    @field_validator("charter_deadline")
    @classmethod
    def _deadline_after_in_force(cls, deadline: dt.date, info: ValidationInfo) -> dt.date:
        in_force = info.data.get("in_force")
        if in_force is not None and deadline <= in_force:
            raise ValueError(f"must be after in_force ({in_force})")
        return deadline


class GroupConversion(StrictModel):
    """Founding from the pool of cooperative groups (tổ hợp tác): each group converts into a
    cooperative independently at hazard `conversion_per_year` (scaled by levers'
    `group_conversion`); Poisson(`new_groups_per_year`) groups join the pool at each year's
    start after the first."""

    conversion_per_year: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    new_groups_per_year: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] = 0.0
    initial_pool: Annotated[int, Field(ge=0, le=10**9)] | None = Field(
        default=None, description="groups at the start; default: the region's published count"
    )
