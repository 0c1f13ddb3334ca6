"""Dormancy (cooperatives that stop operating) and recurring clean-up waves, for the engines.

With dormancy the latent states are the four classes and "dormant" (index DORMANT = 4), and the
engines' generators run over (good, fair, average, weak, dormant, dissolved): a cooperative in
class c stops operating at hazard entry[c]; a dormant one resumes at hazard `resume` into a
class drawn from `resume_distribution`, or dissolves at hazard `dissolution`. These hazards are
constant in time: levers and programmes act on the quality hazards only. Without dormancy
nothing here is used and every generator is the 5 x 5 one of Hazards.

A clean-up wave is a scripted clean-up whose year is random: each simulated year k has one
with probability `probability_per_year` (independently of other years), at time k +
`time_of_year`; it removes each cooperative in state s with probability removal[s].
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from coopsim.classes import DORMANT, QUALITY_CLASSES, WEAK
from coopsim.inputs.scenario import Scenario
from coopsim.model.hazards import Hazards

N_CLASSES = len(QUALITY_CLASSES)
#: Index of the absorbing state in generators with dormancy (after dormant).
DISSOLVED_WITH_DORMANCY = DORMANT + 1


@dataclass(frozen=True)
class DormancyPlan:
    """Hazards per year in and out of the dormant state."""

    entry: np.ndarray  # (4,) by class: stopping operating
    resume: float
    resume_distribution: np.ndarray  # (4,) the class a resuming cooperative returns to
    dissolution: float

    @property
    def exit_rate(self) -> float:
        """Total hazard of leaving the dormant state."""
        return self.resume + self.dissolution

    def generator_part(self) -> np.ndarray:
        """The dormancy moves alone as a 6 x 6 generator over (classes, dormant, dissolved)."""
        q = np.zeros((DORMANT + 2, DORMANT + 2))
        for c in range(N_CLASSES):
            q[c, DORMANT] = self.entry[c]
            q[c, c] = -self.entry[c]
        q[DORMANT, :N_CLASSES] = self.resume * self.resume_distribution
        q[DORMANT, DISSOLVED_WITH_DORMANCY] = self.dissolution
        q[DORMANT, DORMANT] = -self.exit_rate
        return q


def embed_classes(generator: np.ndarray) -> np.ndarray:
    """A (..., 5, 5) generator over (classes, dissolved) as (..., 6, 6) over (classes,
    dormant, dissolved), with nothing moving in or out of dormant."""
    q = np.zeros((*generator.shape[:-2], DORMANT + 2, DORMANT + 2))
    n, gone = N_CLASSES, DISSOLVED_WITH_DORMANCY
    q[..., :n, :n] = generator[..., :n, :n]
    q[..., :n, gone] = generator[..., :n, n]
    q[..., gone, :n] = generator[..., n, :n]
    q[..., gone, gone] = generator[..., n, n]
    return q


def state_generator(hazards: Hazards, dormancy: DormancyPlan | None) -> np.ndarray:
    """The generator over the latent states and dissolved: Hazards.generator() itself without
    dormancy, else 6 x 6 with the dormant state before dissolved."""
    if dormancy is None:
        return hazards.generator()
    return embed_classes(hazards.generator()) + dormancy.generator_part()


@dataclass(frozen=True)
class WavePlan:
    """Clean-up waves at random years: per year a wave with `probability`, at k + time_of_year,
    removing each cooperative in state s with probability removal[s] (s over the latent
    states: four classes, and dormant with dormancy)."""

    probability: float
    time_of_year: float
    removal: np.ndarray

    def time(self, k: int) -> float:
        """When the wave of calendar year k (0-based) would fall."""
        return k + self.time_of_year

    def times(self, n_years: int) -> list[float]:
        """Every date at which a wave may fall."""
        return [self.time(k) for k in range(n_years)]


def dormancy_with(dormancy: DormancyPlan, values: dict[str, float]) -> DormancyPlan:
    """The dormancy hazards with a posterior set's values (the stopping hazards scaled by
    dormancy_entry_scale; the resume and dissolution hazards replaced)."""
    return replace(
        dormancy,
        entry=dormancy.entry * values.get("dormancy_entry_scale", 1.0),
        resume=values.get("dormancy_resume_per_year", dormancy.resume),
        dissolution=values.get("dormancy_dissolution_per_year", dormancy.dissolution),
    )


def waves_with(waves: WavePlan, values: dict[str, float]) -> WavePlan:
    """The waves with a posterior set's yearly probability and removal of dormant and weak
    cooperatives."""
    removal = waves.removal.copy()
    removal[WEAK] = values.get("wave_removal_weak", removal[WEAK])
    if removal.size > DORMANT:
        removal[DORMANT] = values.get("wave_removal_dormant", removal[DORMANT])
    return replace(
        waves,
        probability=values.get("wave_probability_per_year", waves.probability),
        removal=removal,
    )


def compile_dormancy(scenario: Scenario) -> DormancyPlan | None:
    spec = scenario.dormancy
    if spec is None:
        return None
    return DormancyPlan(
        entry=np.array(spec.entry_per_year.as_tuple()),
        resume=spec.resume_per_year,
        resume_distribution=np.array(spec.resume_class.as_tuple()),
        dissolution=spec.dissolution_per_year,
    )


def compile_waves(scenario: Scenario, n_states: int) -> WavePlan | None:
    """The scenario's waves, or None when there are none or they could remove no one (then
    an engine draws nothing for them)."""
    spec = scenario.cleanup_waves
    if spec is None:
        return None
    removal = np.array(spec.removal_probability.as_state_tuple()[:n_states])
    if spec.probability_per_year == 0 or not removal.any():
        return None
    return WavePlan(spec.probability_per_year, spec.time_of_year, removal)
