"""The whole-record calibration problem: a scenario's priors and the region's record, with the
log posterior the sampler walks (priors plus the record filter's log likelihood)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from coopsim.analyses.calibration.record.likelihood import RecordModel, run_filter
from coopsim.analyses.calibration.record.moments import N_ALIVE, Dynamics
from coopsim.analyses.calibration.record.timeline import Record, build_record
from coopsim.analyses.calibration.space import ParameterSpace
from coopsim.classes import QUALITY_CLASSES
from coopsim.errors import InputError
from coopsim.inputs.priors import Prior
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario
from coopsim.model.dormancy import DormancyPlan, compile_dormancy, embed_classes
from coopsim.model.hazards import Hazards

#: Scenario features the record's model does not have (it is the steady model with dormancy
#: and random clean-up waves).
_REFUSED = ("levers", "programmes", "cleanups", "law_2023", "founding.from_groups")


@dataclass(frozen=True)
class RecordProblem(ParameterSpace):
    """A scenario, the record it is fitted to and the priors of the sampled parameters."""

    scenario: Scenario
    record: Record
    priors: dict[str, Prior]
    region_name: str
    reference_split: np.ndarray = field(repr=False)
    base: Hazards = field(repr=False)
    dormancy: DormancyPlan = field(repr=False)

    #: How the likelihood is computed (calibration.json and diagnostics.json say it).
    likelihood = (
        "whole record: a Gaussian-sum filter on the exact first two moments of the counts "
        "(linear noise approximation), mixing over clean-up wave years and over the possible "
        "dates of undated reports; exact figures as densities, rounded figures and bounds as "
        "interval probabilities with moment-matched updates"
    )

    @property
    def year(self) -> int:
        """The last year fitted."""
        return self.record.end_year

    def model(self, values: dict[str, float]) -> RecordModel | None:
        """The filter's model for parameter values (a parameter without a prior keeps the
        scenario's value); None where the values give no valid model."""
        hazards = Hazards(
            upgrade=self.base.upgrade * values.get("upgrade_scale", 1.0),
            downgrade=self.base.downgrade * values.get("downgrade_scale", 1.0),
            dissolution=self.base.dissolution * values.get("dissolution_scale", 1.0),
        )
        d = self.dormancy
        dormancy = DormancyPlan(
            entry=d.entry * values.get("dormancy_entry_scale", 1.0),
            resume=values.get("dormancy_resume_per_year", d.resume),
            resume_distribution=d.resume_distribution,
            dissolution=values.get("dormancy_dissolution_per_year", d.dissolution),
        )
        generator = embed_classes(hazards.generator()) + dormancy.generator_part()
        founding = self.scenario.founding
        mean = founding.mean_per_year * values.get("founding_scale", 1.0)
        if mean <= 0:
            return None
        waves = self.scenario.cleanup_waves
        removal = np.zeros(N_ALIVE)
        probability, time_of_year = 0.0, 0.7
        if waves is not None:
            removal = np.array(waves.removal_probability.as_state_tuple()[:N_ALIVE])
            removal[-1] = values.get("wave_removal_dormant", removal[-1])
            removal[QUALITY_CLASSES.index("weak")] = values.get(
                "wave_removal_weak", removal[QUALITY_CLASSES.index("weak")]
            )
            probability = values.get("wave_probability_per_year", waves.probability_per_year)
            time_of_year = waves.time_of_year
        return RecordModel(
            dynamics=Dynamics(
                generator,
                np.array(founding.entry_class.as_tuple()),
                mean,
                values.get("founding_dispersion", founding.dispersion),
            ),
            reference_split=self.reference_split,
            initial_dormant_share=values.get("initial_dormant_share", 0.0),
            wave_probability=probability,
            wave_time_of_year=time_of_year,
            wave_removal=removal,
            register_error=values.get("register_error", 0.0),
        )

    def log_likelihood(self, values: dict[str, float]) -> float:
        model = self.model(values)
        if model is None:
            return -math.inf
        return run_filter(self.record, model).log_likelihood

    def log_posterior(self, z: np.ndarray) -> float:
        total, values = self.log_prior(z)
        if not math.isfinite(total):
            return -math.inf
        lik = self.log_likelihood(values)
        return total + lik if math.isfinite(lik) else -math.inf


def reference_split(
    region: Region, scenario: Scenario, until: int | dt.date | None = None
) -> np.ndarray:
    """Class shares of the operating stock to start from: the latest published census of
    all four classes (up to the end of `until`, a year or a day, so that a record cut there
    reads nothing later), else the classes new cooperatives enter (a weak reference: its
    Dirichlet spread is wide)."""
    last = dt.date(until, 12, 31) if isinstance(until, int) else until
    years = [y for y in region.snapshots if last is None or dt.date(y, 12, 31) <= last]
    for year in sorted(years, reverse=True):
        classes = region.snapshots[year].classes or {}
        if all(name in classes for name in QUALITY_CLASSES):
            counts = np.array([classes[name].value for name in QUALITY_CLASSES], dtype=float)
            return counts / counts.sum()
    return np.array(scenario.founding.entry_class.as_tuple())


def build_record_problem(
    scenario: Scenario,
    region: Region,
    end_year: int | None = None,
    until: dt.date | None = None,
) -> RecordProblem:
    """The whole-record problem a scenario's [calibration] table (method = "record") asks for,
    its record cut at the end of `end_year` (default: calibration.year) or at the end of the
    day `until`, as a backtest's origin needs: nothing published later reaches it."""
    if end_year is not None and until is not None:
        raise ValueError("cut the record at the end of a year or of a day, not both")
    spec = scenario.calibration
    assert spec is not None
    # the reference split reads no census after an explicit cut
    cut: int | dt.date | None = until if until is not None else end_year
    end_year = spec.year if end_year is None and until is None else end_year
    present = {
        "levers": scenario.levers,
        "programmes": scenario.programmes,
        "cleanups": scenario.cleanups,
        "law_2023": scenario.law_2023,
        "founding.from_groups": scenario.founding.from_groups,
    }
    features = [name for name in _REFUSED if present[name]]
    if features:
        raise InputError(
            "scenario",
            "the whole-record fit is of the steady model with dormancy and clean-up waves, "
            "without " + ", ".join(features) + "; calibrate a scenario without them",
            features[0],
        )
    if scenario.reporting.share_denominator != "all":
        raise InputError(
            "scenario",
            "calibration supports shares of all cooperatives only",
            "reporting.share_denominator",
        )
    needs = {
        "dormancy": [n for n in spec.priors if n.startswith("dormancy_")],
        "cleanup_waves": [n for n in spec.priors if n.startswith("wave_")],
    }
    for table, names in needs.items():
        if names and getattr(scenario, table) is None:
            raise InputError(
                "scenario",
                f"priors on {', '.join(names)} need a [{table}] table to fit",
                f"calibration.priors.{names[0]}",
            )
    try:
        record = build_record(region, end_year, until=until)
    except ValueError as error:
        raise InputError(region.source_name, str(error), "snapshots") from None
    if not record.figures:
        last = until.isoformat() if until is not None else end_year
        raise InputError(region.source_name, f"has no figures up to {last} to fit")
    dormancy = compile_dormancy(scenario) or DormancyPlan(
        np.zeros(4), 0.0, np.array([0.0, 0.0, 0.0, 1.0]), 0.0
    )
    return RecordProblem(
        scenario=scenario,
        record=record,
        priors=dict(spec.priors),
        region_name=region.source_name,
        reference_split=reference_split(region, scenario, cut),
        base=Hazards.from_quality(scenario.quality),
        dormancy=dormancy,
    )
