"""The forecast workflow: scenario and data in, Monte Carlo ensemble run, results out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from coopsim.engines import select_engine, simulate
from coopsim.engines.exact import ExactModel
from coopsim.ensemble import default_workers
from coopsim.exact_result import ExactForecastResult
from coopsim.observed import LoadedRegion, load_region
from coopsim.parameter_sets import DEFAULT_REPLICATES_PER_SET, choose_sets
from coopsim.plan import compile_plan
from coopsim.progress import Progress
from coopsim.results import ForecastResult
from coopsim.scenario import Scenario
from coopsim.threads import single_threaded_blas

DEFAULT_SEED = 2024
DEFAULT_REPLICATIONS = 1000


def region_for(scenario: Scenario, scenario_path: Path | None = None) -> LoadedRegion:
    """The region data a scenario names (paths are relative to the scenario file)."""
    return load_region(
        scenario.region,
        scenario_path.parent if scenario_path else None,
        str(scenario_path) if scenario_path else "scenario",
    )


def forecast(
    scenario: Scenario,
    *,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    engine: str = "auto",
    workers: int | None = None,
    region: LoadedRegion | None = None,
    progress: bool | None = False,
    posterior: pd.DataFrame | None = None,
    replicates_per_set: int = DEFAULT_REPLICATES_PER_SET,
    posterior_source: str | None = None,
) -> ForecastResult:
    """Run a scenario as a Monte Carlo ensemble and return its results.

    A scenario with support programmes is also run without them, with the same seed, so the
    result can say what the programmes bought (`ForecastResult.programme_impact()`). With a
    `posterior` (the draws of `coopsim calibrate`), replicate i runs with parameter set
    i mod P, P = replications / replicates_per_set sets spread through the posterior: a
    two-level ensemble whose spread includes what the data leave uncertain.

    >>> from coopsim import load_scenario, forecast
    >>> result = forecast(load_scenario("scenarios/baseline.toml").scenario, replications=200)
    >>> result.targets["new_cooperatives_2024"].probability  # doctest: +SKIP
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if replicates_per_set < 1:
        raise ValueError("replicates_per_set must be at least 1")
    with single_threaded_blas():
        loaded = region or region_for(scenario)
        plan = compile_plan(scenario, loaded.data)
        if posterior is not None:
            sets = choose_sets(posterior, replications, replicates_per_set, posterior_source or "")
            plan = replace(plan, parameter_sets=sets)
        choice = select_engine(engine, plan)
        common = {
            "scenario": scenario,
            "region": loaded.data,
            "initial": plan.initial,
            "years": plan.years,
            "engine": choice.name,
            "engine_reason": choice.reason,
            "seed": seed,
            "inconsistencies": loaded.inconsistencies,
        }
        if choice.name == "exact":
            return ExactForecastResult(values=None, model=ExactModel(plan), **common)
        assert choice.chunk is not None
        runs = [plan, plan.without_programmes()] if plan.programmes else [plan]
        bar = Progress(replications * len(runs), enabled=progress)
        try:
            values, *counterfactual = [
                simulate(
                    run,
                    seed,
                    replications,
                    engine=choice.name,
                    workers=default_workers() if workers is None else workers,
                    progress=bar,
                )[0]
                for run in runs
            ]
        finally:
            bar.close()
    return ForecastResult(
        values=values,
        counterfactual=counterfactual[0] if counterfactual else None,
        parameter_sets=None if plan.parameter_sets is None else plan.parameter_sets.count,
        posterior_source=posterior_source,
        **common,
    )
