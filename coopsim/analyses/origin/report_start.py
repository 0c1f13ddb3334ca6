"""A forecast started at the latest report within its first year: the posterior updated with
the report (without it: the scenario's values), and each replicate's state at the report's
date drawn given it under the replicate's parameter set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coopsim.analyses.calibration.record.problem import RecordProblem
from coopsim.analyses.origin.condition import Conditioned, condition_on_report
from coopsim.analyses.origin.record_start import RECORD_DRAWS, conditioned_on_record, record_problem
from coopsim.analyses.origin.report import InYearReport, in_year_report
from coopsim.analyses.origin.start import MIN_START_DRAWS, draw_starts, draws_by_set, spread
from coopsim.analyses.origin.update import PosteriorUpdate, resampled, reweight
from coopsim.errors import InputError
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario
from coopsim.model.origin import ReportOrigin
from coopsim.model.parameter_sets import choose_sets, every_draw, set_rows
from coopsim.model.plan import SimulationPlan
from coopsim.threads import single_threaded_blas

#: The entropy word of the origin's random stream (other analyses use 1 to 3).
_STREAM = 5

#: What a start at a report means, for summary.json.
METHOD = (
    "the forecast starts at the report's date: the year's flows so far count toward the "
    "year's figures, and each replicate starts from a draw of the state then given the "
    "report (a Gaussian-sum moment filter run under the replicate's parameter set, from the "
    "starting stock on 1 January or, for a whole-record posterior, from the record's first "
    "figure; unpublished parts, such as the class split, the cooperatives founded this year "
    "and those that stopped operating, come from it)"
)


@dataclass(frozen=True)
class StartAtReport:
    """The plan started at the report, and what summary.json says of it."""

    plan: SimulationPlan
    report: InYearReport
    update: PosteriorUpdate | None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        origin = self.plan.origin
        assert origin is not None
        alive = origin.alive(np.arange(origin.count))
        return {
            "kind": "report",
            "date": self.report.date.isoformat(),
            "time_in_year": round(self.report.time, 6),
            "method": METHOD,
            "conditioned_on": list(self.report.described),
            "not_used": dict(self.report.not_used),
            "points": {m: [list(p) for p in pts] for m, pts in self.report.points().items()},
            "start_draws": origin.count,
            "alive_at_origin": spread(alive),
            "founded_so_far": spread(origin.founded),
            "dissolved_so_far": spread(origin.dissolved),
            "posterior_update": None if self.update is None else self.update.as_dict(),
            "notes": list(self.notes),
        }


def _reads_report(scenario: Scenario | None, report: InYearReport) -> bool:
    """Whether the scenario's calibration already read the report's year."""
    spec = None if scenario is None else scenario.calibration
    return spec is not None and spec.method == "record" and spec.year >= report.first_year


def start_at_report(
    plan: SimulationPlan,
    scenario: Scenario | None,
    report: InYearReport,
    *,
    replications: int,
    seed: int,
    posterior: pd.DataFrame | None = None,
    replicates_per_set: int = 1,
    posterior_source: str = "",
    region: Region | None = None,
) -> StartAtReport:
    """The plan (with its parameter sets, given a posterior) started at the report; the
    scenario (None: not known) says whether its calibration already read the report. With a
    whole-record posterior and the `region`, each draw's state comes from the whole record
    (at most RECORD_DRAWS draws, evenly spaced); otherwise from the starting stock."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM])))
    notes = _notes(plan)
    count = max(replications, MIN_START_DRAWS)
    if posterior is None:
        conditioned = condition_on_report(plan, report)
        arrays = draw_starts(
            conditioned.pinned(report),
            count,
            rng,
            plan.n_states,
            plan.founding_mean_per_year,
            plan.initial,
        )
        notes += _surprises([conditioned])
        return StartAtReport(plan.with_origin(_origin(report, arrays)), report, None, notes)
    problem = _record_problem(scenario, region, report, notes)
    if problem is not None:  # each draw's filter through the whole record
        total = len(posterior)
        posterior = posterior.iloc[set_rows(total, min(total, RECORD_DRAWS))]
        posterior = posterior.reset_index(drop=True)
        notes.append(
            f"each start is filtered through the whole record from its first figure "
            f"({problem.record.first_date}) "
            f"under its posterior draw ({len(posterior)} of the posterior's {total} draws, evenly "
            "spaced): the stock's classes, the cooperatives that stopped operating and this "
            "year's new ones as the record and the report say them (a total read with the "
            "calibration's register error; a data note's 'starts from the published "
            "end-of-year stock' does not hold for this start)"
        )
        conditioned_rows = conditioned_on_record(problem, report, posterior)
    every = plan.with_parameter_sets(every_draw(posterior, posterior_source))
    if problem is None:  # each draw's filter from the forecast's starting stock
        errors = _register_errors(posterior)
        conditioned_rows = [
            condition_on_report(every.for_replicate(i), report, errors[i])
            for i in range(len(posterior))
        ]
    notes += _surprises(conditioned_rows)
    update = None
    rows = np.arange(len(posterior))
    draws = posterior
    if _reads_report(scenario, report):
        notes.append(
            f"the posterior's calibration already reads {report.first_year}: it is used as it is"
        )
    else:
        update = reweight(np.array([c.log_likelihood for c in conditioned_rows]), rng)
        rows, draws = update.rows, resampled(posterior, update)
        if update.warning:
            notes.append(update.warning)
    sets = choose_sets(draws, replications, replicates_per_set, posterior_source)
    chosen = rows[set_rows(len(draws), sets.count)]
    rows_of_sets = [int(row) for row in chosen]
    arrays = draws_by_set(
        [conditioned_rows[row].pinned(report) for row in rows_of_sets],
        [every.for_replicate(row).founding_mean_per_year for row in rows_of_sets],
        count,
        rng,
        plan.n_states,
        plan.initial,
    )
    started = plan.with_parameter_sets(sets).with_origin(_origin(report, arrays))
    return StartAtReport(started, report, update, notes)


#: A report's figure this many predictive sds (median over the draws) outside what the model
#: expected at its date is named in the notes.
SURPRISE_SDS = 5.0


def _surprises(conditioned: list[Conditioned]) -> list[str]:
    """Notes naming the report's figures the model could not expect: the forecast follows
    them only as far as the model can move."""
    places = conditioned[0].surprise.keys() if conditioned else []
    found = []
    for place in places:
        sds = float(np.median([c.surprise.get(place, 0.0) for c in conditioned]))
        if sds > SURPRISE_SDS:
            found.append(
                f"{place} lies {sds:.0f} predictive sds outside what the model expected at its "
                "date: check the figure, or the scenario (a 'stopped' count needs [dormancy]); "
                "the forecast follows it only as far as the model can move"
            )
    return found


def _record_problem(
    scenario: Scenario | None, region: Region | None, report: InYearReport, notes: list[str]
) -> RecordProblem | None:
    """The whole record cut at the report, when the posterior is of a whole-record
    calibration of this scenario (None otherwise, or, with a note, when the scenario has
    what the record's model does not)."""
    spec = None if scenario is None else scenario.calibration
    if scenario is None or region is None or spec is None or spec.method != "record":
        return None
    try:
        return record_problem(scenario, region, report)
    except InputError as error:
        notes.append(
            f"the start is filtered from the starting stock, not the whole record: {error}"
        )
        return None


def _register_errors(posterior: pd.DataFrame) -> np.ndarray:
    """Each draw's register error (0 where the calibration did not fit one)."""
    if "register_error" not in posterior.columns:
        return np.zeros(len(posterior))
    return pd.to_numeric(posterior["register_error"], errors="coerce").fillna(0.0).to_numpy()


def _origin(report: InYearReport, arrays: dict[str, np.ndarray]) -> ReportOrigin:
    return ReportOrigin(
        time=report.time, date=report.date, conditioned_on=report.described, **arrays
    )


def _notes(plan: SimulationPlan) -> list[str]:
    """What a start at a report leaves to assumption in this plan."""
    notes = []
    if plan.groups is not None:
        notes.append(
            "the cooperative groups' pool starts at the report at its 1 January size (the "
            "report's foundings include conversions so far; the pool is not published)"
        )
    if plan.programmes:
        notes.append(
            "a programme's selection round due before the report is made at its date (who was "
            "chosen is not published)"
        )
    return notes


def at_latest_report(
    plan: SimulationPlan, scenario: Scenario, region: Region, *, replications: int, seed: int
) -> tuple[SimulationPlan, dict[str, object] | None]:
    """The plan started at the latest report within its first year, with what summary.json
    says of it; the plan itself (and None) when the region publishes none."""
    report = in_year_report(region, plan.first_year)
    if report is None:
        return plan, None
    with single_threaded_blas():
        started = start_at_report(
            plan, scenario, report, replications=replications, seed=seed, region=region
        )
    return started.plan, started.as_dict()
