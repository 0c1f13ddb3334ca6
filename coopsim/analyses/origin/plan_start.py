"""Where a forecast's plan starts: at the latest report within its first year, on 1 January
from the whole record (a whole-record posterior), or from the fixed end-of-year table; with
the posterior's parameter sets, if any. The report and record machinery (the moment filter)
is imported only when a figure inside the first year or a posterior asks for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario
from coopsim.model.parameter_sets import choose_sets
from coopsim.model.plan import SimulationPlan

if TYPE_CHECKING:
    import pandas as pd

    from coopsim.analyses.origin.report_start import StartAtReport
    from coopsim.analyses.origin.year_end_start import StartFromRecord

#: Where a forecast may start: the latest report within its first year, or the year-end.
ORIGINS = ("latest", "year-end")


def start_plan(
    plan: SimulationPlan,
    scenario: Scenario,
    region: Region,
    *,
    origin: str,
    replications: int,
    seed: int,
    posterior: pd.DataFrame | None = None,
    replicates_per_set: int = 1,
    posterior_source: str = "",
) -> tuple[SimulationPlan, StartAtReport | StartFromRecord | None]:
    """The plan as the forecast runs it, and how it starts (None: from the fixed table)."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {origin!r}")
    report = None
    if origin == "latest" and region.observations_within(plan.first_year):
        from coopsim.analyses.origin.report import in_year_report

        report = in_year_report(region, plan.first_year)
    started: StartAtReport | StartFromRecord | None = None
    if report is not None:
        from coopsim.analyses.origin.report_start import start_at_report

        started = start_at_report(
            plan,
            scenario,
            report,
            replications=replications,
            seed=seed,
            posterior=posterior,
            replicates_per_set=replicates_per_set,
            posterior_source=posterior_source,
            region=region,
        )
        return started.plan, started
    if posterior is None:
        return plan, None
    from coopsim.analyses.origin.year_end_start import record_for_year_end, start_from_record

    problem = record_for_year_end(scenario, region, plan.first_year)
    if problem is None:
        sets = choose_sets(posterior, replications, replicates_per_set, posterior_source)
        return plan.with_parameter_sets(sets), None
    started = start_from_record(
        plan,
        problem,
        posterior,
        replications=replications,
        replicates_per_set=replicates_per_set,
        seed=seed,
        posterior_source=posterior_source,
    )
    return started.plan, started
