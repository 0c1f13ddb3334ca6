"""A whole-record posterior's forecast from the year-end, started from what the record says of
the stock then: each parameter set's state on 1 January given every figure up to the end of
the year before (its class split, the cooperatives that stopped operating), instead of the
fixed end-of-year table (model.initial_state), which has no one dormant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coopsim.analyses.calibration.record.problem import RecordProblem, build_record_problem
from coopsim.analyses.origin.record_start import year_end_states
from coopsim.analyses.origin.start import MIN_START_DRAWS, draws_by_set, spread
from coopsim.errors import InputError
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario
from coopsim.model.origin import ReportOrigin
from coopsim.model.parameter_sets import ParameterSets, choose_sets, set_rows
from coopsim.model.plan import SimulationPlan

#: The entropy word of this start's random stream (other analyses use 1 to 5).
_STREAM = 6


@dataclass(frozen=True)
class StartFromRecord:
    """The plan started on 1 January from the whole record, and what summary.json says."""

    plan: SimulationPlan
    first_year: int
    record_from: str
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        origin = self.plan.origin
        assert origin is not None
        rows = np.arange(origin.count)
        alive = origin.alive(rows)
        dormant = origin.old[:, 4] if origin.n_states > 4 else np.zeros(origin.count)
        return {
            "kind": "year-end, from the whole record",
            "date": dt.date(self.first_year - 1, 12, 31).isoformat(),
            "time_in_year": 0.0,
            "method": "the forecast starts at the year-end from the whole record: each "
            "replicate's stock drawn from its parameter set's state then given every figure "
            f"from the record's first ({self.record_from}), by the record's Gaussian-sum moment "
            "filter (the class split and the cooperatives that stopped operating as the record "
            "says them)",
            "conditioned_on": [],
            "start_draws": origin.count,
            "alive_at_origin": spread(alive),
            "dormant_at_origin": spread(dormant),
            "posterior_update": None,
            "notes": list(self.notes),
        }


def record_for_year_end(
    scenario: Scenario, region: Region, first_year: int
) -> RecordProblem | None:
    """The whole record cut at the end of the year before the forecast, when the scenario is
    calibrated on it and its model can read it (None otherwise)."""
    spec = scenario.calibration
    if spec is None or spec.method != "record":
        return None
    try:
        return build_record_problem(scenario, region, until=dt.date(first_year - 1, 12, 31))
    except InputError:
        return None


def start_from_record(
    plan: SimulationPlan,
    problem: RecordProblem,
    posterior: pd.DataFrame,
    *,
    replications: int,
    replicates_per_set: int,
    seed: int,
    posterior_source: str = "",
) -> StartFromRecord:
    """The plan with its parameter sets (as choose_sets picks them) and, for replicate r, a
    start on 1 January drawn from set r mod P's state given the whole record."""
    sets: ParameterSets = choose_sets(posterior, replications, replicates_per_set, posterior_source)
    rows = set_rows(len(posterior), sets.count)
    states = year_end_states(problem, posterior.iloc[rows].reset_index(drop=True), plan.first_year)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM])))
    count = max(replications, MIN_START_DRAWS)
    with_sets = plan.with_parameter_sets(sets)
    parts = draws_by_set(
        states,
        [with_sets.for_replicate(j).founding_mean_per_year for j in range(sets.count)],
        count,
        rng,
        plan.n_states,
        plan.initial,
    )
    parts["founding_factor"] = np.full(count, np.nan)  # the year's founding is still ahead
    origin = ReportOrigin(time=0.0, date=dt.date(plan.first_year, 1, 1), **parts)
    notes = (
        "the start reads the published stock through the record, with the calibration's "
        "register error, so its total may differ from the published one by a few; a data note's "
        "'starts from the published end-of-year stock' does not hold for this start",
    )
    return StartFromRecord(
        with_sets.with_origin(origin), plan.first_year, problem.record.first_date, notes
    )
